"""Councils at scale: 500 councils, 10,000 memberships, 5,000 meetings on PostgreSQL.

The member list and the meeting list (admin), and one council's page in the portal: a fixed
number of queries each, and the median of warm requests (target: under 200 ms)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from bench._util import measure_page, timed
from councils.models import Council, Meeting, Membership, Person, SetupType
from municipality import wareki
from municipality.models import Area, Organisation, PlanPeriod, User
from municipality.roles import Role

COUNCILS = 500
MEMBERSHIPS = 10_000
MEETINGS = 5_000


def build() -> dict:
    period, _ = PlanPeriod.objects.get_or_create(number=9, defaults={"start": wareki.plan_term(9).start,
                                                                     "end": wareki.plan_term(9).end})
    city = Area.objects.get_or_create(code="L1", defaults={"name": "市全域", "layer": 1})[0]
    areas = Area.objects.bulk_create(Area(code=f"CA-{i:03d}", name=f"協議体地区{i}", layer=2, parent=city)
                                     for i in range(COUNCILS))
    organisation = Organisation.objects.create(name="ベンチ協議体団体")
    councils = Council.objects.bulk_create(
        Council(name=f"第2層協議体{i}", layer=2, area=areas[i], setup_type=SetupType.NPO) for i in range(COUNCILS))
    people = Person.objects.bulk_create(Person(name=f"委員{i}", name_kana=f"いいん{i}") for i in range(MEMBERSHIPS))
    Membership.objects.bulk_create(
        Membership(council=councils[i % COUNCILS], person=people[i], organisation=organisation, plan_period=period,
                   start=period.start, end=period.end, planned_end=period.end)
        for i in range(MEMBERSHIPS))
    Meeting.objects.bulk_create(
        Meeting(council=councils[i % COUNCILS], title=f"第{i // COUNCILS + 1}回", date=period.start + dt.timedelta(days=i % 900),
                start_time=dt.time(10), end_time=dt.time(12), place="公民館")
        for i in range(MEETINGS))
    secretary = User.objects.create_user("bench-secretary", password="x", name="事務局", is_staff=True)
    secretary.groups.set([Group.objects.get(name=Role.SECRETARIAT.value)])
    councils[0].secretariat.add(secretary)
    city_user = User.objects.create_user("bench-council-city", password="x", name="市職員", is_staff=True)
    city_user.groups.set([Group.objects.get(name=Role.CITY_STAFF.value)])
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"council": councils[0], "secretary": secretary, "city": city_user}


def run(report) -> None:
    built = {}
    report("councils.build", timed(lambda: built.update(build())), "s")
    pages = [
        ("admin_member_list", built["city"], "/admin/councils/membership/"),
        ("admin_meeting_list", built["city"], "/admin/councils/meeting/"),
        ("portal_council_page", built["secretary"], f"/portal/councils/{built['council'].pk}/"),
        ("admin_member_list_secretary", built["secretary"], "/admin/councils/membership/"),
    ]
    for name, user, url in pages:
        client = Client()
        client.force_login(user)
        median, queries = measure_page(client, url, repeat=20)
        report(f"councils.{name}.median", median, "ms")
        report(f"councils.{name}.queries", queries, "queries")
