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
