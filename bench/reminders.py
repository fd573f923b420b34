"""Reminders at scale: 100,000 memberships in 5,000 councils and 10,000 meetings with 100,000
invitations on PostgreSQL (ten times as many with ``--scale 10``: 1,000,000 memberships in 50,000
councils, 100,000 meetings, 1,000,000 invitations), beside the other benchmarks' data.

Term ends are spread over three years (fixed terms counted from each member's start), so on the
day of the scan about 11,000 terms (110,000 at 10×) lie in the 120-day window. Figures: the first
scan with an empty outbox (every reminder in the windows is new: the worst catch-up), a second
scan the same hour (nothing new: what beat's hourly scan costs most of the time) and the next
day's scan. Each runs in a process of its own (``bench/_reminders_scan.py``, on this database) and
reports its time, its query count (the same whatever the rows), the reminders it added, the
process's peak memory (``peak_rss``: the scan's and Django's, not this benchmark's data;
``rss_growth``: during the scan) and the large tables any of its queries reads by a sequential
scan (target: none). Then the time to send 1,000 mails from the outbox (locmem backend, no SMTP).

The rows are built in SQL (``INSERT … SELECT … FROM generate_series``): at 10× that is seconds,
not millions of Python objects."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, transaction

from bench._util import scaled, seq_scans, timed
from councils.models import Council, Invitation, InviteeKind, Meeting, Membership, Person, SetupType
from municipality import wareki
from municipality.models import Area, Municipality, Organisation, PlanPeriod, User
from municipality.roles import Role
from reminders import services
from reminders.models import Delivery, Notice

COUNCILS = scaled(5_000)
MEMBERS_PER_COUNCIL = 20
MEETINGS = scaled(10_000)
INVITEES_PER_MEETING = 10
SECRETARIES = scaled(1_000)
DAY = dt.date(2026, 12, 1)


def _insert_series(model, count: int, columns: dict[str, str], params: list | None = None) -> None:
    """Insert ``count`` rows of ``model`` in one statement: ``columns`` maps a column to an SQL
    expression of ``i`` (0 to count - 1); every other column gets the field's default."""
    names, values, args = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        names.append(connection.ops.quote_name(field.column))
        if field.attname in columns:
            values.append(columns[field.attname].replace("%", "%%"))
        else:
            values.append("%s")
            args.append(field.get_db_prep_save(field.get_default(), connection))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {model._meta.db_table} ({', '.join(names)}) "
                       f"SELECT {', '.join(values)} FROM generate_series(0, %s) AS i",
                       [*(params or []), *args, count - 1])


def build() -> None:
    Municipality.objects.current()  # the settings row, as in any installation
    periods = {n: PlanPeriod.objects.get_or_create(number=n, defaults={"start": wareki.plan_term(n).start,
                                                                       "end": wareki.plan_term(n).end})[0]
               for n in (9, 10)}
    city = Area.objects.get_or_create(code="L1", defaults={"name": "市全域", "layer": 1})[0]
    organisation = Organisation.objects.create(name="ベンチ選出団体")
    group = Group.objects.get(name=Role.SECRETARIAT.value)
    before = {m: (m.objects.order_by("-pk").values_list("pk", flat=True).first() or 0)
              for m in (Area, Council, User, Person, Membership, Meeting)}

    def first(model) -> int:
        return model.objects.filter(pk__gt=before[model]).order_by("pk").values_list("pk", flat=True).first()

    _insert_series(Area, COUNCILS, {"code": "'RA-' || lpad(i::text, 6, '0')", "name": "'リマインダー地区' || i",
                                    "layer": "2", "parent_id": str(city.pk)})
    area0 = first(Area)
    _insert_series(Council, COUNCILS, {"name": "'支え合い協議体' || i", "layer": "2", "area_id": f"{area0} + i",
                                       "setup_type": f"'{SetupType.NPO.value}'",
                                       "feed_token": "'bench-feed-' || i"})
    council0 = first(Council)
    _insert_series(User, SECRETARIES, {"username": "'bench-sec-' || lpad(i::text, 5, '0')", "name": "'事務局' || i",
                                       "email": "'sec' || i || '@example.jp'", "password": "'!'"})
    user0 = first(User)
    total = COUNCILS * MEMBERS_PER_COUNCIL
    _insert_series(Person, total, {"name": "'委員' || i", "name_kana": "'いいん' || i",
                                   "email": "CASE WHEN i % 5 = 0 THEN '' ELSE 'iin' || i || '@example.jp' END"})
    person0 = first(Person)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {User.groups.through._meta.db_table} (user_id, group_id) "
                       "SELECT %s + i, %s FROM generate_series(0, %s) AS i", [user0, group.pk, SECRETARIES - 1])
        cursor.execute(f"INSERT INTO {Council.secretariat.through._meta.db_table} (council_id, user_id) "
                       "SELECT %s + i, %s + i %% %s FROM generate_series(0, %s) AS i",
                       [council0, user0, SECRETARIES, COUNCILS - 1])
    # Member i of council i // 20: its term ends (council * 7 + i) % 1095 - 365 days from DAY
    # (from a year ago to two years ahead), two years after it started.
    end = f"DATE '{DAY.isoformat()}' + ((i / {MEMBERS_PER_COUNCIL}) * 7 + i) % 1095 - 365"
    _insert_series(Membership, total, {
        "council_id": f"{council0} + i / {MEMBERS_PER_COUNCIL}", "person_id": f"{person0} + i",
        "organisation_id": str(organisation.pk),
        "plan_period_id": f"CASE WHEN {end} <= DATE '{periods[9].end.isoformat()}' THEN {periods[9].pk} "
                          f"ELSE {periods[10].pk} END",
        "start": f"{end} - 729", "end": end, "planned_end": end})
    _insert_series(Meeting, MEETINGS, {
        "council_id": f"{council0} + i % {COUNCILS}", "title": f"'第' || (i / {COUNCILS} + 1) || '回'",
        "date": f"DATE '{DAY.isoformat()}' + i % 365 - 180", "start_time": "TIME '10:00'",
        "end_time": "TIME '12:00'", "place": "'公民館'", "ics_uid": "'bench-meeting-' || i"})
    meeting0 = first(Meeting)
    # Invitee j of meeting m: member j of the meeting's council.
    m, j = f"(i / {INVITEES_PER_MEETING})", f"(i % {INVITEES_PER_MEETING})"
    _insert_series(Invitation, MEETINGS * INVITEES_PER_MEETING, {
        "meeting_id": f"{meeting0} + {m}",
        "person_id": f"{person0} + ({m} % {COUNCILS}) * {MEMBERS_PER_COUNCIL} + {j}",
        "kind": f"'{InviteeKind.MEMBER.value}'", "token": f"'bench-' || {m} || '-' || {j}"})
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def memory_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        match = re.search(rf"^{field}:\s+(\d+) kB", status.read(), re.MULTILINE)
    return int(match.group(1)) if match else 0


def scan_once(day: dt.date) -> tuple[float, list[str], int, int, int]:
    """A scan in a process of its own (bench/_reminders_scan.py) on this database: its seconds, the
    SQL of its queries, reminders added, the process's peak RSS (the scan's and Django's, not this
    benchmark's data) and its growth during the scan (kB)."""
    child = subprocess.Popen([sys.executable, "-m", "bench._reminders_scan", connection.settings_dict["NAME"],
                              day.isoformat()], stdout=subprocess.PIPE, cwd=Path(__file__).resolve().parent.parent)
    output, _ = child.communicate()
    if child.returncode:
        raise RuntimeError(f"the scan process failed ({child.returncode})")
    found = json.loads(output)
    return found["seconds"], found["sqls"], found["added"], found["peak_kb"], found["growth_kb"]


def _readable(sql: str) -> str:
    """The SELECT inside an ``INSERT … SELECT`` or a ``CREATE TEMPORARY TABLE … AS SELECT``, for
    EXPLAIN (the scan's heavy reads are inside such statements)."""
    match = re.match(r"\s*(INSERT INTO \S+ \([^)]*\)|CREATE TEMPORARY TABLE \S+( ON COMMIT DROP)? AS)\s+(SELECT .*)",
                     sql, re.DOTALL)
    if not match:
        return sql
    return re.sub(r"\s+ON CONFLICT DO NOTHING\s*$", "", match.group(3))


def report_scan_seq_scans(report, name: str, sqls: list[str]) -> None:
    """Like bench._util.report_seq_scans, over the scan's reads and the SELECTs inside its inserts.
    A statement on the scan's own temporary tables (gone by now) cannot be explained: they are
    counted in ``.unexplained`` (they read nothing else)."""
    found: set[str] = set()
    unexplained = 0
    for sql in sqls:
        try:
            with transaction.atomic():
                found.update(seq_scans([_readable(sql)]))
        except DatabaseError:
            unexplained += 1
    report(f"{name}.seq_scans", ", ".join(sorted(found)) if found else "none", "")
    report(f"{name}.unexplained", unexplained, "statements")


def run(report) -> None:
    report("reminders.build", timed(build), "s")
    report("reminders.memberships", Membership.objects.count(), "memberships")
    report("reminders.meetings", Meeting.objects.count(), "meetings")
    report("reminders.invitations", Invitation.objects.count(), "invitations")
    for name, day in (("first", DAY), ("repeat", DAY), ("next_day", DAY + dt.timedelta(days=1))):
        seconds, sqls, added, peak, growth = scan_once(day)
        report(f"reminders.scan.{name}.seconds", seconds, "s")
        report(f"reminders.scan.{name}.queries", len(sqls), "queries")
        report(f"reminders.scan.{name}.added", added, "reminders")
        report(f"reminders.scan.{name}.peak_rss", round(peak / 1024), "MB")
        report(f"reminders.scan.{name}.rss_growth", round(growth / 1024), "MB")
        report_scan_seq_scans(report, f"reminders.scan.{name}", sqls)
    report("reminders.outbox", Delivery.objects.count(), "deliveries")
    report("reminders.notices", Notice.objects.count(), "notices")
    # Sending: the outbox's own cost per mail (claim, check, render, mark), without SMTP.
    pending = list(Delivery.objects.order_by("pk").values_list("pk", flat=True)[1_000:])
    Delivery.objects.filter(pk__in=pending).update(status="cancelled")
    report("reminders.send_1000.seconds", timed(services.send_due), "s")
