"""The admin lists over large tables (issue 15): a fixed number of queries whatever the rows, an
estimated count where nothing narrows a large list, filters by search instead of a link per value,
and a first page in the documented, index-served order."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activities.models import Activity, Function
from councils.models import Meeting, Membership
from municipality import admin as shared_admin
from municipality.admin import EstimatedCountPaginator
from municipality.models import Area, Organisation, PlanPeriod
from tests.factories import (
    ActivityCategoryFactory,
    AreaFactory,
    CoordinatorFactory,
    CouncilFactory,
    MeetingFactory,
    OrganisationFactory,
    PersonFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

START = dt.date(2024, 4, 1)


@pytest.fixture
def period(db):
    return PlanPeriod.objects.get_or_create(number=9, defaults={"start": START, "end": dt.date(2027, 3, 31)})[0]


@pytest.fixture
def category(db):
    return ActivityCategoryFactory(function=Function.A)


def add_memberships(n, period, council=None):
    organisation = OrganisationFactory()
    return [Membership.objects.create(council=council or CouncilFactory(), person=PersonFactory(),
                                      organisation=organisation, plan_period=period, start=START + dt.timedelta(days=i),
                                      end=period.end, planned_end=period.end) for i in range(n)]


def add_activities(n, category, *, area=None, day=dt.date(2026, 5, 1)):
    coordinator = CoordinatorFactory()
    area = area or AreaFactory()
    return [Activity.objects.create(coordinator=coordinator, date=day - dt.timedelta(days=i), minutes=60, area=area,
                                    category=category, function=category.function, narrative="サロンで体操")
            for i in range(n)]


def queries_of(client, url):
    client.get(url)  # caches (content types, the scope) as on any later request
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


# --- A fixed number of queries ----------------------------------------------------------------

LISTS = {
    "/admin/councils/membership/": lambda c, p: add_memberships(c, p),
    "/admin/councils/meeting/": lambda c, p: [MeetingFactory(date=dt.date(2026, 5, 1) + dt.timedelta(days=i))
                                              for i in range(c)],
    "/admin/councils/person/": lambda c, p: [PersonFactory() for _ in range(c)],
    "/admin/activities/activity/": None,  # needs a category: below
}


@pytest.mark.parametrize("url", list(LISTS))
def test_admin_list_queries_do_not_grow_with_rows(client, city_staff, period, category, url):
    def add(count):
        if url == "/admin/activities/activity/":
            add_activities(count, category)
        else:
            LISTS[url](count, period)

    client.force_login(city_staff)
    add(3)
    few = queries_of(client, url)
    add(9)
    assert queries_of(client, url) == few


def test_secretary_member_list_keeps_its_query_count_and_scope(client, secretary, period):
    mine = CouncilFactory(secretariat=[secretary])
    client.force_login(secretary)
    add_memberships(2, period, council=mine)
    others = add_memberships(3, period)
    few = queries_of(client, "/admin/councils/membership/")
    add_memberships(6, period, council=mine)
    add_memberships(6, period)
    assert queries_of(client, "/admin/councils/membership/") == few
    response = client.get("/admin/councils/membership/")
    assert response.context["cl"].result_count == 8
    assert not response.context["cl"].paginator.estimated
    assert others[0].person.name not in response.content.decode()


# --- The estimated count ------------------------------------------------------------------------


def test_a_small_or_filtered_list_is_counted_exactly(period):
    add_memberships(3, period)
    paginator = EstimatedCountPaginator(Membership.objects.all(), 50, unfiltered=True)
    assert paginator.count == 3 and not paginator.estimated
    paginator = EstimatedCountPaginator(Membership.objects.filter(start=START), 50)
    assert paginator.count == 1 and not paginator.estimated


@pytest.mark.postgres
def test_a_large_unfiltered_list_takes_the_count_from_the_statistics(period, monkeypatch):
    monkeypatch.setattr(shared_admin, "ESTIMATE_FROM_ROWS", 5)
    add_memberships(10, period)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Membership._meta.db_table}")
    add_memberships(2, period)  # not yet in the statistics: an estimate does not see them

    with CaptureQueriesContext(connection) as captured:
        unfiltered = EstimatedCountPaginator(Membership.objects.all(), 50, unfiltered=True)
        assert unfiltered.count == 10 and unfiltered.estimated
    assert len(captured) == 1
    assert "COUNT" not in captured[0]["sql"].split("ELSE")[0]

    narrowed = EstimatedCountPaginator(Membership.objects.filter(start__gte=START), 50, unfiltered=False)
    assert narrowed.count == 12 and not narrowed.estimated


@pytest.mark.postgres
def test_a_scoped_list_is_counted_exactly_while_small_and_estimated_when_large(period, monkeypatch):
    monkeypatch.setattr(shared_admin, "ESTIMATE_FROM_ROWS", 5)
    add_memberships(3, period)
    scoped = Membership.objects.filter(start__gte=START)  # conditions of its own, as a secretary's scope
    small = EstimatedCountPaginator(scoped, 50, unfiltered=True)
    assert small.count == 3 and not small.estimated
    add_memberships(9, period)
    large = EstimatedCountPaginator(scoped.all(), 50, unfiltered=True)
    assert large.count >= 5 and large.estimated


@pytest.mark.postgres
def test_the_member_list_says_about_when_the_count_is_estimated(client, city_staff, period, monkeypatch):
    monkeypatch.setattr(shared_admin, "ESTIMATE_FROM_ROWS", 5)
    add_memberships(10, period)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Membership._meta.db_table}")
    client.force_login(city_staff)

    page = client.get("/admin/councils/membership/").content.decode()
    assert "約10 構成員（任期）（概数）" in page
    searched = client.get("/admin/councils/membership/", {"q": "委員"})
    assert not searched.context["cl"].paginator.estimated


def test_the_count_is_exact_on_a_database_without_statistics(period):
    if connection.vendor == "postgresql":
        pytest.skip("SQLite の場合の確認です")
    add_memberships(3, period)
    paginator = EstimatedCountPaginator(Membership.objects.all(), 50, unfiltered=True)
    assert paginator.count == 3 and not paginator.estimated


# --- Filters by search ------------------------------------------------------------------------------


def test_the_area_filter_is_a_search_box_and_narrows_the_activities(client, city_staff, category):
    north = AreaFactory(code="N-01", name="北部地区")
    south = AreaFactory(code="S-01", name="南部地区")
    add_activities(2, category, area=north)
    add_activities(3, category, area=south)
    for i in range(30):
        AreaFactory(code=f"X-{i:02d}", name=f"町内会{i}")
    client.force_login(city_staff)

    page = client.get("/admin/activities/activity/").content.decode()
    assert "区域名または区域コード" in page and 'name="area"' in page and "css/admin_filters.css" in page
    assert "area__id__exact" not in page and "町内会29" not in page  # no link per area

    by_name = client.get("/admin/activities/activity/", {"area": "北部"})
    assert {a.area_id for a in by_name.context["cl"].result_list} == {north.pk}
    assert by_name.context["cl"].result_count == 2
    assert "「北部」で絞り込み中" in by_name.content.decode()
    by_code = client.get("/admin/activities/activity/", {"area": "S-01"})
    assert by_code.context["cl"].result_count == 3
    nothing = client.get("/admin/activities/activity/", {"area": "存在しない地区"})
    assert nothing.context["cl"].result_count == 0


def test_the_search_box_keeps_the_other_filters(client, city_staff, category):
    client.force_login(city_staff)
    page = client.get("/admin/activities/activity/", {"function__exact": "A", "area": "北部"}).content.decode()
    assert '<input type="hidden" name="function__exact" value="A">' in page
    assert 'value="北部"' in page


def test_the_organisation_filter_of_the_member_list_reads_no_membership_for_its_choices(client, city_staff, period):
    add_memberships(2, period)
    chosen = add_memberships(1, period)[0]
    Organisation.objects.filter(pk=chosen.organisation_id).update(name="汐見市社会福祉協議会")
    client.force_login(city_staff)
    response = client.get("/admin/councils/membership/", {"organisation": "社会福祉"})
    assert [m.pk for m in response.context["cl"].result_list] == [chosen.pk]
    assert "団体名（一部でも可）" in response.content.decode()


def test_the_date_range_filter_replaces_the_drill_down(client, city_staff, category):
    add_activities(10, category, day=dt.date(2026, 5, 10))  # 5/1 … 5/10
    client.force_login(city_staff)
    page = client.get("/admin/activities/activity/")
    assert "開始日" in page.content.decode() and page.context["cl"].date_hierarchy is None
    response = client.get("/admin/activities/activity/", {"date__gte": "2026-05-03", "date__lte": "2026-05-05"})
    assert sorted(a.date.day for a in response.context["cl"].result_list) == [3, 4, 5]
    assert client.get("/admin/activities/activity/", {"date__lte": "0001-01-01"}).status_code == 302  # the guard


# --- Orderings an index serves ----------------------------------------------------------------------


def test_member_list_is_in_council_then_term_order(client, city_staff, period):
    # Registered first, named last: the list follows registration (the index), not the council's name.
    first, second = CouncilFactory(name="わかば協議体"), CouncilFactory(name="あおば協議体")
    late = add_memberships(1, period, council=second)
    early = add_memberships(2, period, council=first)
    client.force_login(city_staff)
    shown = [m.pk for m in client.get("/admin/councils/membership/").context["cl"].result_list]
    assert shown == [early[0].pk, early[1].pk, late[0].pk]


def test_activity_and_meeting_lists_are_newest_first(client, city_staff, category):
    activities = add_activities(3, category)
    meetings = [MeetingFactory(date=dt.date(2026, 6, d)) for d in (2, 9, 5)]
    client.force_login(city_staff)
    assert [a.pk for a in client.get("/admin/activities/activity/").context["cl"].result_list] == [
        a.pk for a in activities]
    assert [m.date.day for m in client.get("/admin/councils/meeting/").context["cl"].result_list] == [9, 5, 2]
    assert Meeting.objects.count() == len(meetings)


@pytest.mark.postgres
@pytest.mark.parametrize("url, table", [
    ("/admin/councils/membership/", "councils_membership"),
    ("/admin/councils/meeting/", "councils_meeting"),
    ("/admin/activities/activity/", "activities_activity"),
    ("/admin/councils/person/", "councils_person"),
])
def test_the_first_page_reads_the_table_through_an_index(client, city_staff, period, category, url, table):
    add_memberships(3, period)
    add_activities(3, category)
    MeetingFactory()
    client.force_login(city_staff)
    changelist = client.get(url).context["cl"]
    sql, params = changelist.queryset[:50].query.sql_with_params()  # the first page, as a large list reads it
    with connection.cursor() as cursor:
        # A tiny table: ask whether an index can serve the order (without one, the sort stays).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Sort" not in plan, plan  # no sort of the table (nor an incremental one): 50 rows read in order
    assert "Index Scan" in plan, plan


def test_areas_and_users_lists_filter_by_search(client, city_staff):
    AreaFactory(code="U-01", name="上町地区", layer=2)
    child = AreaFactory(code="U-01-1", name="上町一丁目", layer=3, parent=Area.objects.get(code="U-01"))
    client.force_login(city_staff)
    response = client.get("/admin/municipality/area/", {"parent": "上町地区"})
    assert [a.pk for a in response.context["cl"].result_list] == [child.pk]
    assert client.get("/admin/municipality/user/").status_code == 200
    assert UserFactory()


def test_the_member_list_shows_earlier_terms_in_the_same_queries(client, city_staff, period):
    client.force_login(city_staff)
    plain = add_memberships(3, period)
    without = queries_of(client, "/admin/councils/membership/")
    earlier = plain[0]
    Membership.objects.create(council=earlier.council, person=PersonFactory(name="補欠太郎"),
                              organisation=earlier.organisation, plan_period=period, start=dt.date(2025, 4, 1),
                              end=period.end, planned_end=period.end, replaces=earlier)
    assert queries_of(client, "/admin/councils/membership/") == without
    page = client.get("/admin/councils/membership/").content.decode()
    assert f"{earlier.person.name}（{earlier.organisation.name}、令和6年4月1日〜令和9年3月31日）" in page


# --- Fixed costs of a page (issue 15: list pages under 50 ms) ------------------------------------------


def test_an_area_filter_reads_the_activities_by_area_id(client, city_staff, category):
    north = AreaFactory(code="N-01", name="北部地区")
    add_activities(2, category, area=north)
    add_activities(3, category)
    client.force_login(city_staff)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/admin/activities/activity/", {"area": "N-01"})
    assert response.context["cl"].result_count == 2
    page = next(q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "activities_activity"."id"'))
    # The area first, then its activities by id (the index of area, newest first), no subquery.
    assert f'"area_id" IN ({north.pk})' in page and "municipality_area" not in page.split("WHERE")[1]


def test_a_city_wide_user_s_lists_read_no_areas_of_their_own(client, city_staff, category):
    add_activities(2, category)
    client.force_login(city_staff)
    client.get("/admin/activities/activity/")
    with CaptureQueriesContext(connection) as captured:
        client.get("/admin/activities/activity/")
    read = " ".join(q["sql"] for q in captured.captured_queries)
    # Their scope's areas (their own, a coordinator's contracts) decide nothing for city-wide data.
    assert "municipality_user_areas" not in read and '"coordinators_coordinator"."user_id" =' not in read


def test_row_links_and_checkboxes_are_django_s_own(client, city_staff, period):
    from django.contrib.admin import site
    from django.contrib.admin.options import ModelAdmin
    from django.urls import reverse

    MeetingFactory()
    meeting = MeetingFactory()
    client.force_login(city_staff)
    page = client.get("/admin/councils/meeting/").content.decode()
    assert f'<a href="{reverse("admin:councils_meeting_change", args=[meeting.pk])}">' in page
    assert ModelAdmin.action_checkbox(site._registry[Meeting], meeting) in page
    assert site._registry[Meeting].action_checkbox(meeting) == ModelAdmin.action_checkbox(site._registry[Meeting],
                                                                                          meeting)


def test_the_layer_filter_lists_each_layer_without_reading_every_area(client, city_staff):
    parent = AreaFactory(code="T-01", name="上の地区", layer=2)
    AreaFactory(code="T-01-1", name="下の地区", layer=3, parent=parent)
    client.force_login(city_staff)
    client.get("/admin/municipality/area/")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/admin/municipality/area/")
    layers = sorted(Area.objects.values_list("layer", flat=True).distinct())
    choices = [c["display"] for c in response.context["cl"].filter_specs[0].choices(response.context["cl"])]
    assert choices[1:] == [str(layer) for layer in layers]
    if connection.vendor == "postgresql":
        assert not any("DISTINCT" in q["sql"] for q in captured.captured_queries)


def test_every_large_list_shows_fifty_rows_a_page(client, city_staff):
    """Django's default of 100 rows doubled what each page paid per cell; the large lists show 50."""
    from django.contrib import admin as django_admin

    large = [a for a in django_admin.site._registry.values() if isinstance(a, shared_admin.LargeListAdminMixin)]
    assert len(large) >= 10
    assert {type(a).__name__: a.list_per_page for a in large if a.list_per_page != 50} == {}
    category = ActivityCategoryFactory(function=Function.A)
    add_activities(60, category)
    client.force_login(city_staff)
    response = client.get("/admin/activities/activity/")
    assert response.status_code == 200
    rows = set(re.findall(r'href="/admin/activities/activity/(\d+)/change/', response.content.decode()))
    assert len(rows) == 50
