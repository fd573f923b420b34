"""A coordinator logs an activity on a phone and submits the month; the city sees it; others cannot."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from activities.models import Function, MonthlyReport
from coordinators import services as lifecycle
from tests.conftest import name_city
from tests.factories import PASSWORD, ActivityCategoryFactory, AreaFactory, ContractFactory, UserFactory
from tests.lifecycle import file_notice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def coordinator_for(organisation, area, username, name, city):
    today = timezone.localdate()
    contract = ContractFactory(organisation=organisation, areas=[area],
                               start=today.replace(month=4, day=1) if today.month >= 4
                               else today.replace(year=today.year - 1, month=4, day=1),
                               end=today + dt.timedelta(days=365))
    contractor = UserFactory(username=f"{username}-org", organisation=organisation, roles=["受託団体"])
    notice = file_notice(contract, contractor, name=name, areas=[area], appointed_on=contract.start,
                         filed_on=contract.start)
    appointment = lifecycle.appointment_notice_accept(notice=notice, accepted_by=city)
    user = UserFactory(username=username, name=name, organisation=organisation, roles=["コーディネーター"])
    appointment.coordinator.user = user
    appointment.coordinator.save()
    return appointment.coordinator


def test_log_submit_and_see_it_on_the_dashboard(page: Page, live_server, org_a, org_b):
    name_city()
    city = UserFactory(username="city", roles=["市職員"], is_staff=True)
    chuo, minami = AreaFactory(code="B2-01", name="汐見中央地区"), AreaFactory(code="B2-02", name="汐見南地区")
    ActivityCategoryFactory(function=Function.C, code="(3)イ", label="ニーズとサービス提供主体の活動のマッチング")
    ActivityCategoryFactory(function=Function.A)
    coordinator = coordinator_for(org_a, chuo, "coord_a", "松本 さくら", city)
    coordinator_for(org_b, minami, "coord_b", "森 由美子", city)

    # On a phone: log one activity, in well under a minute of typing.
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, "coord_a")
    page.get_by_role("link", name="活動を記録する").first.click()
    page.get_by_label("時間").select_option("90")
    page.get_by_label("活動の項目").select_option(label="(3)イ ニーズとサービス提供主体の活動のマッチング")
    page.get_by_label("内容").fill("坂の上の買い物のニーズを生協の移動販売につないだ。")
    page.get_by_role("button", name="記録する").click()
    expect(page.get_by_role("status")).to_contain_text("活動を記録しました")
    expect(page.get_by_text("坂の上の買い物のニーズ")).to_be_visible()
    page.screenshot(path="test-results/activity-list-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Submit this month's report.
    today = timezone.localdate()
    page.goto(f"{live_server.url}/portal/activities/reports/{coordinator.pk}/{today.year}/{today.month}/")
    page.get_by_role("button", name="この月の報告を提出する").click()
    expect(page.get_by_role("status")).to_contain_text("報告を提出しました")
    assert MonthlyReport.objects.get(coordinator=coordinator).status == "submitted"
    report_url = page.url

    # The city sees it on the dashboard.
    desk = page.context.browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(desk, live_server.url, "city")
    desk.get_by_role("link", name="活動状況").click()
    table = desk.get_by_role("table").first
    row = table.get_by_role("row", name="汐見中央地区")
    expect(row).to_contain_text("1")
    expect(desk.locator("svg.chart rect")).to_have_count(1)
    expect(desk.get_by_text("標準額")).to_be_visible()
    desk.screenshot(path="test-results/dashboard.png", full_page=True)

    # A coordinator of another organisation cannot reach it by URL.
    other = page.context.browser.new_page()
    log_in(other, live_server.url, "coord_b")
    assert other.goto(report_url).status == 404
    assert other.goto(f"{live_server.url}/portal/activities/dashboard/").status == 404
    other.goto(f"{live_server.url}/portal/activities/")
    expect(other.get_by_text("坂の上の買い物のニーズ")).to_have_count(0)


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 768)], ids=["phone", "desktop"])
def test_the_month_filter_is_styled_like_the_other_filters_and_stands_apart_from_the_cards(
        page: Page, live_server, org_a, width, height):
    from axe_playwright_python.sync_playwright import Axe

    from activities import services as activity_services

    name_city()
    city = UserFactory(username="city", roles=["市職員"], is_staff=True)
    chuo = AreaFactory(code="B2-01", name="汐見中央地区")
    category = ActivityCategoryFactory(function=Function.C)
    coordinator = coordinator_for(org_a, chuo, "coord_a", "松本 さくら", city)
    activity_services.activity_log(coordinator=coordinator, by=coordinator.user, date=timezone.localdate(),
                                   minutes=60, area=chuo, category=category, narrative="サロンの立上げ相談")
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server.url, "coord_a")
    page.goto(f"{live_server.url}/portal/activities/")
    month = page.get_by_label("月で絞り込む")
    expect(month).to_be_visible()
    box = month.bounding_box()
    # Like the other filters' fields: a full-size touch target with the portal's border.
    assert box["height"] >= 44
    assert month.evaluate("e => getComputedStyle(e).borderTopWidth") == "2px"
    form = page.get_by_role("search", name="活動記録の絞り込み").bounding_box()
    first_card = page.locator(".activity-list .card").first.bounding_box()
    assert first_card["y"] - (form["y"] + form["height"]) >= 16  # a visible gap, not touching
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=f"test-results/activity-month-filter-{width}.png", full_page=True)
    rules = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
             "resultTypes": ["violations"]}
    assert [v["id"] for v in Axe().run(page, options=rules).response["violations"]] == []
