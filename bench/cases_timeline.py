"""支援経過 at scale: 20,000 cases and 400,000 timeline entries on PostgreSQL (200,000 and 4,000,000
at ``--scale 10``; 100 workers either way). The case page with its merged timeline (first and a
deep page) as the assigned worker, and a worker's case list: the median of warm requests, the query
count, which must not depend on the number of entries, and the large tables read whole (none)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from bench._util import report_page, scaled, timed
from bench.consultations import insert_cases
from consultations.models import ContactMethod, TimelineEntry
from municipality.models import User
from municipality.roles import Role

CASES = scaled(20_000)
ENTRIES = scaled(400_000)
WORKERS = 100
HEAVY = 2_000  # entries of the first case (the one measured); the others share the rest evenly
METHODS = ContactMethod.values


def build() -> dict:
    group = Group.objects.get(name=Role.CASE_WORKER.value)
    workers = User.objects.bulk_create(User(username=f"bench-tl{i:03d}", name=f"相談員{i}", password="!")
                                       for i in range(WORKERS))
    User.groups.through.objects.bulk_create(User.groups.through(user_id=w.pk, group_id=group.pk) for w in workers)
    cases = insert_cases(prefix="T", count=CASES, first_day=dt.date(2024, 4, 1), workers=workers)
    per_case = (ENTRIES - HEAVY) // (CASES - 1)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_method (n int PRIMARY KEY, method text)")
        cursor.executemany("INSERT INTO bench_method VALUES (%s, %s)", list(enumerate(METHODS)))
        # Entry n of case number i: 7 hours apart, written by the case's worker (as before, in SQL).
        entries = """INSERT INTO consultations_timelineentry (case_id, contact_at, method, with_whom, content,
                         next_step, recorded_by_id, written_at)
                     SELECT c.id, t.at, m.method, '本人', '経過' || g.k, '次回訪問', s.user_id, t.at
                     FROM consultations_case c
                     JOIN consultations_case_assigned_staff s ON s.case_id = c.id
                     CROSS JOIN generate_series(0, %s - 1) AS g(k)
                     JOIN bench_method m ON m.n = g.k %% %s
                     CROSS JOIN LATERAL (SELECT timestamptz '2024-04-01 09:00+09'
                         + make_interval(hours => g.k * 7 + substr(c.number, 3)::int %% 24) AS at) t
                     WHERE c.id = ANY(%s)"""
        cursor.execute(entries, [HEAVY, len(METHODS), cases[:1]])
        cursor.execute(entries, [per_case, len(METHODS), cases[1:]])
        cursor.execute("VACUUM ANALYZE")
    return {"worker": workers[0], "heavy": cases[0], "light": cases[WORKERS]}  # both cases of workers[0]


def run(report) -> None:
    built: dict = {}
    report("cases_timeline.build", timed(lambda: built.update(build())), "s")
    report("cases_timeline.entries", TimelineEntry.objects.count(), "rows")
    client = Client()
    client.force_login(built["worker"])
    for label, case, query in (("heavy.page1", built["heavy"], ""), ("heavy.page50", built["heavy"], "?tl_page=50"),
                               ("light.page1", built["light"], "")):
        report_page(report, f"cases_timeline.detail.{label}", client, f"/portal/cases/{case}/{query}")
    report_page(report, "cases_timeline.list", client, "/portal/cases/")
