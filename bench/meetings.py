"""Meetings of mixed bodies at scale (issue 17): 50,000 meetings (``--scale 10``: 500,000) of 500
councils, their working groups, 50 coordinators' 定例会 and 50 地域ケア会議, on PostgreSQL.

The meeting lists, admin and portal, for city staff (every meeting) and for a secretary who runs one
council and one 定例会: the median of warm requests, the query count with a handful of meetings and
again with all of them (the same: a fixed number of queries whatever the rows), and the large tables
any query reads by a sequential scan. Rows are inserted by ``INSERT … SELECT … FROM generate_series``.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from bench._util import measure_page, report_page, scaled, timed
from councils.models import Body, BodyKind, Council, Meeting, SetupType, WorkingGroup
from municipality.models import Area, Organisation, User
from municipality.roles import Role

COUNCILS = 500
BODIES = 100  # half 定例会・連絡会議, half 地域ケア会議
MEETINGS = scaled(50_000)
FEW = 40


def _insert_meetings(first: int, count: int, councils: list[int], groups: list[int], bodies: list[int]) -> None:
    """Meetings i = first … first+count-1: a quarter each of councils, working groups, 定例会 and 地域ケア会議."""
    with connection.cursor() as cursor:
        cursor.execute(f"""
            INSERT INTO {Meeting._meta.db_table}
                (council_id, working_group_id, body_id, title, date, start_time, end_time, place, is_public,
                 closed_reason, public_seats, minutes, outline, decisions, minutes_published, ics_uid, sequence)
            SELECT CASE WHEN i %% 4 < 2 THEN (%s::bigint[])[1 + (i / 4) %% %s] END,
                   CASE WHEN i %% 4 = 1 THEN (%s::bigint[])[1 + (i / 4) %% %s] END,
                   CASE WHEN i %% 4 = 2 THEN (%s::bigint[])[1 + (i / 4) %% %s]
                        WHEN i %% 4 = 3 THEN (%s::bigint[])[1 + %s + (i / 4) %% %s] END,
                   '第' || (i / 4 + 1) || '回', DATE '2024-04-01' + (i %% 1000), '10:00', '12:00', '公民館',
                   true, '', NULL, '', '', '', false, 'bench-meeting-' || i, 0
            FROM generate_series(%s, %s) AS i""",
                       [councils, len(councils), groups, len(groups), bodies, BODIES // 2, bodies, BODIES // 2,
                        BODIES // 2, first, first + count - 1])


def build() -> dict:
    city = Area.objects.get_or_create(code="L1", defaults={"name": "市全域", "layer": 1})[0]
    areas = Area.objects.bulk_create((Area(code=f"MB-{i:05d}", name=f"会議地区{i}", layer=2, parent=city)
                                      for i in range(COUNCILS)), batch_size=5_000)
    organiser = Organisation.objects.create(name="ベンチ会議体の主催")
    councils = Council.objects.bulk_create(
        (Council(name=f"会議ベンチ協議体{i}", layer=2, area=areas[i], setup_type=SetupType.NPO) for i in range(COUNCILS)),
        batch_size=5_000)
    groups = WorkingGroup.objects.bulk_create(WorkingGroup(council=c, name="部会") for c in councils)
    # Bodies 0 … 49 are 定例会, 50 … 99 地域ケア会議 (the SQL above picks them by that order).
    bodies = Body.objects.bulk_create(
        [Body(kind=BodyKind.COORDINATORS, name=f"推進員定例会{i}", organiser=organiser, feed_token=f"bench-r{i}")
         for i in range(BODIES // 2)]
        + [Body(kind=BodyKind.CARE_CONFERENCE, name=f"地域ケア会議{i}", organiser=organiser, feed_token=f"bench-c{i}")
           for i in range(BODIES // 2)])
    secretary = User.objects.create_user("bench-meetings-secretary", password="x", name="事務局", is_staff=True)
    secretary.groups.set([Group.objects.get(name=Role.SECRETARIAT.value)])
    councils[0].secretariat.add(secretary)
    bodies[0].secretariat.add(secretary)
    city_user = User.objects.create_user("bench-meetings-city", password="x", name="市職員", is_staff=True)
    city_user.groups.set([Group.objects.get(name=Role.CITY_STAFF.value)])
    return {"ids": ([c.pk for c in councils], [g.pk for g in groups], [b.pk for b in bodies]),
            "secretary": secretary, "city": city_user, "body": bodies[0]}


def run(report) -> None:
    built: dict = {}
    report("meetings.build", timed(lambda: built.update(build())), "s")
    pages = [
        ("admin_meeting_list", built["city"], "/admin/councils/meeting/"),
        ("admin_meeting_list_secretary", built["secretary"], "/admin/councils/meeting/"),
        ("portal_meeting_list", built["city"], "/portal/councils/meetings/"),
        ("portal_meeting_list_care", built["city"], "/portal/councils/meetings/?kind=care_conference"),
        ("portal_meeting_list_page_50", built["city"], "/portal/councils/meetings/?page=50"),
        ("portal_meeting_list_secretary", built["secretary"], "/portal/councils/meetings/"),
        ("portal_body_page", built["secretary"], f"/portal/councils/bodies/{built['body'].pk}/"),
    ]
    clients = {}
    for name, user, _url in pages:
        clients[name] = Client()
        clients[name].force_login(user)
    # A handful of meetings first: the query count of each page, to compare with the full table.
    _insert_meetings(0, FEW, *built["ids"])
    few = {name: measure_page(clients[name], url, repeat=1)[1] for name, _user, url in pages}
    report("meetings.insert", timed(lambda: _insert_meetings(FEW, MEETINGS - FEW, *built["ids"])), "s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    report("meetings.rows", Meeting.objects.count(), "rows")
    for name, _user, url in pages:
        report(f"meetings.{name}.queries_with_{FEW}", few[name], "queries")
        report_page(report, f"meetings.{name}", clients[name], url)
