"""The coordinator portal at scale: 2,000 coordinators and 300,000 activities on PostgreSQL
(3,000,000 at ``--scale 10``; the people stay as many).

The activity list, the monthly report, the needs and resources lists and the city dashboard: a
fixed number of queries each, the median of warm requests (target: under 50 ms on the 2-core
machine) and the large tables their plans read whole (target: none).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.utils import timezone

from activities.models import (
    Activity,
    ActivityCategory,
    Function,
    MonthlyReport,
    NeedStatus,
    ProviderKind,
    ReportStatus,
    ResourceStatus,
)
from bench._util import report_page, scaled, timed
from coordinators.models import Appointment, Contract, Coordinator
from municipality.models import Area, Organisation, User
from municipality.roles import Role

COORDINATORS = 2_000
ACTIVITIES = scaled(300_000)
NEEDS = scaled(2_000)
RESOURCES = scaled(2_000)
ORGANISATIONS = 100
AREAS = 200


def build() -> dict:
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
    with connection.cursor() as cursor:
        # Built in SQL: 3 million Activity objects in Python would take most of an hour at 10×.
        cursor.execute("CREATE TEMP TABLE bench_coordinator (n int PRIMARY KEY, coordinator_id bigint, area_id bigint)")
        cursor.executemany("INSERT INTO bench_coordinator VALUES (%s, %s, %s)",
                           [(n, c.pk, area_of[c.pk].pk) for n, c in enumerate(coordinators)])
        cursor.execute("CREATE TEMP TABLE bench_category (n int PRIMARY KEY, category_id bigint, function text)")
        cursor.executemany("INSERT INTO bench_category VALUES (%s, %s, %s)",
                           [(n, c.pk, c.function) for n, c in enumerate(categories)])
        cursor.execute(
            """INSERT INTO activities_activity (coordinator_id, date, minutes, area_id, category_id, function,
                   participants, narrative, created_at, updated_at)
               SELECT c.coordinator_id, %s::date + (abs(hashint4(g)) %% 366), 60, c.area_id, k.category_id,
                      k.function, 3, '地域の集いの場で支え合い活動を紹介した。', now(), now()
               FROM generate_series(0, %s - 1) AS g
               JOIN bench_coordinator c ON c.n = g %% %s
               JOIN bench_category k ON k.n = abs(hashint4(g + 1)) %% %s""",
            [start, ACTIVITIES, COORDINATORS, len(categories)])
        cursor.execute(
            """INSERT INTO activities_socialresource (name, provider_kind, area_id, offers, contact, status,
                   created_at)
               SELECT '社会資源' || g, %s, c.area_id, '居場所の提供', '0000-00-0000', %s, now()
               FROM generate_series(0, %s - 1) AS g JOIN bench_coordinator c ON c.n = g %% %s""",
            [ProviderKind.values[0], ResourceStatus.values[0], RESOURCES, COORDINATORS])
        cursor.execute(
            """INSERT INTO activities_need (title, description, area_id, raised_by, raised_on, status, recorded_by_id)
               SELECT '地域ニーズ' || g, '買い物の支援', c.area_id, '住民', %s::date + (g %% 366), %s, c.coordinator_id
               FROM generate_series(0, %s - 1) AS g JOIN bench_coordinator c ON c.n = g %% %s""",
            [start, NeedStatus.values[0], NEEDS, COORDINATORS])
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
    last = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    city = User.objects.create_user("bench-activities-city", password="x", name="市職員", is_staff=True)
    city.groups.set([Group.objects.get(name=Role.CITY_STAFF.value)])
    pages = [
        ("activity_list", coordinator.user, "/portal/activities/"),
        # Last month: a whole month of activities (this month may have only begun).
        ("monthly_report", coordinator.user, f"/portal/activities/reports/{coordinator.pk}/{last.year}/{last.month}/"),
        ("activity_list_city", city, "/portal/activities/"),
        ("report_list", coordinator.user, "/portal/activities/reports/"),
        ("needs", coordinator.user, "/portal/activities/needs/"),
        ("resources", coordinator.user, "/portal/activities/resources/"),
        ("needs_city", city, "/portal/activities/needs/"),
        ("resources_city", city, "/portal/activities/resources/"),
        ("dashboard", city, "/portal/activities/dashboard/"),
    ]
    for name, user, url in pages:
        client = Client()
        client.force_login(user)
        report_page(report, f"activities.{name}", client, url)
    report("activities.rows", Activity.objects.count(), "activities")
