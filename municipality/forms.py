"""Form bases for the portal: Japanese labels carry no trailing colon."""

from django import forms
from django.contrib.auth import forms as auth_forms


class JapaneseForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class JapaneseModelForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, for its field and its user lookup only: the view records the request
    and a worker sends the mail (municipality/services.py)."""
