"""Councils at scale: 500 councils, 10,000 memberships, 5,000 meetings on PostgreSQL (``--scale 10``:
5,000 councils, 100,000 memberships, 50,000 meetings; the reminders module adds its own).

The member list and the meeting list (admin, for city staff and for a secretary), and one council's
page in the portal: the median of warm requests, the query count, and the large tables any of the
page's queries reads by a sequential scan (target: none). People, memberships and meetings are
inserted by ``INSERT … SELECT … FROM generate_series`` so that ten times the rows stay quick to build.
"""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client

from bench._util import report_page, scaled, timed
from councils.models import Council, Meeting, Membership, Person, SetupType
from municipality import wareki
from municipality.models import Area, Organisation, PlanPeriod, User
from municipality.roles import Role

COUNCILS = scaled(500)
MEMBERSHIPS = scaled(10_000)
MEETINGS = scaled(5_000)


def build() -> dict:
    period, _ = PlanPeriod.objects.get_or_create(number=9, defaults={"start": wareki.plan_term(9).start,
                                                                     "end": wareki.plan_term(9).end})
    city = Area.objects.get_or_create(code="L1", defaults={"name": "市全域", "layer": 1})[0]
    areas = Area.objects.bulk_create((Area(code=f"CA-{i:05d}", name=f"協議体地区{i}", layer=2, parent=city)
                                      for i in range(COUNCILS)), batch_size=5_000)
    organisation = Organisation.objects.create(name="ベンチ協議体団体")
    councils = Council.objects.bulk_create(
        (Council(name=f"第2層協議体{i}", layer=2, area=areas[i], setup_type=SetupType.NPO) for i in range(COUNCILS)),
        batch_size=5_000)
    council_ids = [council.pk for council in councils]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {Person._meta.db_table}")
        first_person = (cursor.fetchone()[0] or 0) + 1
        # People i = 0 … MEMBERSHIPS-1, each with one seat in council i % COUNCILS.
        cursor.execute(f"""
            INSERT INTO {Person._meta.db_table} (id, name, name_kana, email, postal_code, address, phone)
            SELECT %s + i, '委員' || i, 'いいん' || i, '', '', '', ''
            FROM generate_series(0, %s - 1) AS i""", [first_person, MEMBERSHIPS])
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{Person._meta.db_table}', 'id'), %s)",
                       [first_person + MEMBERSHIPS - 1])
        cursor.execute(f"""
            INSERT INTO {Membership._meta.db_table}
                (council_id, person_id, organisation_id, plan_period_id, start, "end", planned_end, left_reason)
            SELECT (%s::bigint[])[1 + i %% %s], %s + i, %s, %s, %s, %s, %s, ''
            FROM generate_series(0, %s - 1) AS i""",
                       [council_ids, COUNCILS, first_person, organisation.pk, period.pk, period.start, period.end,
                        period.end, MEMBERSHIPS])
        cursor.execute(f"""
            INSERT INTO {Meeting._meta.db_table}
                (council_id, title, date, start_time, end_time, place, is_public, closed_reason, public_seats,
                 minutes, outline, decisions, minutes_published, ics_uid, sequence)
            SELECT (%s::bigint[])[1 + i %% %s], '第' || (i / %s + 1) || '回', %s::date + (i %% 900), '10:00', '12:00', '公民館',
                   true, '', 0, '', '', '', false, 'bench-council-' || i, 0
            FROM generate_series(0, %s - 1) AS i""",
                       [council_ids, COUNCILS, COUNCILS, period.start, MEETINGS])
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
    report("councils.memberships", Membership.objects.count(), "rows")
    report("councils.meetings", Meeting.objects.count(), "rows")
    pages = [
        ("admin_member_list", built["city"], "/admin/councils/membership/"),
        ("admin_meeting_list", built["city"], "/admin/councils/meeting/"),
        ("admin_people_list", built["city"], "/admin/councils/person/"),
        ("portal_council_page", built["secretary"], f"/portal/councils/{built['council'].pk}/"),
        ("admin_member_list_secretary", built["secretary"], "/admin/councils/membership/"),
        ("admin_meeting_list_secretary", built["secretary"], "/admin/councils/meeting/"),
    ]
    for name, user, url in pages:
        client = Client()
        client.force_login(user)
        report_page(report, f"councils.{name}", client, url)
