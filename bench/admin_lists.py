"""The admin's activity list over the activities module's data (300,000 activities; ``--scale 10``:
3,000,000), beside as many areas as a full bench run holds (5,714; ten times as many at 10×).

Needs the activities module's data: modules run in alphabetical order, so ``activities`` has run
before this one; run alone (``bash bin/dev bench admin_lists``), it calls ``bench.activities.build()``
first. Rows missing to reach the scaled count (``bench/activities.py`` builds a fixed number) are
copied from the built ones by one ``INSERT … SELECT``, and areas by ``generate_series``.

Figures: the list's median, queries, sequential scans over large tables and the page's weight in
KB (the issue: 579 KB, because the area filter printed a link per area), unfiltered and narrowed
by an area.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from activities.models import Activity
from bench._util import report_page, scaled, timed
from municipality.models import Area, User
from municipality.roles import Role

ACTIVITIES = scaled(300_000)
AREAS = scaled(5_714)


def build() -> None:
    if not Activity.objects.exists():
        from bench import activities

        activities.build()
    table = Activity._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), MIN(id), MAX(id) FROM {table}")
        have, low, high = cursor.fetchone()
        missing = ACTIVITIES - have
        if missing > 0:
            # Copies of the built rows, shifted back by whole years so that dates spread as before.
            cursor.execute(f"""
                INSERT INTO {table} (coordinator_id, date, minutes, area_id, category_id, function, participants,
                                     narrative, follow_up_on, created_at, updated_at)
                SELECT a.coordinator_id, a.date - 365 * (1 + i / %s), a.minutes, a.area_id, a.category_id,
                       a.function, a.participants, a.narrative, a.follow_up_on, a.created_at, a.updated_at
                FROM generate_series(0, %s - 1) AS i
                JOIN {table} a ON a.id = %s + i %% %s""", [have, missing, low, high - low + 1])
        cursor.execute(f"SELECT COUNT(*) FROM {Area._meta.db_table}")
        areas = cursor.fetchone()[0]
        if areas < AREAS:
            parent = Area.objects.get_or_create(code="L1", defaults={"name": "市全域", "layer": 1})[0]
            cursor.execute(f"""
                INSERT INTO {Area._meta.db_table} (code, name, layer, parent_id, sort_order, boundary_basis,
                                                   support_center, is_active)
                SELECT 'AL-' || lpad(i::text, 6, '0'), '一覧地区' || i, 2, %s, 0, '', '', true
                FROM generate_series(0, %s - 1) AS i""", [parent.pk, AREAS - areas])
    from activities.services import activity_counts_rebuild

    activity_counts_rebuild()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def run(report) -> None:
    report("admin_lists.build", timed(build), "s")
    report("admin_lists.activities", Activity.objects.count(), "rows")
    report("admin_lists.areas", Area.objects.count(), "areas")
    city = User.objects.create_user("bench-admin-lists-city", password="x", name="市職員", is_staff=True)
    city.groups.set([Group.objects.get(name=Role.CITY_STAFF.value)])
    client = Client()
    client.force_login(city)
    area = Activity.objects.order_by("-pk").values_list("area__code", flat=True).first()
    for name, url in [
        ("admin_activity_list", "/admin/activities/activity/"),
        ("admin_activity_list_by_area", f"/admin/activities/activity/?area={area}"),
    ]:
        response = client.get(url)
        if response.status_code != 200:  # the code before issue 15 has no area search
            report(f"admin_lists.{name}", f"answered {response.status_code}", "")
            continue
        report(f"admin_lists.{name}.size", len(response.content) / 1024, "KB")
        report_page(report, f"admin_lists.{name}", client, url)
