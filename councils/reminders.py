"""The council's reminders (SPEC §8): term ends and meetings, found by the scan of reminders/."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from reminders.models import Delivery, Reason
from reminders.registry import ReminderKind
from reminders.scan import Planned, Scan, object_id, step_day, step_label, text, url_for, wareki, window_step

from .models import Council, Invitation, Membership, Response


def council_terms(scan: Scan) -> list[Planned]:
    """Council terms ending within 120, 60 and 30 days: each member, and the secretariat once
    per council and end date with the list of members. A term that was left early, or whose
    member is reappointed, is not reminded of: the new term carries the reminders. Rows are
    read as values: a window can hold thousands."""
    thresholds = settings.REMINDER_TERM_DAYS
    in_window = Membership.objects.filter(end__range=scan.window(thresholds), end=F("planned_end"),
                                          reappointed_as__isnull=True)
    secretariat: dict[int, list[tuple[int, str]]] = {}
    for council_id, user_id, email in (
        Council.secretariat.through.objects.filter(council_id__in=in_window.values("council_id"),
                                                   user__is_active=True)
        .order_by("user_id").values_list("council_id", "user_id", "user__email")
    ):
        secretariat.setdefault(council_id, []).append((user_id, email))
    planned = []
    ending: dict[tuple[int, dt.date], tuple[str, list[dict[str, str]]]] = {}
    for pk, end, council_id, council, person, email, organisation in in_window.order_by("pk").values_list(
        "pk", "end", "council_id", "council__name", "person__name", "person__email", "organisation__name",
    ):
        if email:
            planned.append(Planned(
                email, None, Reason.TERM_EXPIRY, f"councils.membership:{pk}", scan.step(thresholds, end),
                text("councils/reminders/term_expiry_subject.txt", council=council, end=wareki(end)),
                text("councils/reminders/term_expiry_body.txt", person=person, council=council, end=wareki(end),
                       left=scan.left(end)),
            ))
        if council_id in secretariat:
            ending.setdefault((council_id, end), (council, []))[1].append(
                {"person": person, "organisation": organisation})
    for (council_id, end), (council, members) in ending.items():
        subject = text("councils/reminders/term_expiry_secretariat_subject.txt", council=council,
                         count=str(len(members)), end=wareki(end))
        body = text("councils/reminders/term_expiry_secretariat_body.txt", council=council, end=wareki(end),
                      left=scan.left(end), members=members)
        for user_id, user_email in secretariat[council_id]:
            planned.append(Planned(user_email, user_id, Reason.TERM_EXPIRY, f"councils.council:{council_id}",
                                   scan.step(thresholds, end), subject, body, url_for("councils:detail", council_id)))
    return planned


def meetings(scan: Scan) -> list[Planned]:
    """Meetings within 7 days and tomorrow: every invitee with an address who has not declined.
    An invitation mailed within a step's window counts as that step's reminder: whoever got
    the notice three days before the meeting is not reminded of it again the same week."""
    thresholds = settings.REMINDER_MEETING_DAYS
    invitations = (
        Invitation.objects.filter(meeting__date__range=scan.window(thresholds))
        .exclude(response=Response.DECLINED).exclude(person__email="").order_by("pk")
        .values_list("token", "response", "mailed_at", "person__name", "person__email", "meeting_id",
                     "meeting__date", "meeting__start_time", "meeting__title", "meeting__place",
                     "meeting__council__name")
    )
    planned = []
    for token, response, mailed_at, person, email, meeting_id, date, start, title, place, council in invitations:
        threshold = window_step(scan.days_left(date), thresholds)
        if threshold is None:  # outside the window (the query reads only the window's days)
            continue
        if mailed_at and timezone.localdate(mailed_at) >= date - dt.timedelta(days=threshold):
            continue
        when = f"{wareki(date)} {start:%H:%M}"
        planned.append(Planned(
            email, None, Reason.MEETING, f"councils.meeting:{meeting_id}", step_label(threshold, date),
            text("councils/reminders/meeting_subject.txt", title=title, when=when),
            text("councils/reminders/meeting_body.txt", person=person, council=council, title=title, when=when,
                   place=place, left=scan.left(date), attending=response == Response.ATTENDING),
            url_for("meetings:rsvp", token),
        ))
    return planned


def term_still_due(delivery: Delivery, today: dt.date) -> bool:
    """The member's term (councils.membership:…), or for the secretariat any term of the council
    (councils.council:…) still ending that day, not left early, not renewed."""
    pk, end = object_id(delivery.object_key), step_day(delivery.step)
    if pk is None or end is None:
        return False
    which = {"council_id": pk} if delivery.object_key.startswith("councils.council:") else {"pk": pk}
    return Membership.objects.filter(**which, end=end, end__gte=today, planned_end=F("end"),
                                     reappointed_as__isnull=True).exists()


def meeting_still_due(delivery: Delivery, today: dt.date) -> bool:
    """The meeting still on the step's day, and the invitee not declined."""
    meeting_id, day = object_id(delivery.object_key), step_day(delivery.step)
    if meeting_id is None or day is None:
        return False
    return (Invitation.objects.filter(meeting_id=meeting_id, meeting__date=day,
                                      meeting__date__gte=today, person__email=delivery.recipient)
            .exclude(response=Response.DECLINED).exists())


KINDS = [
    ReminderKind(Reason.TERM_EXPIRY, due=council_terms, still_due=term_still_due),
    ReminderKind(Reason.MEETING, due=meetings, still_due=meeting_still_due),
]
