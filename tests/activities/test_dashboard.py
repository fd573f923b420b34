"""The city's dashboard (issue 15): lighter (a page of areas, a page of coordinators, sums in the
database), with the same figures as before, counted here from the activities themselves."""

import csv
import datetime as dt
import io
from collections import Counter

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from activities import selectors, services
from activities.models import Activity, Function
from municipality.models import Area
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def log(coordinator, category, area, day):
    return services.activity_log(coordinator=coordinator, by=coordinator.user, date=day, minutes=60, area=area,
                                 category=category, participants=2, narrative="サロンで支え合いの紹介", follow_up_on=None)


@pytest.fixture
def world(coord_a, coord_a2, coord_b, categories, areas):
    """Activities over this 年度 and the last, in three areas, one of them idle this month."""
    days = [dt.date(2026, 4, 2), dt.date(2026, 6, 15), dt.date(2026, 10, 5), dt.date(2026, 11, 2),
            dt.date(2026, 11, 20)]
    functions = list(Function)
    for i, day in enumerate(days):
        log(coord_a, categories[functions[i % 4]], areas[0], day)
        log(coord_b, categories[functions[(i + 1) % 4]], areas[2], day)
        if day.month != 11:
            log(coord_a2, categories[functions[(i + 2) % 4]], areas[1], day)
    # One of the year before (imported: the count table is rebuilt from the activities).
    Activity.objects.create(coordinator=coord_a, date=dt.date(2026, 3, 30), minutes=30, area=areas[0],
                            category=categories[Function.A], function=Function.A, narrative="前年度")
    services.activity_counts_rebuild()
    services.report_submit(coordinator=coord_a, month=dt.date(2026, 10, 1), by=coord_a.user)
    return areas


def expected_from_activities():
    """The figures straight from the activity rows (not from the count table)."""
    start, end = dt.date(2026, 4, 1), dt.date(2027, 3, 31)
    this_year = Activity.objects.filter(date__range=(start, end))
    per_area = Counter((a.area_id, a.function) for a in this_year)
    per_function_month = Counter((a.function, a.date.replace(day=1)) for a in this_year)
    active_now = {a.area_id for a in this_year if a.date.replace(day=1) == dt.date(2026, 11, 1)}
    areas = list(Area.objects.filter(layer=2, is_active=True).order_by("sort_order", "code"))
    return per_area, per_function_month, [a.name for a in areas if a.pk not in active_now], areas


def test_the_figures_are_those_of_the_activities(client, world, city_user):
    per_area, per_function_month, idle, areas = expected_from_activities()
    board = selectors.dashboard(today=TODAY)
    for function in Function:
        assert board.function_month_totals[function.value] == [
            per_function_month[(function.value, month)] for month in board.months]
    assert board.function_totals == [sum(n for (_, f), n in per_area.items() if f == fn.value) for fn in Function]
    assert board.total == sum(per_area.values()) == 13  # 2026-03-30 belongs to the year before
    assert board.idle_count == len(idle) == 1
    assert board.not_submitted_count == 2  # coord_a2 and coord_b have not reported October
    rows = selectors.area_function_rows(areas, today=TODAY)
    for row in rows:
        assert row["counts"] == [per_area[(row["area"].pk, f.value)] for f in Function]
        assert row["idle"] == (row["area"].name in idle)

    client.force_login(city_user)
    html = client.get(reverse("activities:dashboard")).content.decode()
    assert "<tfoot><tr><th scope=\"row\">市全体</th>" in html
    for row in rows:
        cells = "".join(f"<td>{n}</td>" for n in row["counts"])
        assert f"<th scope=\"row\">{row['area'].name}</th>{cells}<td><strong>{row['total']}</strong></td>" in html
    assert f"に活動記録のない区域（{len(idle)}）" in html and idle[0] in html
    assert "月次報告が未提出の方（2人）" in html and "井上 大輔" in html and "森 由美子" in html


def test_the_whole_table_downloads_and_idle_areas_filter_it(client, world, city_user):
    per_area, _, idle, areas = expected_from_activities()
    client.force_login(city_user)
    response = client.get(reverse("activities:dashboard"), {"export": "csv"})
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0] == ["区域", *Function.labels, "合計", "今月の記録", "区域を越えた連携（他の区域から）"]
    assert [r[0] for r in table[1:]] == [a.name for a in areas]
    first = next(r for r in table[1:] if r[0] == areas[0].name)
    assert first[1:5] == [str(per_area[(areas[0].pk, f.value)]) for f in Function]
    filtered = client.get(reverse("activities:dashboard"), {"idle": "1"}).content.decode()
    assert f"<th scope=\"row\">{idle[0]}</th>" in filtered and f"<th scope=\"row\">{areas[0].name}</th>" not in filtered


def test_the_dashboard_keeps_its_query_count_and_pages_many_areas(client, world, city_user):
    client.force_login(city_user)
    url = reverse("activities:dashboard")

    def count():
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response.content.decode()

    before, _ = count()
    for i in range(60):
        AreaFactory(code=f"MANY-{i:03d}", name=f"多数地区{i}")
    after, html = count()
    assert after == before
    assert "多数地区59" not in html.split('id="idle"')[0]  # the table shows 50 areas a page
    assert "1 / 2ページ（63件）" in html
