"""支援経過 at scale: 20,000 cases and 400,000 timeline entries on PostgreSQL. The case page with
its merged timeline (first and a deep page) as the assigned worker, and a worker's case list: the
median of warm requests and the query count, which must not depend on the number of entries."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from bench._util import measure_page, timed
from consultations.models import Case, ContactMethod, TimelineEntry
from municipality.models import User
from municipality.roles import Role

CASES = 20_000
ENTRIES = 400_000
WORKERS = 100
BATCH = 20_000
TOKYO = ZoneInfo("Asia/Tokyo")
METHODS = ContactMethod.values


def build() -> dict:
    group = Group.objects.get(name=Role.CASE_WORKER.value)
    workers = User.objects.bulk_create(User(username=f"bench-tl{i:03d}", name=f"相談員{i}", password="!")
                                       for i in range(WORKERS))
    User.groups.through.objects.bulk_create(User.groups.through(user_id=w.pk, group_id=group.pk) for w in workers)
    cases = Case.objects.bulk_create(
        Case(number=f"T-{i:06d}", received_on=dt.date(2024, 4, 1) + dt.timedelta(days=i % 600), route="phone",
             domains=["elderly"], person_name=f"本人{i}", presenting_problems="相談内容")
        for i in range(CASES))
    Case.assigned_staff.through.objects.bulk_create(
        Case.assigned_staff.through(case_id=c.pk, user_id=workers[i % WORKERS].pk) for i, c in enumerate(cases))
    # 20 entries per case on average, unevenly: the first case (the one measured) gets 2,000.
    heavy, start = cases[0], dt.datetime(2024, 4, 1, 9, tzinfo=TOKYO)
    per_case = [2_000] + [(ENTRIES - 2_000) // (CASES - 1)] * (CASES - 1)
    per_case[-1] += ENTRIES - sum(per_case)
    rows: list[TimelineEntry] = []
    for index, (case, count) in enumerate(zip(cases, per_case, strict=True)):
        worker = workers[index % WORKERS]
        for n in range(count):
            at = start + dt.timedelta(hours=n * 7 + index % 24)
            rows.append(TimelineEntry(case=case, contact_at=at, method=METHODS[n % len(METHODS)], with_whom="本人",
                                      content=f"経過{n}", next_step="次回訪問", recorded_by=worker, written_at=at))
        if len(rows) >= BATCH:
            TimelineEntry.objects.bulk_create(rows)
            rows = []
    TimelineEntry.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"worker": workers[0], "heavy": heavy, "light": cases[WORKERS]}  # both cases of workers[0]


def run(report) -> None:
    built: dict = {}
    report("cases_timeline.build", timed(lambda: built.update(build())), "s")
    report("cases_timeline.entries", TimelineEntry.objects.count(), "rows")
    client = Client()
    client.force_login(built["worker"])
    for label, case, query in (("heavy.page1", built["heavy"], ""), ("heavy.page50", built["heavy"], "?tl_page=50"),
                               ("light.page1", built["light"], "")):
        median, queries = measure_page(client, f"/portal/cases/{case.pk}/{query}", repeat=20)
        report(f"cases_timeline.detail.{label}.median", median, "ms")
        report(f"cases_timeline.detail.{label}.queries", queries, "queries")
    median, queries = measure_page(client, "/portal/cases/", repeat=20)
    report("cases_timeline.list.median", median, "ms")
    report("cases_timeline.list.queries", queries, "queries")
