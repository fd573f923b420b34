"""A 選任届 from a phone to a certificate: the organisation files, the city accepts and issues."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from coordinators.models import Certificate
from tests.conftest import name_city
from tests.factories import PASSWORD, AreaFactory, ContractFactory, UserFactory
from tests.lifecycle import jpeg_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def test_from_notice_to_certificate(page: Page, live_server, org_a, org_b, tmp_path):
    name_city()
    today = timezone.localdate()
    area = AreaFactory(code="B2-01", name="汐見中央地区")
    ContractFactory(organisation=org_a, areas=[area], start=today - dt.timedelta(days=30),
                    end=today + dt.timedelta(days=300))
    UserFactory(username="contractor_a", name="海野 誠", organisation=org_a, roles=["受託団体"])
    UserFactory(username="city", roles=["市職員"], is_staff=True)
    UserFactory(username="contractor_b", organisation=org_b, roles=["受託団体"])
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_bytes((900, 1200)))

    # The organisation files a 選任届 on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, f"{live_server.url}/accounts/login/", "contractor_a")
    page.get_by_role("link", name="選任届を出す").click()
    page.get_by_label("委託契約").select_option(index=1)
    page.get_by_label("汐見中央地区").check()
    page.get_by_label("職名").fill("主任")
    page.get_by_label("氏名", exact=True).fill("新井 花子")
    page.get_by_label("氏名（ふりがな）").fill("あらい はなこ")
    page.get_by_label("生年月日").fill("1985-05-05")
    page.get_by_label("写真（縦3.0cm×横2.4cm の証明写真）").set_input_files(str(photo))
    page.get_by_label("選任年月日").fill(today.isoformat())
    page.get_by_label("選任事由").fill("前任者の退職に伴い選任したため。")
    page.screenshot(path="test-results/appointment-notice-phone.png", full_page=True)
    page.get_by_role("button", name="選任届を提出する").click()
    expect(page.get_by_role("status")).to_contain_text("選任届を提出しました")
    expect(page.get_by_text("提出済（受理待ち）")).to_be_visible()
    detail_url = page.url

    # The city accepts it and issues the certificate in the admin.
    city = page.context.browser.new_page(viewport={"width": 1280, "height": 900})
    log_in(city, f"{live_server.url}/admin/login/", "city")
    city.goto(f"{live_server.url}/admin/coordinators/appointmentnotice/waiting/")
    expect(city.get_by_text("受理待ちの選任届（1件）")).to_be_visible()
    city.goto(f"{live_server.url}/admin/coordinators/appointmentnotice/")
    city.locator("input[name=_selected_action]").first.check()
    city.locator("select[name=action]").select_option("accept")
    city.get_by_role("button", name="実行").click()
    expect(city.get_by_text("1件を受理しました")).to_be_visible()
    city.goto(f"{live_server.url}/admin/coordinators/appointment/")
    city.locator("input[name=_selected_action]").first.check()
    city.locator("select[name=action]").select_option("issue_certificate")
    city.get_by_role("button", name="実行").click()
    city.get_by_role("button", name="交付する").click()  # after the confirmation page
    expect(city.get_by_text("1件を交付しました")).to_be_visible()
    number = Certificate.objects.get().number

    # Back on the phone: the certificate is there and downloads as the issued PDF.
    page.goto(detail_url)
    expect(page.get_by_role("cell", name=number, exact=True)).to_be_visible()
    card_href = page.get_by_role("link", name="カード").get_attribute("href")
    response = page.request.get(f"{live_server.url}{card_href}")
    assert response.headers["content-type"] == "application/pdf"
    assert response.body() == bytes(Certificate.objects.get().document.pdf)
    page.screenshot(path="test-results/coordinator-detail-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Another organisation cannot open it by URL.
    other = page.context.browser.new_page()
    log_in(other, f"{live_server.url}/accounts/login/", "contractor_b")
    assert other.goto(detail_url).status == 404
    assert other.request.get(f"{live_server.url}{card_href}").status == 404
