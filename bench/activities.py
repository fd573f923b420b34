"""The coordinator portal at scale: 2,000 coordinators and 300,000 activities on PostgreSQL.

The activity list, the monthly report and the city dashboard: a fixed number of queries
each, and the median of warm requests (target: under 200 ms on the 2-core machine).
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.utils import timezone

from activities.models import Activity, ActivityCategory, Function, MonthlyReport, ReportStatus
from bench._util import measure_page, timed
from coordinators.models import Appointment, Contract, Coordinator
from municipality.models import Area, Organisation, User
from municipality.roles import Role

COORDINATORS = 2_000
ACTIVITIES = 300_000
ORGANISATIONS = 100
AREAS = 200


def build() -> dict:
    rng = random.Random(7)
    today = timezone.localdate()
    start = today - dt.timedelta(days=365)
    city = Area.objects.get_or_create(code="L1", defaults={"name": "市全域", "layer": 1})[0]
    areas = Area.objects.bulk_create(
        Area(code=f"BA-{i:03d}", name=f"地区{i}", layer=2, parent=city, sort_order=i) for i in range(AREAS)
    )
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"ベンチ法人{i:03d}", legal_form="社会福祉法人") for i in range(ORGANISATIONS)
    )
    contracts = Contract.objects.bulk_create(
        Contract(organisation=org, title="配置業務委託", start=start, end=today + dt.timedelta(days=365))
        for org in organisations
    )
    per_org = AREAS // ORGANISATIONS
    Contract.areas.through.objects.bulk_create(
        Contract.areas.through(contract_id=contract.pk, area_id=areas[i * per_org + j].pk)
        for i, contract in enumerate(contracts) for j in range(per_org)
    )
    users = User.objects.bulk_create(
        User(username=f"bench-c{i:05d}", name=f"推進員{i}", organisation=organisations[i % ORGANISATIONS], password="!")
        for i in range(COORDINATORS)
    )
    group = Group.objects.get(name=Role.COORDINATOR.value)
    User.groups.through.objects.bulk_create(User.groups.through(user_id=u.pk, group_id=group.pk) for u in users)
    coordinators = Coordinator.objects.bulk_create(
        Coordinator(name=f"推進員{i}", name_kana=f"すいしんいん{i}", birth_date=dt.date(1980, 1, 1),
                    employer=organisations[i % ORGANISATIONS], user=users[i])
        for i in range(COORDINATORS)
    )
    appointments = Appointment.objects.bulk_create(
        Appointment(coordinator=c, layer=2, contract=contracts[i % ORGANISATIONS], start=start)
        for i, c in enumerate(coordinators)
    )
    area_of = {}
    links = []
    for i, appointment in enumerate(appointments):
        area = areas[(i % ORGANISATIONS) * per_org + (i // ORGANISATIONS) % per_org]
        area_of[appointment.coordinator_id] = area
        links.append(Appointment.areas.through(appointment_id=appointment.pk, area_id=area.pk))
    Appointment.areas.through.objects.bulk_create(links)
    categories = [ActivityCategory.objects.create(function=f, code=f"B{f}", label=f"項目{f}") for f in Function]
    batch = []
    for n in range(ACTIVITIES):
        coordinator = coordinators[n % COORDINATORS]
        category = categories[rng.randrange(len(categories))]
        batch.append(Activity(
            coordinator=coordinator, date=start + dt.timedelta(days=rng.randrange(366)), minutes=60,
            area=area_of[coordinator.pk], category=category, function=category.function, participants=3,
            narrative="地域の集いの場で支え合い活動を紹介した。",
        ))
        if len(batch) == 10_000:
            Activity.objects.bulk_create(batch)
            batch = []
    Activity.objects.bulk_create(batch)
    from activities.services import activity_counts_rebuild

    activity_counts_rebuild()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    MonthlyReport.objects.bulk_create(
        MonthlyReport(coordinator=c, month=last_month, status=ReportStatus.SUBMITTED) for c in coordinators[::2]
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"coordinator": coordinators[0]}


def run(report) -> None:
    built = {}
    report("activities.build", timed(lambda: built.update(build())), "s")
    coordinator = built["coordinator"]
    today = timezone.localdate()
    city = User.objects.create_user("bench-activities-city", password="x", name="市職員", is_staff=True)
    city.groups.set([Group.objects.get(name=Role.CITY_STAFF.value)])
    pages = [
        ("activity_list", coordinator.user, "/portal/activities/"),
        ("monthly_report", coordinator.user, f"/portal/activities/reports/{coordinator.pk}/{today.year}/{today.month}/"),
        ("dashboard", city, "/portal/activities/dashboard/"),
    ]
    for name, user, url in pages:
        client = Client()
        client.force_login(user)
        median, queries = measure_page(client, url, repeat=20)
        report(f"activities.{name}.median", median, "ms")
        report(f"activities.{name}.queries", queries, "queries")
    report("activities.rows", Activity.objects.count(), "activities")
