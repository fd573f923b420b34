"""Invitations by e-mail: subject, text and HTML templates, with the meeting as an .ics file.
They go through the outbox (reminders.services.mail_queue): the request only queues them, and a
worker sends them once the transaction commits, so a slow or absent mail server or broker never
fails the secretariat's click, and nothing is lost."""

from __future__ import annotations

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from municipality.models import Municipality
from reminders.models import DeliveryStatus, Reason
from reminders.selectors import latest_deliveries
from reminders.services import Mail, mail_queue

from .calendar import meeting_ics
from .models import Invitation, Meeting


def awaiting_mail(meeting: Meeting, invitations: list[Invitation]) -> list[Invitation]:
    """The invitations (with an address) that have not had this version of the notice, or whose
    mail could not be sent (the address may have been corrected since). One query."""
    failed = {key for key, delivery in latest_deliveries(
        reason=Reason.INVITATION, object_keys=[f"councils.invitation:{i.pk}" for i in invitations]).items()
        if delivery.status == DeliveryStatus.FAILED}
    return [i for i in invitations if i.person.email and (
        i.mailed_sequence is None or i.mailed_sequence < meeting.sequence or f"councils.invitation:{i.pk}" in failed)]


def send_invitations(meeting: Meeting, *, base_url: str) -> tuple[int, int]:
    """Queue a mail for each invitee with an address who has not had this version of the notice;
    a change of date, time, place or agenda (a new SEQUENCE) sends it again.
    Returns (mails queued, invitees without e-mail); a failed mail to an unchanged address is not
    queued again here (city staff send it again from the mail log)."""
    municipality = Municipality.objects.current()
    meeting_url = f"{base_url}/meetings/{meeting.pk}/"
    meeting.refresh_from_db()  # the notice carries the current date, place and version
    ics = meeting_ics(meeting, meeting_url).decode()
    agenda = list(meeting.agenda.all())
    without = meeting.invitations.filter(person__email="").count()
    with transaction.atomic():
        # Two clicks at once: each invitation is claimed by one of them only.
        invitations = awaiting_mail(meeting, list(
            meeting.invitations.select_for_update(skip_locked=True, of=("self",)).select_related("person")))
        mails = []
        for invitation in invitations:
            context = {
                "meeting": meeting, "person": invitation.person, "municipality": municipality,
                "meeting_url": meeting_url, "rsvp_url": f"{base_url}/meetings/rsvp/{invitation.token}/",
                "agenda": agenda,
                "updated": invitation.mailed_sequence is not None and invitation.mailed_sequence < meeting.sequence,
            }
            mails.append(Mail(
                to=invitation.person.email,
                subject=render_to_string("councils/mail/invitation_subject.txt", context).strip(),
                body=render_to_string("councils/mail/invitation.txt", context),
                html_body=render_to_string("councils/mail/invitation.html", context),
                attachments=[{"filename": "meeting.ics", "mimetype": "text/calendar; method=PUBLISH", "content": ics}],
                reason=Reason.INVITATION, object_key=f"councils.invitation:{invitation.pk}",
                step=f"第{meeting.sequence}版",
            ))
        queued = mail_queue(mails=mails)
        Invitation.objects.filter(pk__in=[i.pk for i in invitations]).update(
            mailed_at=timezone.now(), mailed_sequence=meeting.sequence)
    return queued, without
