"""Form bases for the portal: Japanese labels carry no trailing colon."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone

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


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, with the mail put in the outbox instead of sent in the request: a mail
    server that is down delays the mail, and the person still sees the usual answer. The link is
    never shown in the admin and is erased once sent."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None) -> None:  # type: ignore[no-untyped-def]
        from reminders.models import Reason
        from reminders.services import Mail, mail_queue

        user = context["user"]
        mail_queue(mails=[Mail(
            to=to_email,
            subject="".join(render_to_string(subject_template_name, context).splitlines()),
            body=render_to_string(email_template_name, context),
            html_body=render_to_string(html_email_template_name, context) if html_email_template_name else "",
            reason=Reason.PASSWORD_RESET, object_key=f"municipality.user:{user.pk}",
            step=timezone.now().isoformat(timespec="microseconds")[:40], user_id=user.pk, sensitive=True,
        )])
