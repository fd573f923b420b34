"""Form bases for the portal: Japanese labels carry no trailing colon."""

from html import escape

from django import forms
from django.db import models
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from municipality.validators import validate_birth_date, validate_event_date


class DateInput(forms.DateInput):
    """The browser's date picker, in Japanese (``lang="ja"``); the value stays ISO (2026-11-30)."""

    input_type = "date"

    def __init__(self, attrs=None, **kwargs):
        super().__init__(attrs={"lang": "ja", **(attrs or {})}, format="%Y-%m-%d", **kwargs)


def _escaped(value: object) -> str:
    """Django's conditional_escape, without its lazy-string check (which costs more than the rest
    of an option)."""
    html = getattr(value, "__html__", None)
    return html() if html else escape(str(value))


class LongSelectMultiple(forms.SelectMultiple):
    """A multiple select of thousands of plain choices (every organisation of the city) whose options
    are written directly instead of through a template each: Django's widget renders one template
    per option, most of a second for 5,000 organisations on every opening of the activity form.
    The same markup; choices in groups fall back to Django's rendering."""

    def render(self, name, value, attrs=None, renderer=None):
        choices = list(self.choices)
        if any(isinstance(label, (list, tuple)) for _, label in choices):
            return super().render(name, value, attrs, renderer)
        final = self.build_attrs(self.attrs, attrs) | {"multiple": True}
        selected = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{_escaped(v)}"{" selected" if str(v) in selected else ""}>{_escaped(label)}</option>'
            for v, label in choices
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final), mark_safe(options))


class _NameChoiceIterator(ModelChoiceIterator):
    """Choices as (pk, label) pairs read with ``values_list``: no model instance per row and no
    ``COUNT`` before the list (``list()`` asks an iterator's length first)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", self.field.label_field)

    def __len__(self) -> int:
        return 0  # a length hint only; the choices are read once, by __iter__


class LongModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """A multiple choice of thousands of rows (every organisation of the city) shown by one text
    column: read as plain pairs and written by ``LongSelectMultiple``. Validation is Django's (the
    chosen keys are looked up in the queryset)."""

    iterator = _NameChoiceIterator
    widget = LongSelectMultiple

    def __init__(self, queryset, *, label_field: str = "name", **kwargs):
        self.label_field = label_field
        super().__init__(queryset, **kwargs)


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
