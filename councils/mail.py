"""Invitations by e-mail: subject, text and HTML templates, with the meeting as an .ics file."""

from __future__ import annotations

from email.mime.text import MIMEText

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from municipality.models import Municipality

from .calendar import meeting_ics
from .models import Invitation, Meeting


def send_invitations(meeting: Meeting, *, base_url: str) -> tuple[int, int]:
    """Mail each invitee with an address who has not had this version of the notice; a change of
    date, time, place or agenda (a new SEQUENCE) sends it again. (sent, without e-mail)."""
    municipality = Municipality.objects.current()
    meeting_url = f"{base_url}/meetings/{meeting.pk}/"
    meeting.refresh_from_db()  # the notice carries the current date, place and version
    ics = meeting_ics(meeting, meeting_url)
    agenda = list(meeting.agenda.all())
    sent = 0
    without = meeting.invitations.filter(person__email="").count()
    due = Q(mailed_sequence__isnull=True) | Q(mailed_sequence__lt=meeting.sequence)
    with transaction.atomic():
        # Two clicks at once: each invitation is claimed by one of them only.
        invitations = list(
            meeting.invitations.select_for_update(skip_locked=True, of=("self",))
            .select_related("person").filter(due).exclude(person__email="")
        )
        for invitation in invitations:
            context = {
                "meeting": meeting, "person": invitation.person, "municipality": municipality,
                "meeting_url": meeting_url, "rsvp_url": f"{base_url}/meetings/rsvp/{invitation.token}/",
                "agenda": agenda, "updated": invitation.mailed_sequence is not None,
            }
            subject = render_to_string("councils/mail/invitation_subject.txt", context).strip()
            message = EmailMultiAlternatives(
                subject=subject, body=render_to_string("councils/mail/invitation.txt", context),
                from_email=settings.DEFAULT_FROM_EMAIL, to=[invitation.person.email],
            )
            message.attach_alternative(render_to_string("councils/mail/invitation.html", context), "text/html")
            calendar_part = MIMEText(ics.decode(), "calendar", "utf-8")
            calendar_part.set_param("method", "PUBLISH")
            calendar_part.add_header("Content-Disposition", "attachment", filename="meeting.ics")
            message.attach(calendar_part)
            message.send()
            Invitation.objects.filter(pk=invitation.pk).update(mailed_at=timezone.now(),
                                                               mailed_sequence=meeting.sequence)
            sent += 1
    return sent, without
