"""Invitations by e-mail: subject, text and HTML templates, with the meeting as an .ics file."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from municipality.models import Municipality

from .calendar import meeting_ics
from .models import Invitation, Meeting


def send_invitations(meeting: Meeting, *, base_url: str) -> tuple[int, int]:
    """Mail each invitee with an address who has not had the notice yet; (sent, without e-mail)."""
    municipality = Municipality.objects.current()
    meeting_url = f"{base_url}/meetings/{meeting.pk}/"
    ics = meeting_ics(meeting, meeting_url)
    sent = without = 0
    invitations = meeting.invitations.select_related("person").filter(mailed_at__isnull=True)
    for invitation in invitations:
        if not invitation.person.email:
            without += 1
            continue
        context = {
            "meeting": meeting, "person": invitation.person, "municipality": municipality,
            "meeting_url": meeting_url, "rsvp_url": f"{base_url}/meetings/rsvp/{invitation.token}/",
            "agenda": list(meeting.agenda.all()),
        }
        subject = render_to_string("councils/mail/invitation_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject=subject, body=render_to_string("councils/mail/invitation.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL, to=[invitation.person.email],
        )
        message.attach_alternative(render_to_string("councils/mail/invitation.html", context), "text/html")
        message.attach("meeting.ics", ics, "text/calendar; charset=utf-8; method=PUBLISH")
        message.send()
        with transaction.atomic():
            Invitation.objects.filter(pk=invitation.pk).update(mailed_at=timezone.now())
        sent += 1
    return sent, without
