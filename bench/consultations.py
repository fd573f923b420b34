"""重層的支援 at scale: 20,000 cases on PostgreSQL. A worker's case list: a fixed number of
queries (the list's reads are logged in one statement) and the median of warm requests."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from bench._util import measure_page, timed
from consultations.models import Agency, AgencyKind, Case, Consent
from municipality.models import Organisation, User
from municipality.roles import Role

CASES = 20_000
WORKERS = 100


def build() -> dict:
    group = Group.objects.get(name=Role.CASE_WORKER.value)
    agency = Agency.objects.create(organisation=Organisation.objects.create(name="ベンチ地域包括支援センター"),
                                   kind=AgencyKind.SUPPORT_CENTER)
    workers = User.objects.bulk_create(User(username=f"bench-w{i:03d}", name=f"相談員{i}", password="!")
                                       for i in range(WORKERS))
    User.groups.through.objects.bulk_create(User.groups.through(user_id=w.pk, group_id=group.pk) for w in workers)
    cases = Case.objects.bulk_create(
        Case(number=f"B-{i:06d}", received_on=dt.date(2025, 4, 1) + dt.timedelta(days=i % 600), route="phone",
             domains=["elderly"], person_name=f"本人{i}", presenting_problems="相談内容")
        for i in range(CASES))
    Case.assigned_staff.through.objects.bulk_create(
        Case.assigned_staff.through(case_id=c.pk, user_id=workers[i % WORKERS].pk) for i, c in enumerate(cases))
    consents = Consent.objects.bulk_create(Consent(case=c, given_on=dt.date(2025, 4, 1), method="written",
                                                   recorded_by=workers[0]) for c in cases[::4])
    Consent.agencies.through.objects.bulk_create(Consent.agencies.through(consent_id=c.pk, agency_id=agency.pk)
                                                 for c in consents)
    agency_worker = User.objects.create_user("bench-agency-worker", password="x", name="包括職員",
                                             organisation=agency.organisation)
    agency_worker.groups.set([group])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"worker": workers[0], "agency_worker": agency_worker}


def run(report) -> None:
    built = {}
    report("cases.build", timed(lambda: built.update(build())), "s")
    for name in ("worker", "agency_worker"):
        client = Client()
        client.force_login(built[name])
        median, queries = measure_page(client, "/portal/cases/", repeat=20)
        report(f"cases.list.{name}.median", median, "ms")
        report(f"cases.list.{name}.queries", queries, "queries")
