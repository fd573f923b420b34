"""Form bases for the portal: Japanese labels carry no trailing colon."""

from django import forms
from django.db import models

from municipality.validators import validate_birth_date, validate_event_date


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class EventDateField(forms.DateField):
    """A date of an event (2000–2100): every plain form's date field is one of these or a BirthDateField."""

    widget = DateInput
    default_validators = [validate_event_date]


class BirthDateField(forms.DateField):
    """A birth date: 明治 to today."""

    widget = DateInput
    default_validators = [validate_birth_date]


def max_length_of(model: type[models.Model], field: str) -> int:
    """The limit of a model's text field, for a plain form field that feeds it."""
    return model._meta.get_field(field).max_length


class JapaneseForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class JapaneseModelForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
