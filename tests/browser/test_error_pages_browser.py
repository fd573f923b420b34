"""An error page in a real browser: Japanese, the portal's look, a way back that works, and a
Permissions-Policy Chromium reads without a complaint."""

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import name_city

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_missing_page_leads_back_to_the_login(page: Page, live_server):
    name_city()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    assets: list[tuple[str, int]] = []
    page.on("response", lambda r: assets.append((r.url, r.status)) if "/static/" in r.url else None)
    response = page.goto(f"{live_server.url}/portal/no-such-page/")
    assert response.status == 404
    # The page's own 404 is the one console message: no unknown Permissions-Policy feature.
    assert [m for m in console if "404" not in m] == []
    assert assets and all(status == 200 for _, status in assets), assets  # the portal's CSS and script
    assert "no-store" in response.headers["cache-control"]
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_have_text("ページが見つかりません")
    expect(page.get_by_role("banner")).to_contain_text("汐見市")
    page.get_by_role("link", name="ホームへ戻る").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ログイン")


@pytest.mark.parametrize(("width", "height"), [(375, 740), (1280, 800)], ids=["phone", "desktop"])
def test_the_missing_page_fits_phone_and_desktop_signed_in(page: Page, live_server, width, height):
    from tests.factories import PASSWORD, UserFactory

    name_city()
    UserFactory(username="staff404", roles=["市職員"], is_staff=True)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill("staff404")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    for where, url in (("portal", "/portal/no-such-page/"), ("admin", "/admin/municipality/organisation/999999/change/")):
        assert page.goto(f"{live_server.url}{url}").status == 404
        expect(page.locator("html")).to_have_attribute("lang", "ja")
        expect(page.get_by_role("heading", level=1)).to_have_text("ページが見つかりません")
        # Nothing wider than the screen: no sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.screenshot(path=f"test-results/error-404-{where}-{width}.png", full_page=True)
