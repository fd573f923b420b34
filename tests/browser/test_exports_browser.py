"""The portal lists' downloads in a real browser, on a phone and at desktop width: the links are
visible and each one downloads a file that holds the list."""

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from activities import services
from activities.models import Function
from tests.browser.test_activities_browser import coordinator_for, log_in
from tests.conftest import name_city
from tests.factories import ActivityCategoryFactory, AreaFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 800)], ids=["phone", "desktop"])
def test_the_activity_lists_links_download_what_the_list_shows(page: Page, live_server, org_a, width, height):
    name_city()
    city = UserFactory(username="city", roles=["市職員"], is_staff=True)
    area = AreaFactory(code="B2-01", name="汐見中央地区")
    category = ActivityCategoryFactory(function=Function.A)
    coordinator = coordinator_for(org_a, area, "coord_a", "髙橋 さくら", city)
    services.activity_log(coordinator=coordinator, by=coordinator.user, date=timezone.localdate(), minutes=60,
                          area=area, category=category, participants=3, narrative="山﨑さん宅でサロンの相談",
                          follow_up_on=None)

    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server.url, "coord_a")
    page.goto(f"{live_server.url}/portal/activities/")
    links = {label: page.get_by_role("link", name=label, exact=True)
             for label in ("CSV", "CSV（Excel用 Shift_JIS）", "Excel")}
    for link in links.values():
        expect(link).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=f"test-results/activity-list-exports-{width}.png", full_page=True)

    with page.expect_download() as shift_jis:
        links["CSV（Excel用 Shift_JIS）"].click()
    assert shift_jis.value.suggested_filename == "activities.csv"
    rows = list(csv.reader(io.StringIO(Path(shift_jis.value.path()).read_bytes().decode("cp932"))))
    assert [(row[1], row[7]) for row in rows[1:]] == [("髙橋 さくら", "山﨑さん宅でサロンの相談")]

    with page.expect_download() as utf8:
        links["CSV"].click()
    assert Path(utf8.value.path()).read_bytes().decode("utf-8-sig").splitlines()[0].startswith("活動日,")

    with page.expect_download() as excel:
        links["Excel"].click()
    assert excel.value.suggested_filename == "activities.xlsx"
    sheet = load_workbook(io.BytesIO(Path(excel.value.path()).read_bytes()))["活動記録"]
    assert sheet["A2"].is_date and sheet["A2"].value.date() == timezone.localdate()
    assert isinstance(sheet["A2"].value, dt.datetime)


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 800)], ids=["phone", "desktop"])
def test_the_coordinator_lists_links_download_people_and_contracts(page: Page, live_server, org_a, width, height):
    name_city()
    city = UserFactory(username="city", roles=["市職員"], is_staff=True)
    coordinator_for(org_a, AreaFactory(code="B2-01", name="汐見中央地区"), "coord_a", "山﨑 花子", city)

    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server.url, "coord_a-org")  # the organisation's 受託団体 account
    page.goto(f"{live_server.url}/portal/coordinators/")
    people = page.locator("section#people, section:has(#people)").get_by_role("link", name="CSV（Excel用 Shift_JIS）")
    expect(people).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=f"test-results/coordinator-list-exports-{width}.png", full_page=True)
    with page.expect_download() as download:
        people.click()
    text = Path(download.value.path()).read_bytes().decode("cp932")
    assert "山﨑 花子" in text

    contracts = page.locator("section:has(#contracts)").get_by_role("link", name="Excel", exact=True)
    expect(contracts).to_be_visible()
    with page.expect_download() as download:
        contracts.click()
    assert download.value.suggested_filename == "contracts.xlsx"
    assert load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))["委託契約"].max_row == 2


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 800)], ids=["phone", "desktop"])
def test_the_admins_list_links_download_the_filtered_list(page: Page, live_server, org_a, width, height):
    name_city()
    city = UserFactory(username="city", roles=["市職員"], is_staff=True)
    coordinator_for(org_a, AreaFactory(code="B2-01", name="汐見中央地区"), "coord_a", "山﨑 花子", city)
    coordinator_for(org_a, AreaFactory(code="B2-02", name="汐見南地区"), "coord_b", "髙橋 一郎", city)

    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server.url, "city")
    page.goto(f"{live_server.url}/admin/coordinators/coordinator/?q=髙橋")
    link = page.get_by_role("link", name="CSV（Excel用 Shift_JIS）で書き出す")
    expect(link).to_be_visible()
    page.screenshot(path=f"test-results/admin-coordinators-exports-{width}.png", full_page=True)
    with page.expect_download() as download:
        link.click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_bytes().decode("cp932"))))
    assert [row[0] for row in rows[1:]] == ["髙橋 一郎"]  # the search applies
