"""Issue 16 in a real browser: the 選任届 on a phone (photo kept after an error, the busy button, no
sideways scrolling), issuing certificates at desktop width, and the A4 card sheets as downloads."""

import datetime as dt
import re
import subprocess
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from playwright.sync_api import Page, expect

from config.celery import app
from coordinators import services
from coordinators.models import AppointmentNotice, Certificate, Coordinator
from tests.conftest import name_city
from tests.factories import PASSWORD, AreaFactory, ContractFactory, UserFactory
from tests.lifecycle import file_notice, jpeg_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def log_in(page: Page, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def too_wide(page: Page) -> list[str]:
    """What sticks out on the right (for the failure message)."""
    return page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map(e => `${e.tagName}.${e.className}#${e.id} ${Math.round(e.getBoundingClientRect().right)}`)""")


def pdf_text(content: bytes) -> str:
    out = subprocess.run(["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True)
    return re.sub(r"\s+", "", out.stdout.decode())


@pytest.fixture
def setting(org_a):
    name_city()
    today = timezone.localdate()
    area = AreaFactory(code="B2-01", name="汐見中央地区")
    contract = ContractFactory(organisation=org_a, areas=[area], start=today - dt.timedelta(days=30),
                               end=today + dt.timedelta(days=300), title="汐見市地域支え合い推進員配置業務委託（長い名前の契約）")
    UserFactory(username="contractor_a", name="海野 誠", organisation=org_a, roles=["受託団体"])
    city = UserFactory(username="city", roles=["市職員"], is_staff=True)
    return {"contract": contract, "city": city, "today": today}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1366"])
def test_notice_keeps_its_photo_after_an_error_and_shows_it_is_busy(page: Page, live_server, setting, tmp_path,
                                                                    viewport):
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg_bytes((900, 1200)))
    page.set_viewport_size(viewport)
    log_in(page, f"{live_server.url}/accounts/login/", "contractor_a")
    page.get_by_role("link", name="選任届を出す").click()
    assert fits(page), too_wide(page)
    page.get_by_label("委託契約").select_option(index=1)
    page.get_by_label("汐見中央地区").check()
    page.get_by_label("氏名（ふりがな）").fill("あらい はなこ")  # 氏名 forgotten
    page.get_by_label("生年月日").fill("1985-05-05")
    page.get_by_label("写真（縦3.0cm×横2.4cm の証明写真）").set_input_files(str(photo))
    page.get_by_label("選任年月日").fill(setting["today"].isoformat())
    page.get_by_label("選任事由").fill("前任者の退職に伴い選任したため。")

    # Busy: sent into a frame (so that this page stays to be looked at), the form says it is working,
    # its button cannot be pressed, and a second sending is stopped.
    posts = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    page.evaluate("""() => {
        const sink = document.createElement('iframe'); sink.name = 'sink'; document.body.append(sink);
        document.querySelector('form[data-busy]').target = 'sink';
    }""")
    button = page.get_by_role("button", name="選任届を提出する")
    # (The frame shows nothing: the site refuses to be framed; the answer is awaited instead.)
    with page.expect_response(lambda r: r.request.method == "POST"):
        button.click()
        expect(button).to_be_disabled()
        expect(page.locator("form[data-busy]")).to_have_attribute("aria-busy", "true")
        expect(page.locator("form[data-busy] [data-busy-status]")).to_have_text(re.compile("^送信しています"))
        page.evaluate("document.querySelector('form[data-busy]').requestSubmit()")
    page.wait_for_timeout(200)
    assert len(posts) == 1

    # Sent for real: shown again with the error.
    page.evaluate("""() => { const form = document.querySelector('form[data-busy]');
        form.removeAttribute('target'); form.removeAttribute('aria-busy');
        form.querySelectorAll('button').forEach(b => { b.disabled = false; }); }""")
    page.get_by_role("button", name="選任届を提出する").click()

    # Shown again with the error: the photo is still attached, and the page fits the phone.
    expect(page.get_by_text("氏名を入力してください")).to_be_visible()
    expect(page.locator("#kept-photo")).to_contain_text("添付済みの写真：")
    expect(page.locator("#kept-photo")).to_contain_text("（変更する場合は選び直してください）")
    assert page.locator("#kept-photo img").evaluate("img => img.naturalWidth") > 0
    assert fits(page), too_wide(page)
    page.screenshot(path=f"test-results/appointment-notice-error-{viewport['width']}.png", full_page=True)
    page.get_by_label("氏名", exact=True).fill("新井 花子")
    page.get_by_role("button", name="選任届を提出する").click()
    expect(page.get_by_role("status").first).to_contain_text("選任届を提出しました")
    assert AppointmentNotice.objects.count() == 1
    assert Coordinator.objects.get().photo


def accepted_appointments(setting, names):
    contractor = setting["contract"].organisation.users.get()
    return [services.appointment_notice_accept(
        notice=file_notice(setting["contract"], contractor, name=name, appointed_on=setting["today"],
                           filed_on=setting["today"], areas=list(setting["contract"].areas.all())[:1]),
        accepted_by=setting["city"]) for name in names]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_issuing_shows_the_numbers_before_and_links_them_after(page: Page, live_server, setting, viewport):
    accepted_appointments(setting, ["新井 花子", "北川 みどり"])
    page.set_viewport_size(viewport)
    log_in(page, f"{live_server.url}/admin/login/", "city")
    page.goto(f"{live_server.url}/admin/coordinators/appointment/")
    expect(page.get_by_role("columnheader", name="証")).to_be_visible()
    expect(page.get_by_role("cell", name="未交付")).to_have_count(2)
    if viewport is DESKTOP:
        assert fits(page), too_wide(page)  # every column visible without scrolling sideways
    page.screenshot(path=f"test-results/appointments-{viewport['width']}.png", full_page=True)
    page.locator("#action-toggle").check()
    page.locator("select[name=action]").select_option("issue_certificate")
    page.get_by_role("button", name="実行").click()

    first, second = services.certificate_number(timezone.localdate().year if timezone.localdate().month >= 4
                                                else timezone.localdate().year - 1, 1), None
    expect(page.get_by_role("heading", name="コーディネーター証の交付の確認")).to_be_visible()
    expect(page.locator("#issue-preview")).to_contain_text(f"証番号 {first}")
    assert not Certificate.objects.exists()
    assert fits(page), too_wide(page)
    page.get_by_role("button", name="交付する").click()

    expect(page.get_by_text("2件を交付しました")).to_be_visible()
    certificates = list(Certificate.objects.order_by("serial"))
    second = certificates[1].number
    for certificate in certificates:
        link = page.get_by_role("link", name=f"証番号 {certificate.number}").first
        expect(link).to_be_visible()
        assert link.get_attribute("href") == f"/portal/documents/{certificate.document_id}.pdf"
    assert certificates[0].number == first and second
    expect(page.get_by_role("cell", name="未交付")).to_have_count(0)
    response = page.request.get(f"{live_server.url}/portal/documents/{certificates[0].document_id}.pdf")
    assert response.body() == bytes(certificates[0].document.pdf)


def test_card_sheets_download_at_once_or_from_the_background_job(page: Page, live_server, setting, monkeypatch):
    appointments = accepted_appointments(setting, ["新井 花子", "北川 みどり", "南 ひかり"])
    certificates = [services.certificate_issue(appointment=a, issued_by=setting["city"]) for a in appointments]
    page.set_viewport_size(DESKTOP)
    log_in(page, f"{live_server.url}/admin/login/", "city")
    page.goto(f"{live_server.url}/admin/coordinators/certificate/")

    # A few cards: the PDF downloads at once (an attachment, so headless Chromium saves it too).
    page.locator("input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option("print_sheet")
    with page.expect_download() as download:
        page.get_by_role("button", name="実行").click()
    assert download.value.suggested_filename == "form2-certificates-a4.pdf"
    assert "証番号" in pdf_text(Path(download.value.path()).read_bytes())

    # More than the limit: made by a Celery worker, then fetched from the message.
    monkeypatch.setattr(services, "SHEETS_AT_ONCE", 2)
    page.goto(f"{live_server.url}/admin/coordinators/certificate/")
    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
        page.locator("#action-toggle").check()
        page.locator("select[name=action]").select_option("print_sheet")
        page.get_by_role("button", name="実行").click()
        expect(page.get_by_text("3件の証の台紙を作成しています")).to_be_visible()
        ready = page.get_by_role("link", name="ダウンロードする")
        for _ in range(60):
            page.goto(f"{live_server.url}/admin/coordinators/certificate/")
            if ready.count():
                break
            page.wait_for_timeout(500)
    expect(page.get_by_text("コーディネーター証の台紙（3枚）ができました")).to_be_visible()
    with page.expect_download() as download:
        ready.click()
    assert download.value.suggested_filename.startswith("form2-certificates-a4-")
    text = pdf_text(Path(download.value.path()).read_bytes())
    for certificate in certificates:
        assert certificate.coordinator.name.replace(" ", "") in text

    # Someone else (city staff too) gets 404 for the same address.
    url = f"{live_server.url}{ready.get_attribute('href')}"
    UserFactory(username="city2", roles=["市職員"], is_staff=True)
    other = page.context.browser.new_page()
    log_in(other, f"{live_server.url}/admin/login/", "city2")
    assert other.request.get(url).status == 404
