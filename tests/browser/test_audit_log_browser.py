"""The 監査 role reads the audit log in a browser (issue 16, problem 3): the list and an entry in
Japanese, no horizontal scrolling at desktop width, axe without serious or critical violations, at
phone and desktop width. The demo data is the world: it has changes, reads and disclosures."""

from __future__ import annotations

import io
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import Page

from municipality.demo import demo_password
from tests.browser.test_accessibility_browser import violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(db):
    call_command("load_demo_data", stdout=io.StringIO())


def scrolls_sideways(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 800)], ids=["phone", "desktop"])
def test_the_auditor_reads_the_log_and_an_entry(page: Page, live_server, demo, width, height):
    axe = Axe()
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill("auditor")
    page.get_by_label("パスワード").fill(demo_password("auditor"))
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/admin/auditlog/logentry/")
    table = page.locator("#result_list")
    for heading in ("日時", "操作", "対象", "誰が", "内容"):
        assert table.locator("thead").get_by_text(heading, exact=True).count() == 1
    text = table.inner_text()
    assert re.search(r"令和\d+年\d+月\d+日 \d{2}:\d{2}:\d{2}", text)
    assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d", text) and ".None" not in text
    found = [v for v in violations(page, axe) if "(serious)" in v or "(critical)" in v]
    # The reads and disclosures, by the 操作 filter (the newest page holds whatever the demo wrote last).
    page.goto(f"{live_server.url}/admin/auditlog/logentry/?action=3")
    text = table.inner_text()
    assert "閲覧した項目" in text or "提供した項目" in text
    if width > 1000:
        assert not scrolls_sideways(page), "the list scrolls sideways at desktop width"
    page.locator("#result_list tbody tr").first.locator("th a, td a").first.click()
    page.wait_for_load_state()
    body = page.locator("#content").inner_text()
    assert "操作" in body and "誰が" in body and "記録そのもの（JSON）" in body
    page.get_by_text("記録そのもの（JSON）").click()  # open the stored entry
    assert page.get_by_text("要求ID").is_visible()
    found += [v for v in violations(page, axe) if "(serious)" in v or "(critical)" in v]
    if width > 1000:
        assert not scrolls_sideways(page), "the entry scrolls sideways at desktop width"
    assert found == [], "\n".join(found)
