"""The council's reminders (SPEC §8): term ends and meetings, found by the scan of reminders/."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import CharField, Count, Exists, F, OuterRef, Prefetch, Q, Subquery, TextField, Value
from django.db.models.functions import Cast, Coalesce, Concat, Substr
from django.utils import timezone

from municipality.models import User
from reminders.models import Delivery, Reason
from reminders.registry import ReminderKind
from reminders.scan import (
    Planned,
    Scan,
    Source,
    iso_week,
    object_id,
    planned,
    rows,
    source,
    sql_key,
    sql_text,
    sql_url,
    step_day,
    text,
    url_for,
    wareki,
    window_step,
)

from .models import Invitation, Meeting, Membership, MinutesVersion, Person, Response, parse_reminder_days


def _terms_in_window(scan: Scan):
    """Terms ending in the window, not left early, whose member is not reappointed (the new term
    carries the reminders). Found by the index on the term's end."""
    return Membership.objects.filter(end__range=scan.window(settings.REMINDER_TERM_DAYS), end=F("planned_end"),
                                     reappointed_as__isnull=True)


def term_sources(scan: Scan) -> list[Source]:
    """Council terms ending within 120, 60 and 30 days, as two queries: each member with an
    address, and the secretariat (each active secretary, mail and notice) once per council and
    end date with the list of members. The texts are built in the database: a window over a
    large register holds tens of thousands of terms, and only the new ones are written."""
    thresholds = settings.REMINDER_TERM_DAYS
    end, left = scan.sql_wareki("end", thresholds), scan.sql_left("end", thresholds)
    step = scan.sql_step("end", thresholds)
    members = source(
        Reason.TERM_EXPIRY, _terms_in_window(scan).exclude(person__email=""),
        email=F("person__email"), object_key=sql_key("councils.membership"), step=step,
        subject=sql_text("councils/reminders/term_expiry_subject.txt", council=F("council__name"), end=end),
        body=sql_text("councils/reminders/term_expiry_body.txt", person=F("person__name"), council=F("council__name"),
                      end=end, left=left),
    )
    by_council_and_end = (
        _terms_in_window(scan).filter(council__secretariat__is_active=True)
        .values("council_id", "end", "council__name", "council__secretariat", "council__secretariat__email")
        .annotate(members=Count("pk"))
    )
    secretariat = source(
        Reason.TERM_EXPIRY, by_council_and_end,
        email=F("council__secretariat__email"), user_id=F("council__secretariat"),
        object_key=sql_key("councils.council", "council_id"), step=step,
        subject=sql_text("councils/reminders/term_expiry_secretariat_subject.txt", council=F("council__name"),
                         count=Cast(Count("pk"), CharField()), end=end),
        body=sql_text("councils/reminders/term_expiry_secretariat_body.txt", council=F("council__name"), end=end,
                      left=left, members=rows("pk", person=F("person__name"), organisation=F("organisation__name"))),
        url=sql_url("councils:detail", F("council_id")),
    )
    return [members, secretariat]


def council_terms(scan: Scan) -> list[Planned]:
    """The term reminders due on the scan's day (``term_sources``' rows)."""
    return planned(term_sources(scan))


def meeting_sources(scan: Scan) -> list[Source]:
    """Meetings within 7 days and tomorrow (or the days the meeting itself sets; none when its
    reminders are off): every invitee with an address who has not declined, and the council's
    secretariat. One pair of queries per distinct setting of days (the default and the few custom ones)."""
    default = settings.REMINDER_MEETING_DAYS
    widest = scan.window([max([*default, 90])])
    custom = sorted(set(Meeting.objects.filter(date__range=widest, reminders_off=False)
                        .exclude(reminder_days="").values_list("reminder_days", flat=True)))
    found = _meeting_sources(scan, default, "")
    for value in custom:
        try:
            thresholds = parse_reminder_days(value)
        except ValueError:  # not through the form (a shell): the default days
            continue
        found.extend(_meeting_sources(scan, thresholds, value))
    return found


def _meeting_sources(scan: Scan, thresholds: list[int], days_setting: str) -> list[Source]:
    """An invitation mailed within a step's window counts as that step's reminder: whoever got
    the notice three days before the meeting is not reminded of it again the same week."""
    mailed_in_step = Q()
    for day in scan.days(thresholds):
        threshold = window_step(scan.days_left(day), thresholds)
        if threshold is not None:  # mailed on or after the step's first day (in Tokyo)
            since = timezone.make_aware(dt.datetime.combine(day - dt.timedelta(days=threshold), dt.time.min))
            mailed_in_step |= Q(meeting__date=day, mailed_at__gte=since)
    # The invitee's name and address looked up per invitation (a few thousand in a week), by the
    # key: a join would read the whole register of people to hash it.
    person = Person.objects.filter(pk=OuterRef("person_id")).order_by()
    invitations = (Invitation.objects.filter(meeting__date__range=scan.window(thresholds),
                                             meeting__reminders_off=False, meeting__reminder_days=days_setting)
                   .exclude(response=Response.DECLINED).exclude(mailed_in_step)
                   .alias(invitee_email=Subquery(person.values("email")[:1]),
                          invitee_name=Subquery(person.values("name")[:1]))
                   .exclude(invitee_email=""))
    when = Concat(scan.sql_wareki("meeting__date", thresholds), Value(" "),
                  Substr(Cast("meeting__start_time", CharField()), 1, 5), output_field=TextField())
    invitees = source(
        Reason.MEETING, invitations,
        email=F("invitee_email"), object_key=sql_key("councils.meeting", "meeting_id"),
        step=scan.sql_step("meeting__date", thresholds),
        subject=sql_text("councils/reminders/meeting_subject.txt", title=F("meeting__title"), when=when),
        body=sql_text("councils/reminders/meeting_body.txt", person=F("invitee_name"),
                      council=Coalesce("meeting__council__name", "meeting__body__name"),
                      title=F("meeting__title"), when=when,
                      place=F("meeting__place"), left=scan.sql_left("meeting__date", thresholds),
                      attending=Q(response=Response.ATTENDING)),
        url=sql_url("meetings:rsvp", F("token")),
    )
    # The secretariat of the council or other body, of its own meetings (a notice, and a mail if they
    # have an address): one source per kind of body, each a join on its own secretariat.
    own_when = Concat(scan.sql_wareki("date", thresholds), Value(" "), Substr(Cast("start_time", CharField()), 1, 5),
                      output_field=TextField())
    secretariats = []
    for holder in ("council", "body"):
        own = Meeting.objects.filter(date__range=scan.window(thresholds), reminders_off=False,
                                     reminder_days=days_setting, **{f"{holder}__secretariat__is_active": True})
        secretariats.append(source(
            Reason.MEETING, own,
            email=F(f"{holder}__secretariat__email"), user_id=F(f"{holder}__secretariat"),
            object_key=sql_key("councils.meeting"), step=scan.sql_step("date", thresholds),
            subject=sql_text("councils/reminders/meeting_subject.txt", title=F("title"), when=own_when),
            body=sql_text("councils/reminders/meeting_secretariat_body.txt", council=F(f"{holder}__name"),
                          title=F("title"), when=own_when, place=F("place"), left=scan.sql_left("date", thresholds)),
            url=sql_url("councils:meeting", F("pk")),
        ))
    return [invitees, *secretariats]


def meetings(scan: Scan) -> list[Planned]:
    """The meeting reminders due on the scan's day (``meeting_sources``' rows)."""
    return planned(meeting_sources(scan))


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
    meeting = Meeting.objects.filter(pk=meeting_id, date=day, date__gte=today, reminders_off=False)
    if not meeting.exists():
        return False
    return (Invitation.objects.filter(meeting_id=meeting_id, person__email=delivery.recipient)
            .exclude(response=Response.DECLINED).exists()
            or meeting.filter(Q(council__secretariat__email=delivery.recipient, council__secretariat__is_active=True)
                              | Q(body__secretariat__email=delivery.recipient, body__secretariat__is_active=True))
            .exists())


# --- 議事録の承認・公表の遅れ (issue 17) --------------------------------------------------------

#: Meetings further back than this are not looked at (a register of old meetings recorded without
#: minutes in this system would otherwise be reminded of for ever).
MINUTES_LOOKBACK_DAYS = 365


def minutes_overdue(scan: Scan) -> list[Planned]:
    """Minutes not approved MINUTES_APPROVE_DAYS after the meeting, or not published
    MINUTES_PUBLISH_DAYS after it: the secretariat of the council or other body, once a week while
    it lasts. Three queries (the meetings, each kind of body's secretariat), whatever the number of meetings."""
    today = scan.today
    approve_by = today - dt.timedelta(days=settings.MINUTES_APPROVE_DAYS)
    publish_by = today - dt.timedelta(days=settings.MINUTES_PUBLISH_DAYS)
    meetings = (Meeting.objects.filter(date__range=(today - dt.timedelta(days=MINUTES_LOOKBACK_DAYS), approve_by),
                                       minutes_published=False)
                .annotate(approved=Exists(MinutesVersion.objects.filter(meeting=OuterRef("pk"))))
                .select_related("council", "body", "working_group")
                .prefetch_related(*(Prefetch(f"{holder}__secretariat", to_attr="active_secretariat",
                                             queryset=User.objects.filter(is_active=True).order_by("pk"))
                                    for holder in ("council", "body")))
                .order_by("date", "pk"))
    week = iso_week(today)
    found = []
    for meeting in meetings:
        if not meeting.approved:
            what, days = "承認", settings.MINUTES_APPROVE_DAYS
        elif meeting.date <= publish_by:
            what, days = "公表", settings.MINUTES_PUBLISH_DAYS
        else:
            continue
        context = {"council": meeting.host_name, "title": meeting.title, "date": wareki(meeting.date),
                   "what": what, "days": str(days), "today": wareki(today)}
        subject = text("councils/reminders/minutes_overdue_subject.txt", **context)
        body = text("councils/reminders/minutes_overdue_body.txt", **context)
        url = url_for("councils:meeting", meeting.pk)
        for user in meeting.host.active_secretariat:
            found.append(Planned(user.email, user.pk, Reason.MINUTES_OVERDUE, f"councils.meeting:{meeting.pk}",
                                 f"{what} {week}", subject, body, url))
    return found


def minutes_still_overdue(delivery: Delivery, today: dt.date) -> bool:
    """Still not approved (or, for the publication step, still not published)."""
    meeting_id = object_id(delivery.object_key)
    if meeting_id is None:
        return False
    meeting = Meeting.objects.filter(pk=meeting_id, minutes_published=False)
    if delivery.step.startswith("承認"):
        meeting = meeting.filter(minutes_versions__isnull=True)
    return meeting.exists()


KINDS = [
    ReminderKind(Reason.TERM_EXPIRY, due=council_terms, still_due=term_still_due, sources=term_sources),
    ReminderKind(Reason.MEETING, due=meetings, still_due=meeting_still_due, sources=meeting_sources),
    ReminderKind(Reason.MINUTES_OVERDUE, due=minutes_overdue, still_due=minutes_still_overdue),
]
