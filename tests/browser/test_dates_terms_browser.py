"""Issue 16, problem 7 in a browser: an admin list and a portal page show 和暦 and the city's own term,
at phone (390 px) and desktop (1366 px) width."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from coordinators import services
from municipality.models import CoordinatorTerm, Municipality
from tests.conftest import name_city
from tests.factories import PASSWORD
from tests.reading import WESTERN_DATE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [(390, 844), (1366, 900)]


def log_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()


@pytest.fixture
def issued(accepted, city_user):
    name_city()
    Municipality.objects.filter(pk=Municipality.SINGLETON_PK).update(coordinator_term=CoordinatorTerm.SASAEAI)
    return services.certificate_issue(appointment=accepted, issued_by=city_user, issued_on=dt.date(2026, 5, 7))


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_the_admin_certificate_list_reads_wareki_and_the_term(page: Page, live_server, issued, city_user,
                                                              width, height):
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, f"{live_server.url}/admin/login/", city_user.username)
    page.goto(f"{live_server.url}/admin/coordinators/certificate/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("地域支え合い推進員証")
    body = page.locator("body").inner_text()
    assert "令和8年5月7日" in body and "令和9年3月31日" in body  # issued on, valid until (the contract's end)
    assert "令和8-001" in body
    assert "コーディネーター" not in body and not WESTERN_DATE.search(body)
    page.screenshot(path=f"test-results/admin-certificates-wareki-{width}.png", full_page=True)


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_the_portal_coordinator_list_reads_wareki_and_the_term(page: Page, live_server, issued, contractor_a,
                                                               width, height):
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, f"{live_server.url}/accounts/login/", contractor_a.username)
    page.goto(f"{live_server.url}/portal/coordinators/")
    expect(page.get_by_role("heading", level=1)).to_have_text("地域支え合い推進員")
    body = page.locator("body").inner_text()
    assert "証番号 令和8-001" in body and "令和9年3月31日まで" in body
    assert "コーディネーター" not in body and not WESTERN_DATE.search(body)
    # The 選任届's date boxes: the browser's picker in Japanese, an ISO value.
    page.goto(f"{live_server.url}/portal/coordinators/notices/appointment/new/")
    boxes = page.locator("input[type=date]")
    assert boxes.count() >= 2
    for index in range(boxes.count()):
        expect(boxes.nth(index)).to_have_attribute("lang", "ja")
    page.screenshot(path=f"test-results/portal-coordinators-wareki-{width}.png", full_page=True)
