"""What a person does in a browser: headless Chromium through Playwright, on a phone and a desktop."""

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import name_city
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


@pytest.fixture
def contractor(org_a):
    name_city()
    return UserFactory(username="contractor_a", name="海野 誠", organisation=org_a, roles=["受託団体"])


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def test_contractor_logs_in_on_a_phone_and_uses_the_menu(page: Page, live_server, contractor, console_errors):
    page.set_viewport_size(PHONE)
    log_in(page, live_server.url, "contractor_a")
    expect(page.get_by_role("heading", level=1)).to_have_text("ようこそ、海野 誠さん")
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    # The menu is folded on a phone and opens from the keyboard.
    menu = page.get_by_role("button", name="メニュー")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("navigation", name="メインメニュー")).to_be_hidden()
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="所属団体", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("社会福祉法人Ａ会")
    page.screenshot(path="test-results/portal-phone.png", full_page=True)

    # Nothing overflows sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert console_errors == []


def test_skip_link_is_the_first_stop_of_the_keyboard(page: Page, live_server, contractor):
    log_in(page, live_server.url, "contractor_a")
    expect(page.get_by_role("heading", level=1)).to_contain_text("ようこそ")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "本文へ移動"


def test_every_form_field_has_a_label(page: Page, live_server, contractor):
    for path in ["/accounts/login/", "/accounts/password_reset/"]:
        page.goto(f"{live_server.url}{path}")
        unlabelled = page.evaluate(
            """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
                   .filter(el => !(el.labels && el.labels.length)).map(el => el.name)"""
        )
        assert unlabelled == [], path


def test_another_organisation_by_url_is_not_found(page: Page, live_server, contractor, org_b):
    log_in(page, live_server.url, "contractor_a")
    response = page.goto(f"{live_server.url}/portal/organisations/{org_b.pk}/")
    assert response.status == 404
    assert org_b.name not in page.content()


def test_city_staff_reach_the_admin_titled_with_the_city(page: Page, live_server, console_errors):
    name_city()
    UserFactory(username="city", roles=["市職員"], is_staff=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#site-name")).to_contain_text("汐見市 地域支え合い・重層的支援 管理システム")
    page.get_by_label("ユーザー名").fill("city")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("link", name="区域", exact=True)).to_be_visible()
    page.get_by_role("link", name="区域", exact=True).click()
    page.get_by_role("link", name="区域 を追加").click()
    page.screenshot(path="test-results/admin-area-add.png", full_page=True)
    # The admin runs under the same Content-Security-Policy: no blocked script or style.
    assert [e for e in console_errors if "Content Security Policy" in e] == []
