"""Reminders at scale: 100,000 memberships in 5,000 councils and 10,000 meetings with 100,000
invitations, on PostgreSQL (beside the other benchmarks' coordinators, contracts and cases).

Term ends are spread over three years (fixed terms counted from each member's start), so on the
day of the scan about 11,000 terms lie in the 120-day window. Figures: the first scan with an
empty outbox (every reminder in the windows is new: the worst catch-up), a second scan the same
hour (nothing new: what beat's hourly scan costs most of the time) and the next day's scan. Each
reports its time and its query count (target: under 5 s, the same number of queries whatever
the rows; Django's count does not show the COPY of new rows); then the time to send 1,000 mails
from the outbox (locmem backend, no SMTP)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench._util import timed
from councils.models import Council, Invitation, InviteeKind, Meeting, Membership, Person, SetupType
from municipality import wareki
from municipality.models import Area, Municipality, Organisation, PlanPeriod, User
from municipality.roles import Role
from reminders import services
from reminders.models import Delivery, Notice

COUNCILS = 5_000
MEMBERS_PER_COUNCIL = 20
MEETINGS = 10_000
INVITEES_PER_MEETING = 10
SECRETARIES = 1_000
DAY = dt.date(2026, 12, 1)


def build() -> None:
    Municipality.objects.current()  # the settings row, as in any installation
    periods = {n: PlanPeriod.objects.get_or_create(number=n, defaults={"start": wareki.plan_term(n).start,
                                                                       "end": wareki.plan_term(n).end})[0]
               for n in (9, 10)}
    city = Area.objects.get_or_create(code="L1", defaults={"name": "市全域", "layer": 1})[0]
    areas = Area.objects.bulk_create(Area(code=f"RA-{i:04d}", name=f"リマインダー地区{i}", layer=2, parent=city)
                                     for i in range(COUNCILS))
    organisation = Organisation.objects.create(name="ベンチ選出団体")
    councils = Council.objects.bulk_create(
        Council(name=f"支え合い協議体{i}", layer=2, area=areas[i], setup_type=SetupType.NPO) for i in range(COUNCILS))
    group = Group.objects.get(name=Role.SECRETARIAT.value)
    secretaries = User.objects.bulk_create(
        User(username=f"bench-sec-{i:04d}", name=f"事務局{i}", email=f"sec{i}@example.jp", password="!")
        for i in range(SECRETARIES))
    User.groups.through.objects.bulk_create(User.groups.through(user_id=u.pk, group_id=group.pk) for u in secretaries)
    Council.secretariat.through.objects.bulk_create(
        Council.secretariat.through(council_id=c.pk, user_id=secretaries[i % SECRETARIES].pk)
        for i, c in enumerate(councils))
    total = COUNCILS * MEMBERS_PER_COUNCIL
    people = Person.objects.bulk_create(
        Person(name=f"委員{i}", name_kana=f"いいん{i}", email=f"iin{i}@example.jp" if i % 5 else "")
        for i in range(total))
    memberships = []
    for i, person in enumerate(people):
        council = i // MEMBERS_PER_COUNCIL
        end = DAY + dt.timedelta(days=(council * 7 + i) % 1095 - 365)  # from a year ago to two years ahead
        start = end - dt.timedelta(days=729)
        period = periods[9] if end <= periods[9].end else periods[10]
        memberships.append(Membership(council=councils[council], person=person, organisation=organisation,
                                      plan_period=period, start=start, end=end, planned_end=end))
    Membership.objects.bulk_create(memberships, batch_size=5_000)
    meetings = Meeting.objects.bulk_create(
        Meeting(council=councils[i % COUNCILS], title=f"第{i // COUNCILS + 1}回",
                date=DAY + dt.timedelta(days=i % 365 - 180), start_time=dt.time(10), end_time=dt.time(12),
                place="公民館")
        for i in range(MEETINGS))
    Invitation.objects.bulk_create(
        (Invitation(meeting=meeting, person=people[(i % COUNCILS) * MEMBERS_PER_COUNCIL + j], kind=InviteeKind.MEMBER,
                    token=f"bench-{meeting.pk}-{j}")
         for i, meeting in enumerate(meetings) for j in range(INVITEES_PER_MEETING)),
        batch_size=5_000,
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def scan_once(day: dt.date) -> tuple[float, int, int]:
    """Seconds, queries, and reminders added by one scan."""
    added = 0

    def scan() -> None:
        nonlocal added
        added = services.scan(day)

    with CaptureQueriesContext(connection) as queries:
        seconds = timed(scan)
    return seconds, len(queries), added


def run(report) -> None:
    report("reminders.build", timed(build), "s")
    report("reminders.memberships", Membership.objects.count(), "memberships")
    report("reminders.meetings", Meeting.objects.count(), "meetings")
    report("reminders.invitations", Invitation.objects.count(), "invitations")
    for name, day in (("first", DAY), ("repeat", DAY), ("next_day", DAY + dt.timedelta(days=1))):
        seconds, queries, added = scan_once(day)
        report(f"reminders.scan.{name}.seconds", seconds, "s")
        report(f"reminders.scan.{name}.queries", queries, "queries")
        report(f"reminders.scan.{name}.added", added, "reminders")
    report("reminders.outbox", Delivery.objects.count(), "deliveries")
    report("reminders.notices", Notice.objects.count(), "notices")
    # Sending: the outbox's own cost per mail (claim, check, render, mark), without SMTP.
    pending = list(Delivery.objects.order_by("pk").values_list("pk", flat=True)[1_000:])
    Delivery.objects.filter(pk__in=pending).update(status="cancelled")
    report("reminders.send_1000.seconds", timed(services.send_due), "s")
