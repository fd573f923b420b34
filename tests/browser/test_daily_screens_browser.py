"""Issue 16's daily-screen problems 1, 2, 5 and 8, each in a real browser at phone (390 px) and desktop
(1366 px) width: the pages as a user meets them, no sideways scrolling, no serious or critical axe finding,
no error in the console."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urljoin

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from activities import services as activity_services
from activities.models import Activity, Function, MonthlyReport, month_start
from coordinators import services as lifecycle
from councils.models import Meeting
from municipality.wareki import format_wareki
from tests.browser.test_accessibility_browser import violations
from tests.conftest import name_city
from tests.factories import (
    PASSWORD,
    ActivityCategoryFactory,
    AreaFactory,
    ContractFactory,
    CouncilFactory,
    NeedFactory,
    SocialResourceFactory,
    UserFactory,
)
from tests.lifecycle import file_notice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 768)], ids=["phone", "desktop"])


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"


def coordinator_in(organisation, area, username, name, city):
    """A coordinator appointed (through the notice the organisation files) to ``area`` since last month."""
    today = timezone.localdate()
    start = month_start(month_start(today) - dt.timedelta(days=1))  # the first day of last month
    contract = ContractFactory(organisation=organisation, areas=[area], start=start,
                               end=today + dt.timedelta(days=365))
    contractor = UserFactory(username=f"{username}-org", organisation=organisation, roles=["受託団体"])
    notice = file_notice(contract, contractor, name=name, areas=[area], appointed_on=start, filed_on=start)
    appointment = lifecycle.appointment_notice_accept(notice=notice, accepted_by=city)
    user = UserFactory(username=username, name=name, organisation=organisation, roles=["コーディネーター"])
    appointment.coordinator.user = user
    appointment.coordinator.save()
    return appointment.coordinator


# What sticks out on the right, to say why a page scrolls sideways.
STICKING_OUT = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth)
  .map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}px ${e.textContent.slice(0, 30)}`)"""


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        page.url, page.evaluate("document.documentElement.scrollWidth"), page.evaluate(STICKING_OUT)[:8])


def fits_and_passes_axe(page: Page, width: int) -> None:
    """No sideways scrolling; nothing serious or critical for axe (WCAG 2.1 A and AA rules)."""
    fits(page)
    found = [v for v in violations(page, Axe()) if "(serious)" in v or "(critical)" in v]
    assert found == [], "\n".join(found)


def no_link_is_dead(page: Page) -> int:
    """Every link of the page answers (requested with the page's session); returns how many were asked."""
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    asked = set()
    for href in hrefs:
        url = urljoin(page.url, href).split("#")[0]
        if not url.startswith(page.url.split("/portal/")[0]) or url in asked:
            continue
        asked.add(url)
        status = page.request.get(url).status
        assert status != 404 and status < 500, (url, status)
    return len(asked)


# --- 1. Links that lead to a 404 ------------------------------------------------------------------

@WIDTHS
def test_a_coordinator_sees_other_areas_needs_and_resources_without_links_that_would_404(
        page: Page, live_server, org_a, console_errors, width, height):
    name_city()
    city = UserFactory(username="city", roles=["市職員"], is_staff=True)
    chuo, minami = AreaFactory(code="B2-01", name="汐見中央地区"), AreaFactory(code="B2-02", name="汐見南地区")
    own = coordinator_in(org_a, chuo, "coord_a", "松本 さくら", city)
    neighbour = coordinator_in(org_a, minami, "coord_a2", "井上 大輔", city)
    own_need = NeedFactory(area=chuo, recorded_by=own, title="中央の坂の上で買い物に行けない")
    other_need = NeedFactory(area=minami, recorded_by=neighbour, title="南のごみ出しが難しい")
    SocialResourceFactory(area=chuo, name="中央ふれあいサロン")
    other_resource = SocialResourceFactory(area=minami, name="南の移動販売")
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server.url, "coord_a")

    page.goto(f"{live_server.url}{reverse('activities:needs')}")
    theirs = page.locator(".card", has_text=other_need.title)
    mine = page.locator(".card", has_text=own_need.title)
    expect(theirs).to_be_visible()  # the neighbouring area's need is shared knowledge ...
    expect(theirs.get_by_role("link")).to_have_count(0)  # ... without 編集 / 社会資源につなぐ
    expect(mine.get_by_role("link", name="編集")).to_have_attribute(
        "href", reverse("activities:need_edit", args=[own_need.pk]))
    expect(mine.get_by_role("link", name="社会資源につなぐ")).to_have_attribute(
        "href", reverse("activities:match_create", args=[own_need.pk]))
    assert page.request.get(f"{live_server.url}{reverse('activities:need_edit', args=[other_need.pk])}").status == 404
    assert no_link_is_dead(page) >= 3
    fits_and_passes_axe(page, width)

    page.goto(f"{live_server.url}{reverse('activities:resources')}")
    expect(page.get_by_role("row", name="南の移動販売")).to_be_visible()
    expect(page.get_by_role("row", name="南の移動販売").get_by_role("link")).to_have_count(0)
    expect(page.get_by_role("row", name="中央ふれあいサロン").get_by_role("link", name="中央ふれあいサロン")).to_be_visible()
    edit_links = page.eval_on_selector_all("a[href*='/resources/']", "links => links.map(a => a.getAttribute('href'))")
    assert reverse("activities:resource_edit", args=[other_resource.pk]) not in edit_links
    assert no_link_is_dead(page) >= 3
    fits_and_passes_axe(page, width)
    assert console_errors == []


# --- 2. The meeting form --------------------------------------------------------------------------

@WIDTHS
def test_the_public_checkbox_has_its_own_label_and_a_public_meeting_needs_no_seat_count(
        page: Page, live_server, council, secretary, console_errors, width, height):
    name_city()
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server.url, "secretary")
    page.goto(f"{live_server.url}{reverse('councils:detail', args=[council.pk])}")
    page.get_by_role("link", name="会議を登録する").click()

    public = page.get_by_label("公開する", exact=True)
    assert public.evaluate("e => e.type") == "checkbox"
    expect(public).to_be_checked()
    reason = page.get_by_label("非公開の理由", exact=True)
    assert reason.evaluate("e => e.tagName + ':' + e.type") == "INPUT:text"
    # What stands beside the checkbox is its own label; 「非公開の理由」 opens a line of its own below.
    box = public.bounding_box()
    own_label = page.locator("label[for='id_is_public']").bounding_box()
    reason_label = page.locator("label[for='id_closed_reason']").bounding_box()
    assert own_label["x"] >= box["x"] + box["width"] and own_label["y"] < box["y"] + box["height"]
    assert reason_label["y"] >= box["y"] + box["height"]
    seats = page.get_by_label("傍聴席の数")
    expect(seats).to_have_value("")
    fits_and_passes_axe(page, width)

    day = timezone.localdate() + dt.timedelta(days=14)
    page.get_by_label("会議名").fill("令和8年度 第4回 第1層協議体")
    page.get_by_label("開催日").fill(day.isoformat())
    page.get_by_label("開始時刻").fill("14:00")
    page.get_by_label("終了時刻").fill("16:00")
    page.get_by_label("場所").fill("汐見市役所 本庁舎4階 会議室1")
    page.get_by_label("議題1", exact=True).fill("移動・買い物支援について")
    page.get_by_role("button", name="登録して構成員を招集する").click()
    expect(page.get_by_role("status")).to_be_visible()
    meeting = Meeting.objects.get()
    assert meeting.is_public and meeting.public_seats is None
    assert page.url.endswith(reverse("councils:meeting", args=[meeting.pk]))
    expect(page.get_by_text("傍聴席")).to_have_count(0)
    expect(page.locator(".lead")).to_contain_text("公開")
    fits_and_passes_axe(page, width)

    page.goto(f"{live_server.url}{reverse('meetings:public', args=[meeting.pk])}")
    expect(page.locator("dt:text-is('公開') + dd")).to_have_text("公開")
    expect(page.get_by_text("0席")).to_have_count(0)
    fits(page)
    assert console_errors == []


# --- 5. Activities of a submitted month -----------------------------------------------------------

@WIDTHS
def test_a_submitted_month_offers_no_edit_link_and_an_open_month_does(
        page: Page, live_server, org_a, console_errors, width, height):
    name_city()
    city = UserFactory(username="city", roles=["市職員"], is_staff=True)
    chuo = AreaFactory(code="B2-01", name="汐見中央地区")
    category = ActivityCategoryFactory(function=Function.A)
    coordinator = coordinator_in(org_a, chuo, "coord_a", "松本 さくら", city)
    today = timezone.localdate()
    last_month = month_start(today) - dt.timedelta(days=1)
    for day, narrative in ((last_month, "先月のサロン立上げ相談"), (today, "今月の見守り訪問")):
        activity_services.activity_log(coordinator=coordinator, by=coordinator.user, date=day, minutes=60,
                                       area=chuo, category=category, narrative=narrative)
    activity_services.report_submit(coordinator=coordinator, month=last_month, by=coordinator.user)
    assert MonthlyReport.objects.get(coordinator=coordinator).month == month_start(last_month)

    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server.url, "coord_a")
    page.goto(f"{live_server.url}{reverse('activities:list')}")
    submitted = page.locator(".activity-list .card", has_text="先月のサロン立上げ相談")
    open_month = page.locator(".activity-list .card", has_text="今月の見守り訪問")
    expect(submitted).to_be_visible()
    expect(submitted.get_by_role("link", name="修正する")).to_have_count(0)
    expect(submitted).to_contain_text("月次報告を提出した月のため修正できません")
    expect(open_month.get_by_role("link", name="修正する")).to_be_visible()
    fits_and_passes_axe(page, width)

    # The open month's link leads to the form; the submitted month's page says why, with no form to fill.
    open_month.get_by_role("link", name="修正する").click()
    expect(page.get_by_label("内容")).to_have_value("今月の見守り訪問")
    fits(page)
    locked = Activity.objects.get(narrative="先月のサロン立上げ相談")
    page.goto(f"{live_server.url}{reverse('activities:edit', args=[locked.pk])}")
    expect(page.get_by_text("のため、この月の活動は変更できません")).to_be_visible()
    expect(page.get_by_label("内容")).to_have_count(0)
    fits(page)
    assert console_errors == []


# --- 8. A member whose term starts next month; the secretariat's start page -----------------------

@WIDTHS
def test_a_member_starting_next_month_is_announced_and_listed_and_the_start_page_links_the_councils(
        page: Page, live_server, council, body, secretary, console_errors, width, height):
    name_city()
    CouncilFactory(name="他の事務局の協議体")
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server.url, "secretary")

    # The start page offers the councils this secretariat runs (and only those), not only the admin.
    expect(page.get_by_role("link", name=council.name)).to_be_visible()
    expect(page.get_by_role("link", name="他の事務局の協議体")).to_have_count(0)
    expect(page.get_by_role("link", name="管理サイトを開く")).to_be_visible()
    fits_and_passes_axe(page, width)
    page.get_by_role("link", name=council.name).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(council.name)

    next_month = month_start(month_start(timezone.localdate()) + dt.timedelta(days=32))
    page.get_by_role("link", name="構成員を登録する").click()
    page.get_by_label("氏名", exact=True).fill("来月 始")
    page.get_by_label("選出団体").select_option(label=body.name)
    page.get_by_label("任期の始まり").fill(next_month.isoformat())
    page.get_by_role("button", name="登録する").click()

    expect(page.get_by_role("status")).to_contain_text(
        f"来月 始さんを構成員に登録しました。任期は{format_wareki(next_month)}から始まります。")
    upcoming = page.get_by_role("table", name="これから任期が始まる構成員")
    expect(upcoming.get_by_role("row", name="来月 始")).to_contain_text(f"{format_wareki(next_month)}から")
    # Not counted among today's members.
    expect(page.locator("section#members, section[aria-labelledby='members']").get_by_role(
        "table").first.get_by_text("来月 始")).to_have_count(0)
    fits_and_passes_axe(page, width)
    assert console_errors == []
