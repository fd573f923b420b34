"""The coordinator portal: permissions by URL, fixed query counts, PDF / xlsx / CSV."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from activities import services
from activities.models import Activity, Function, Match, Need
from tests.factories import NeedFactory, SocialResourceFactory, UserFactory
from tests.once import once

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


def log(coordinator, category, area, day=dt.date(2026, 11, 20)):
    return services.activity_log(coordinator=coordinator, by=coordinator.user, date=day, minutes=60, area=area,
                                 category=category, participants=2, narrative="サロンで支え合いの紹介", follow_up_on=None)


def count(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_log_an_activity_from_the_form(client, coord_a, categories, areas):
    client.force_login(coord_a.user)
    response = client.post(reverse("activities:create"), {**once(),
        "date": "2026-11-23", "minutes": 90, "area": areas[0].pk, "category": categories[Function.C].pk,
        "narrative": "買い物支援のニーズを生協の移動販売につないだ", "participants": "",
    })
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert (activity.minutes, activity.function, activity.participants) == (90, Function.C, 0)


def test_bad_input_is_refused_in_japanese_and_nothing_is_saved(client, coord_a, categories, areas):
    client.force_login(coord_a.user)
    response = client.post(reverse("activities:create"), {**once(),
        "date": "2026-11-30", "minutes": 60, "area": areas[0].pk, "category": categories[Function.A].pk,
        "narrative": "x",
    })
    assert "未来の日付" in response.content.decode()
    response = client.post(reverse("activities:create"), {**once(), "date": "", "minutes": 60, "area": 999999})
    body = response.content.decode()
    assert "このフィールドは必須です" in body
    assert "正しく選択してください" in body  # no such area among the choices
    # areas[1] is not the coordinator's: offered for cooperation across areas only, with the mark.
    response = client.post(reverse("activities:create"), {**once(),
        "date": "2026-11-20", "minutes": 60, "area": areas[1].pk, "category": categories[Function.A].pk,
        "narrative": "x",
    })
    assert "担当している区域ではありません。区域を越えて連携・協力した活動なら「区域を越えた連携」に印を付けてください。" in (
        response.content.decode())
    assert not Activity.objects.exists()


def test_another_organisations_coordinator_reaches_nothing_by_url(client, coord_a, coord_b, categories, areas):
    activity = log(coord_a, categories[Function.A], areas[0])
    client.force_login(coord_b.user)
    for url in [
        reverse("activities:edit", args=[activity.pk]),
        reverse("activities:report", args=[coord_a.pk, 2026, 11]),
        reverse("activities:report_pdf", args=[coord_a.pk, 2026, 11]),
        reverse("activities:report_xlsx", args=[coord_a.pk, 2026, 11]),
        reverse("activities:dashboard"),
    ]:
        assert client.get(url).status_code == 404, url
    assert "サロンで支え合いの紹介" not in client.get(reverse("activities:list")).content.decode()


def test_a_colleague_sees_but_cannot_edit(client, coord_a, coord_a2, categories, areas):
    activity = log(coord_a, categories[Function.A], areas[0])
    client.force_login(coord_a2.user)
    assert "サロンで支え合いの紹介" in client.get(reverse("activities:list")).content.decode()
    assert client.get(reverse("activities:edit", args=[activity.pk])).status_code == 404


@pytest.mark.parametrize("roles", [["協議体事務局"], ["相談支援員"], ["監査"]])
def test_nobody_else_sees_activity_logs(client, coord_a, categories, areas, roles):
    log(coord_a, categories[Function.A], areas[0])
    client.force_login(UserFactory(roles=roles, is_staff=True))
    assert client.get(reverse("activities:list")).status_code == 404
    assert client.get(reverse("activities:report", args=[coord_a.pk, 2026, 11])).status_code == 404


def test_the_organisation_confirms_and_the_city_accepts(client, coord_a, contractor_a, city_user, categories, areas):
    log(coord_a, categories[Function.A], areas[0], day=dt.date(2026, 10, 9))
    url = reverse("activities:report", args=[coord_a.pk, 2026, 10])
    client.force_login(coord_a.user)
    client.post(url, {"submit": "1"})
    client.force_login(contractor_a)
    assert "確認して市に送る" in client.get(url).content.decode()
    client.post(url, {"confirm": "1"})
    client.force_login(city_user)
    body = client.get(url).content.decode()
    assert "団体確認済" in body
    client.post(url, {"accept": "1"})
    assert "受理" in client.get(url).content.decode()
    assert coord_a.monthly_reports.get().status == "accepted"


def test_report_pdf_and_xlsx_hold_the_month(client, coord_a, categories, areas):
    log(coord_a, categories[Function.A], areas[0], day=dt.date(2026, 10, 9))
    log(coord_a, categories[Function.C], areas[0], day=dt.date(2026, 10, 12))
    client.force_login(coord_a.user)
    pdf = client.get(reverse("activities:report_pdf", args=[coord_a.pk, 2026, 10]))
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    text = text.replace(" ", "").replace("\n", "")
    assert "活動報告書（令和8年10月）" in text
    assert "松本さくら" in text
    assert "令和8年10月9日" in text and "令和8年10月12日" in text
    xlsx = client.get(reverse("activities:report_xlsx", args=[coord_a.pk, 2026, 10]))
    workbook = load_workbook(io.BytesIO(xlsx.content))
    totals = {row[0]: row[1] for row in workbook["集計"].iter_rows(min_row=2, values_only=True)}
    assert totals["A 資源開発"] == 1 and totals["C ニーズと取組のマッチング"] == 1 and totals["合計"] == 2
    assert workbook["活動記録"].max_row == 3


def test_pages_keep_their_query_count(client, coord_a, city_user, categories, areas):
    for day in (1, 2):
        log(coord_a, categories[Function.A], areas[0], day=dt.date(2026, 11, day))
    SocialResourceFactory(area=areas[0])
    NeedFactory(area=areas[0], recorded_by=coord_a)
    pages = {
        "list": (coord_a.user, reverse("activities:list")),
        "report": (coord_a.user, reverse("activities:report", args=[coord_a.pk, 2026, 11])),
        "dashboard": (city_user, reverse("activities:dashboard")),
        "resources": (coord_a.user, reverse("activities:resources")),
        "needs": (coord_a.user, reverse("activities:needs")),
        # The city's list is counted from the count table (issue 15), with or without a month.
        "list_city": (city_user, reverse("activities:list")),
        "list_city_month": (city_user, reverse("activities:list") + "?month=2026-11"),
        "resources_city": (city_user, reverse("activities:resources")),
        "needs_city": (city_user, reverse("activities:needs")),
        "reports": (coord_a.user, reverse("activities:reports")),
    }
    before = {}
    for name, (user, url) in pages.items():
        client.force_login(user)
        before[name] = count(client, url)
    for day in range(3, 20):
        log(coord_a, categories[Function(("A", "B", "C", "D")[day % 4])], areas[0], day=dt.date(2026, 11, day))
        SocialResourceFactory(area=areas[0])
        NeedFactory(area=areas[0], recorded_by=coord_a)
    for name, (user, url) in pages.items():
        client.force_login(user)
        assert count(client, url) == before[name], name


def test_the_city_list_counts_every_activity_of_the_month(client, coord_a, city_user, categories, areas):
    for day in (1, 2, 3):
        log(coord_a, categories[Function.A], areas[0], day=dt.date(2026, 11, day))
    log(coord_a, categories[Function.B], areas[0], day=dt.date(2026, 10, 30))
    client.force_login(city_user)
    for query, expected in (("", 4), ("?month=2026-11", 3), ("?month=2026-10", 1), ("?month=2026-09", 0)):
        page = client.get(reverse("activities:list") + query).context["page"]
        assert page.paginator.count == expected == len(page.object_list), query


def test_resources_search_filter_and_export(client, coord_a, areas):
    SocialResourceFactory(name="ひだまりサロン", provider_kind="salon", area=areas[0], offers="茶話会と体操")
    SocialResourceFactory(name="=HYPERLINK(\"x\")", provider_kind="npo", area=areas[0], offers="配食")
    SocialResourceFactory(name="よその資源", area=areas[2], offers="体操")
    client.force_login(coord_a.user)
    body = client.get(reverse("activities:resources"), {"q": "体操"}).content.decode()
    assert "ひだまりサロン" in body and "よその資源" not in body
    body = client.get(reverse("activities:resources"), {"provider_kind": "npo"}).content.decode()
    assert "HYPERLINK" in body and "ひだまりサロン" not in body
    response = client.get(reverse("activities:resources"), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["名称", "提供主体の種類", "区域"]
    assert {r[0] for r in rows[1:]} == {"ひだまりサロン", "'=HYPERLINK(\"x\")"}  # no formula, no other area
    xlsx = load_workbook(io.BytesIO(client.get(reverse("activities:resources"), {"export": "xlsx"}).content))
    assert xlsx["社会資源"].max_row == 3


def test_a_need_is_matched_to_a_resource(client, coord_a, areas):
    resource = SocialResourceFactory(name="汐見生協 移動販売", area=areas[0])
    client.force_login(coord_a.user)
    client.post(reverse("activities:need_create"), {**once(),
        "title": "坂の上で買い物に行けない", "area": areas[0].pk, "raised_by": "民生委員", "raised_on": "2026-11-20",
        "status": "open",
    })
    need = Need.objects.get()
    client.post(reverse("activities:match_create", args=[need.pk]), {**once(),
        "resource": resource.pk, "matched_on": "2026-11-22", "outcome": "matched", "note": "停車場所を追加",
    })
    need.refresh_from_db()
    assert Match.objects.get().resource == resource
    assert need.status == "met"
    response = client.get(reverse("activities:needs"), {"export": "csv"})
    assert "汐見生協 移動販売（成立）" in response.content.decode("utf-8-sig")
