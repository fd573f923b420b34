"""The activity list's downloads, in the portal and the admin: the rows the list shows, no more."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from activities import services
from activities.models import Function
from tests.factories import SocialResourceFactory

pytestmark = pytest.mark.django_db

HEADER = ["活動日", "記録した人", "区域", "機能", "活動の項目", "時間（分）", "参加人数", "内容", "次の対応日",
          "関わった団体", "関わった社会資源", "区域を越えた連携"]


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def log(coordinator, category, area, narrative, day=dt.date(2026, 11, 20), **extra):
    values = dict(date=day, minutes=60, area=area, category=category, participants=2, narrative=narrative,
                  follow_up_on=None)
    values.update(extra)
    return services.activity_log(coordinator=coordinator, by=coordinator.user, **values)


def rows_of(response, encoding="utf-8-sig"):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode(encoding))))


def test_the_export_holds_what_the_coordinators_list_shows_and_no_other_organisations_rows(
        client, coord_a, coord_a2, coord_b, categories, areas):
    resource = SocialResourceFactory(name="髙橋サロン", area=areas[0])
    log(coord_a, categories[Function.A], areas[0], "サロンの立ち上げ相談", follow_up_on=dt.date(2026, 12, 1),
        resources=[resource])
    log(coord_a2, categories[Function.B], areas[1], "同僚の記録")
    log(coord_b, categories[Function.A], areas[2], "他団体の記録")
    client.force_login(coord_a.user)
    page = client.get(reverse("activities:list"))
    shown = {a.narrative for a in page.context["page"]}
    rows = rows_of(client.get(reverse("activities:list"), {"export": "csv"}))
    assert rows[0] == HEADER
    assert {row[7] for row in rows[1:]} == shown == {"サロンの立ち上げ相談", "同僚の記録"}
    own = next(row for row in rows if row[7] == "サロンの立ち上げ相談")
    assert own == ["令和8年11月20日", "松本 さくら", "テスト1地区", Function.A.label, str(categories[Function.A]),
                   "60", "2", "サロンの立ち上げ相談", "令和8年12月1日", "", "髙橋サロン", ""]

    client.force_login(coord_b.user)
    assert [row[7] for row in rows_of(client.get(reverse("activities:list"), {"export": "csv_cp932"}),
                                      "cp932")[1:]] == ["他団体の記録"]


def test_the_export_keeps_the_lists_month(client, coord_a, categories, areas):
    log(coord_a, categories[Function.A], areas[0], "十一月", day=dt.date(2026, 11, 2))
    log(coord_a, categories[Function.A], areas[0], "十月", day=dt.date(2026, 10, 30))
    client.force_login(coord_a.user)
    page = client.get(reverse("activities:list"), {"month": "2026-10"}).content.decode()
    assert 'href="?month=2026-10&amp;export=csv_cp932"' in page  # the link carries the filter
    rows = rows_of(client.get(reverse("activities:list"), {"month": "2026-10", "export": "csv"}))
    assert [row[7] for row in rows[1:]] == ["十月"]


def test_the_xlsx_has_date_cells(client, coord_a, categories, areas):
    log(coord_a, categories[Function.A], areas[0], "記録")
    client.force_login(coord_a.user)
    response = client.get(reverse("activities:list"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content))["活動記録"]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet["A2"].is_date and sheet["A2"].value.date() == dt.date(2026, 11, 20)
    assert sheet["A2"].number_format.startswith("[$-ja-JP-x-gannen]ggge")


def queries_of(client, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


def test_an_export_costs_the_same_queries_for_two_rows_and_for_twelve(client, coord_a, categories, areas,
                                                                          django_assert_num_queries):
    resource = SocialResourceFactory(area=areas[0])
    for day in (1, 2):
        log(coord_a, categories[Function.A], areas[0], "記録", day=dt.date(2026, 11, day), resources=[resource])
    client.force_login(coord_a.user)
    url = reverse("activities:list")
    few = queries_of(client, url, {"export": "csv"})
    for day in range(3, 13):
        log(coord_a, categories[Function.B], areas[0], "記録", day=dt.date(2026, 11, day), resources=[resource])
    with django_assert_num_queries(few):
        assert len(client.get(url, {"export": "xlsx"}).content) > 0


# --- The admin --------------------------------------------------------------------------------

def test_the_admins_links_export_the_filtered_list(client, coord_a, coord_b, categories, areas, city_user):
    log(coord_a, categories[Function.A], areas[0], "Ａの記録")
    log(coord_b, categories[Function.B], areas[2], "Ｂの記録")
    client.force_login(city_user)
    url = reverse("admin:activities_activity_changelist")
    page = client.get(url, {"function__exact": "B"}).content.decode()
    assert '<a href="?function__exact=B&amp;_export=csv_cp932" download>CSV（Excel用 Shift_JIS）で書き出す</a>' in page
    rows = rows_of(client.get(url, {"function__exact": "B", "_export": "csv"}))
    assert [row[7] for row in rows[1:]] == ["Ｂの記録"]
    assert [row[7] for row in rows_of(client.get(url, {"q": "Ａの", "_export": "csv"}))[1:]] == ["Ａの記録"]
    assert client.get(url, {"_export": "pdf"}).status_code == 404
    # A filter the list refuses sends the export back to the list too (no 500).
    assert client.get(url, {"date__year": "0", "_export": "csv"}).status_code == 302


def test_the_admins_action_exports_the_rows_ticked(client, coord_a, categories, areas, city_user):
    first = log(coord_a, categories[Function.A], areas[0], "一つ目")
    log(coord_a, categories[Function.A], areas[0], "二つ目")
    client.force_login(city_user)
    response = client.post(reverse("admin:activities_activity_changelist"),
                           {"action": "export_csv_cp932", "_selected_action": [first.pk]})
    assert [row[7] for row in rows_of(response, "cp932")[1:]] == ["一つ目"]


def test_the_admin_export_costs_the_same_queries_for_two_rows_and_for_twelve(
        client, coord_a, categories, areas, city_user, django_assert_num_queries):
    for day in (1, 2):
        log(coord_a, categories[Function.A], areas[0], "記録", day=dt.date(2026, 11, day))
    client.force_login(city_user)
    url = reverse("admin:activities_activity_changelist")
    few = queries_of(client, url, {"_export": "xlsx"})
    for day in range(3, 13):
        log(coord_a, categories[Function.A], areas[0], "記録", day=dt.date(2026, 11, day))
    with django_assert_num_queries(few):
        client.get(url, {"_export": "xlsx"})


# --- The downloads that were there before: dates are now date cells in xlsx, 和暦 text in CSV ------

def test_the_monthly_reports_xlsx_has_date_cells(client, coord_a, categories, areas):
    log(coord_a, categories[Function.A], areas[0], "記録", follow_up_on=dt.date(2026, 12, 3))
    client.force_login(coord_a.user)
    response = client.get(reverse("activities:report_xlsx", args=[coord_a.pk, 2026, 11]))
    sheet = load_workbook(io.BytesIO(response.content))["活動記録"]
    assert sheet["A2"].is_date and sheet["A2"].value.date() == dt.date(2026, 11, 20)
    assert sheet["H2"].is_date and sheet["H2"].value.date() == dt.date(2026, 12, 3)


def test_the_needs_export_has_a_date_cell_in_xlsx_and_wareki_in_csv(client, coord_a, areas):
    from tests.factories import NeedFactory

    NeedFactory(area=areas[0], recorded_by=coord_a, title="買い物の足", raised_on=dt.date(2026, 11, 2))
    client.force_login(coord_a.user)
    sheet = load_workbook(io.BytesIO(client.get(reverse("activities:needs"), {"export": "xlsx"}).content))["地域ニーズ"]
    assert sheet["D2"].is_date and sheet["D2"].value.date() == dt.date(2026, 11, 2)
    rows = rows_of(client.get(reverse("activities:needs"), {"export": "csv_cp932"}), "cp932")
    assert rows[1][:4] == ["買い物の足", "テスト1地区", "民生委員", "令和8年11月2日"]


def test_a_list_longer_than_an_export_may_be_goes_back_with_a_message(client, coord_a, categories, areas,
                                                                        city_user, monkeypatch):
    from municipality import exports

    monkeypatch.setattr(exports, "MAX_ROWS", 1)
    log(coord_a, categories[Function.A], areas[0], "一つ目", day=dt.date(2026, 10, 1))
    log(coord_a, categories[Function.A], areas[0], "二つ目")
    client.force_login(coord_a.user)
    response = client.get(reverse("activities:list"), {"export": "xlsx"}, follow=True)
    assert response.redirect_chain == [("/portal/activities/", 302)]
    assert "この一覧は 2行あり、出力できるのは 1行までです。" in response.content.decode()
    # Narrowed to a month, it downloads.
    rows = rows_of(client.get(reverse("activities:list"), {"month": "2026-10", "export": "csv"}))
    assert [row[7] for row in rows[1:]] == ["一つ目"]

    client.force_login(city_user)
    url = reverse("admin:activities_activity_changelist")
    response = client.get(url, {"function__exact": "A", "_export": "csv"})
    assert (response.status_code, response["Location"]) == (302, f"{url}?function__exact=A")
