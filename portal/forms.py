from django.contrib.auth import forms as auth_forms


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, for its field and its user lookup only: the view records the request
    and a worker sends the mail (portal/services.py)."""
