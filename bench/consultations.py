"""重層的支援 at scale: 20,000 cases on PostgreSQL (200,000 at ``--scale 10``; 100 workers either way).

A worker's case list and an agency worker's list under consent: a fixed number of queries (the
list's reads are logged in one statement), the median of warm requests and the large tables their
plans read whole (target: none)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from bench._util import report_page, scaled, timed
from consultations.models import Agency, AgencyKind, Case
from municipality.models import Organisation, User
from municipality.roles import Role

CASES = scaled(20_000)
WORKERS = 100
# A city ten times the size has ten times the agencies, each with about as many consents: every
# fourth case consents to one agency, in turn (the one measured is the first).
AGENCIES = scaled(1)


def insert_cases(*, prefix: str, count: int, first_day: dt.date, workers: list[User]) -> list[int]:
    """``count`` open cases numbered ``prefix-000000`` on, received over 600 days, case i assigned to
    workers[i % len(workers)]; built in SQL (200,000 Case objects in Python are slow at 10×).
    Returns the ids in number order."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS bench_worker (n int PRIMARY KEY, user_id bigint)")
        cursor.execute("TRUNCATE bench_worker")
        cursor.executemany("INSERT INTO bench_worker VALUES (%s, %s)", [(n, w.pk) for n, w in enumerate(workers)])
        cursor.execute(
            """INSERT INTO consultations_case (number, received_on, route, domains, person_name, person_kana,
                   person_address, person_phone, presenting_problems, status)
               SELECT %s || '-' || lpad(g::text, 6, '0'), %s::date + (g %% 600), 'phone', '["elderly"]'::jsonb,
                      '本人' || g, '', '', '', '相談内容', 'open'
               FROM generate_series(0, %s - 1) AS g""",
            [prefix, first_day, count])
        cursor.execute(
            """INSERT INTO consultations_case_assigned_staff (case_id, user_id)
               SELECT c.id, w.user_id FROM consultations_case c
               JOIN bench_worker w ON w.n = (substr(c.number, %s)::int %% %s)
               WHERE c.number LIKE %s""",
            [len(prefix) + 2, len(workers), f"{prefix}-%"])
        cursor.execute("SELECT id FROM consultations_case WHERE number LIKE %s ORDER BY number", [f"{prefix}-%"])
        return [row[0] for row in cursor.fetchall()]


def build() -> dict:
    group = Group.objects.get(name=Role.CASE_WORKER.value)
    agencies = [Agency.objects.create(organisation=Organisation.objects.create(name=f"ベンチ地域包括支援センター{i}"),
                                      kind=AgencyKind.SUPPORT_CENTER) for i in range(AGENCIES)]
    agency = agencies[0]
    workers = User.objects.bulk_create(User(username=f"bench-w{i:03d}", name=f"相談員{i}", password="!")
                                       for i in range(WORKERS))
    User.groups.through.objects.bulk_create(User.groups.through(user_id=w.pk, group_id=group.pk) for w in workers)
    insert_cases(prefix="B", count=CASES, first_day=dt.date(2025, 4, 1), workers=workers)
    with connection.cursor() as cursor:
        # A consent on every fourth case, naming one agency in turn.
        cursor.execute(
            """INSERT INTO consultations_consent (case_id, given_on, method, recorded_by_id)
               SELECT id, '2025-04-01', 'written', %s FROM consultations_case
               WHERE number LIKE 'B-%%' AND substr(number, 3)::int %% 4 = 0""",
            [workers[0].pk])
        cursor.execute("CREATE TEMP TABLE bench_agency (n int PRIMARY KEY, agency_id bigint)")
        cursor.executemany("INSERT INTO bench_agency VALUES (%s, %s)", [(n, a.pk) for n, a in enumerate(agencies)])
        cursor.execute(
            """INSERT INTO consultations_consent_agencies (consent_id, agency_id)
               SELECT c.id, a.agency_id FROM consultations_consent c
               JOIN consultations_case k ON k.id = c.case_id
               JOIN bench_agency a ON a.n = (substr(k.number, 3)::int / 4) %% %s
               WHERE k.number LIKE 'B-%%'""",
            [AGENCIES])
    agency_worker = User.objects.create_user("bench-agency-worker", password="x", name="包括職員",
                                             organisation=agency.organisation)
    agency_worker.groups.set([group])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"worker": workers[0], "agency_worker": agency_worker}


def run(report) -> None:
    built = {}
    report("cases.build", timed(lambda: built.update(build())), "s")
    report("cases.rows", Case.objects.count(), "cases")
    for name in ("worker", "agency_worker"):
        client = Client()
        client.force_login(built[name])
        report_page(report, f"cases.list.{name}", client, "/portal/cases/")
