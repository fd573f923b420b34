"""現地での記録 in Chromium at 390 px (issue 18): record with no signal, keep it across a reload and a
browser restart, send once when back online.

The browser keeps its profile in a folder of the test (a persistent context), so that closing it and
starting it again is a phone's browser restarted: the service worker, its cache and the IndexedDB
store must survive that, and the entries must reach the server exactly once.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, Playwright, Route, expect

from activities import services as activity_services
from activities.models import Activity, Function, MonthlyReport, month_start
from tests.browser.test_daily_screens_browser import coordinator_in, fits_and_passes_axe, log_in
from tests.conftest import name_city
from tests.factories import PASSWORD, ActivityCategoryFactory, AreaFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FIELD = "/portal/activities/field/"
CATEGORY = "(9)項目B ネットワーク構築の活動"
ARGS = ["--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-sandbox", "--no-first-run"]


def phone(playwright: Playwright, profile: Path) -> BrowserContext:
    return playwright.chromium.launch_persistent_context(
        str(profile), executable_path="/usr/bin/chromium", args=ARGS, headless=True,
        viewport={"width": 390, "height": 844}, locale="ja-JP", timezone_id="Asia/Tokyo",
    )


@pytest.fixture
def world(db):
    name_city()
    city = UserFactory(username="city", roles=["市職員"], is_staff=True)
    area = AreaFactory(code="F2-01", name="汐見中央地区")
    ActivityCategoryFactory(function=Function.B, code="(9)項目B", label="ネットワーク構築の活動")
    coordinator = coordinator_in(OrganisationFactory(name="汐見社会福祉協議会"), area, "coord_f", "松本 さくら", city)
    return {"coordinator": coordinator, "area": area}


def until(page: Page, expression: str, seconds: float = 15) -> None:
    """Wait for a condition in the page, polled from here: Playwright's wait_for_function may build
    its predicate with eval, which the site's CSP (script-src 'self') refuses."""
    deadline = time.monotonic() + seconds
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"not true after {seconds} s: {expression}"
        time.sleep(0.1)


def open_field_online(page: Page, base: str) -> None:
    """Signed in, with signal: the page keeps its shell and this user's lists on the phone."""
    log_in(page, base, "coord_f")
    page.goto(base + FIELD)
    expect(page.locator("body[data-ready='true']")).to_be_attached()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    until(page, "navigator.serviceWorker.controller !== null")
    expect(page.locator("#field-form-activity").get_by_label("活動の項目")).to_be_enabled()


def record(page: Page, narrative: str, date: str | None = None) -> None:
    form = page.locator("#field-form-activity")
    before = page.locator("#field-waiting li").count()
    if date:
        form.get_by_label("活動日").fill(date)
    form.get_by_label("活動の項目").select_option(label=CATEGORY)
    form.get_by_label("内容").fill(narrative)
    form.get_by_role("button", name="端末に保存する").click()
    expect(page.get_by_role("status")).to_have_text("保存しました（未送信）")
    expect(page.locator("#field-waiting li")).to_have_count(before + 1)


def waiting(page: Page) -> list[str]:
    return page.locator("#field-waiting li").all_inner_texts()


def send_after_signing_in_again(page: Page, base: str) -> None:
    """Online again: after a browser restart the session is gone; the page asks to sign in and sends."""
    page.goto(base + FIELD)
    expect(page.locator("body[data-ready='true']")).to_be_attached()
    if page.get_by_role("link", name="ログインして送信する").is_visible():
        page.get_by_role("link", name="ログインして送信する").click()
        page.get_by_label("ユーザー名").fill("coord_f")
        page.get_by_label("パスワード").fill(PASSWORD)
        page.get_by_role("button", name="ログイン").click()
        page.wait_for_url(f"**{FIELD}")
    expect(page.get_by_role("status")).to_contain_text("件を送信しました", timeout=15000)


def test_three_activities_recorded_offline_reach_the_server_once(playwright: Playwright, live_server, world,
                                                                   tmp_path, capsys):
    base = live_server.url
    context = phone(playwright, tmp_path / "profile")
    page = context.new_page()
    open_field_online(page, base)
    fits_and_passes_axe(page, 390)
    # Installable as Chromium judges it: the manifest (fetched with the session) read without error.
    cdp = context.new_cdp_session(page)
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == [] and "汐見市" in manifest["data"], manifest
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    cdp.detach()

    # No signal: the page reloads from the phone, and two activities are saved there.
    context.set_offline(True)
    page.reload()
    expect(page.get_by_text("電波がありません。")).to_be_visible()
    record(page, "サロンで見守りの相談を受けた（1件目）")
    record(page, "公民館で体操教室の打合せ（2件目）")
    page.reload()
    expect(page.locator("#field-waiting li")).to_have_count(2)
    assert all("未送信" in w for w in waiting(page))
    page.screenshot(path="test-results/field-offline-phone.png", full_page=True)
    fits_and_passes_axe(page, 390)
    assert not Activity.objects.exists()

    # The phone's browser is closed and started again, still without signal: the page opens from the
    # phone, and the time from opening it to the third entry saved is measured.
    context.close()
    context = phone(playwright, tmp_path / "profile")
    context.set_offline(True)
    page = context.pages[0] if context.pages else context.new_page()
    started = time.perf_counter()
    page.goto(base + FIELD)
    expect(page.locator("#field-form-activity").get_by_label("活動の項目")).to_be_enabled()
    expect(page.locator("#field-waiting li")).to_have_count(2)
    record(page, "戸別訪問で買い物の困りごとを聞いた（3件目）")
    seconds = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n現地での記録: opening the installed page offline to 「保存しました（未送信）」: {seconds:.2f} s")
    assert seconds < 3, seconds
    assert len(waiting(page)) == 3
    # The date is the day it was recorded on the phone.
    assert page.locator("#field-form-activity").get_by_label("活動日").input_value() == timezone.localdate().isoformat()

    # Signal again: exactly three activities on the server, none left on the phone.
    context.set_offline(False)
    send_after_signing_in_again(page, base)
    expect(page.locator("#field-waiting li")).to_have_count(0)
    assert sorted(Activity.objects.values_list("narrative", flat=True)) == sorted([
        "サロンで見守りの相談を受けた（1件目）", "公民館で体操教室の打合せ（2件目）", "戸別訪問で買い物の困りごとを聞いた（3件目）"])
    assert Activity.objects.filter(client_key__isnull=False).count() == 3
    context.close()


def test_a_lost_answer_is_sent_again_and_still_makes_three(playwright: Playwright, live_server, world, tmp_path):
    base = live_server.url
    context = phone(playwright, tmp_path / "profile")
    page = context.new_page()
    open_field_online(page, base)
    context.set_offline(True)
    for n in (1, 2, 3):
        record(page, f"応答が失われる送信の記録（{n}件目）")

    # The first sending reaches the server, but its answer never comes back to the phone.
    dropped: list[str] = []

    def lose_first_answer(route: Route) -> None:
        if not dropped:
            route.fetch()  # the server stores the entry ...
            dropped.append(route.request.post_data or "")
            route.abort("connectionreset")  # ... and the phone never hears of it
        else:
            route.continue_()

    context.route(f"**{FIELD}send/", lose_first_answer)
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.get_by_role("status")).to_contain_text("電波が切れたため", timeout=15000)
    assert dropped and Activity.objects.count() == 1
    assert len(waiting(page)) == 3  # the first one too: the phone does not know it arrived

    page.get_by_role("button", name="今すぐ送信する").click()
    expect(page.get_by_role("status")).to_have_text("3件を送信しました。", timeout=15000)
    assert Activity.objects.count() == 3
    expect(page.locator("#field-waiting li")).to_have_count(0)
    context.close()


def test_an_entry_the_server_refuses_stays_with_its_reason_until_corrected(playwright: Playwright, live_server,
                                                                         world, tmp_path):
    base = live_server.url
    context = phone(playwright, tmp_path / "profile")
    page = context.new_page()
    open_field_online(page, base)
    context.set_offline(True)
    last_month = month_start(month_start(timezone.localdate()) - dt.timedelta(days=1))
    record(page, "先月分の記録（提出済みの月）", date=last_month.replace(day=10).isoformat())
    record(page, "今月の記録")
    # Meanwhile the month of the first entry is submitted (from another device).
    coordinator = world["coordinator"]
    activity_services.report_submit(coordinator=coordinator, month=last_month, by=coordinator.user)
    assert MonthlyReport.objects.filter(month=last_month).exists()

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.get_by_role("status")).to_contain_text("1件を送信しました。1件は送信できませんでした。", timeout=15000)
    refused = page.locator("#field-waiting li[data-state='refused']")
    expect(refused).to_contain_text("送信できませんでした")
    expect(refused).to_contain_text("の月次報告は「提出済（団体の確認待ち）」のため、この月の活動は記録・変更できません。")
    page.reload()  # it stays on the phone, with its reason
    expect(refused).to_have_count(1)
    page.screenshot(path="test-results/field-refused-phone.png", full_page=True)
    fits_and_passes_axe(page, 390)

    # Corrected to today and sent again: stored; nothing silently dropped at any point.
    refused.get_by_role("button", name="直す").click()
    form = page.locator("#field-form-activity")
    expect(form.get_by_label("内容")).to_have_value("先月分の記録（提出済みの月）")
    form.get_by_label("活動日").fill(timezone.localdate().isoformat())
    form.get_by_role("button", name="端末に保存する").click()
    expect(page.get_by_role("status")).to_contain_text("1件を送信しました。", timeout=15000)
    expect(page.locator("#field-waiting li")).to_have_count(0)
    assert sorted(Activity.objects.values_list("narrative", flat=True)) == ["今月の記録", "先月分の記録（提出済みの月）"]
    context.close()


def test_a_need_and_a_resource_note_are_recorded_offline_too(playwright: Playwright, live_server, world, tmp_path):
    from activities.models import Need, SocialResource

    base = live_server.url
    context = phone(playwright, tmp_path / "profile")
    page = context.new_page()
    open_field_online(page, base)
    context.set_offline(True)
    page.get_by_role("radio", name="地域ニーズ").check()
    need = page.locator("#field-form-need")
    need.get_by_label("ニーズ", exact=True).fill("坂の上の買い物")
    need.get_by_label("把握のきっかけ（誰から）").fill("民生委員")
    need.get_by_role("button", name="端末に保存する").click()
    expect(page.locator("#field-waiting li")).to_have_count(1)
    page.get_by_role("radio", name="社会資源のメモ").check()
    note = page.locator("#field-form-resource")
    note.get_by_label("名称").fill("移動販売 みどり号")
    note.get_by_label("提供主体の種類").select_option(label="民間企業")
    note.get_by_label("提供している内容").fill("週2回の移動販売")
    note.get_by_role("button", name="端末に保存する").click()
    expect(page.locator("#field-waiting li")).to_have_count(2)
    context.set_offline(False)
    page.get_by_role("button", name="今すぐ送信する").click()
    expect(page.get_by_role("status")).to_have_text("2件を送信しました。", timeout=15000)
    assert Need.objects.get().title == "坂の上の買い物"
    assert SocialResource.objects.get().is_public is False
    # On a desk too: no sideways scrolling, nothing serious for axe.
    page.set_viewport_size({"width": 1366, "height": 900})
    page.screenshot(path="test-results/field-desk.png", full_page=True)
    fits_and_passes_axe(page, 1366)
    context.close()


def test_logging_out_empties_the_phone_and_the_worker_never_keeps_a_case_page(playwright: Playwright,
                                                                               live_server, world, tmp_path):
    base = live_server.url
    user = world["coordinator"].user
    user.roles = [*user.roles, "相談支援員"]  # a coordinator who is also a case worker
    user.save()
    context = phone(playwright, tmp_path / "profile")
    page = context.new_page()
    open_field_online(page, base)

    # Case pages and the rest of the portal: not controlled by the worker, nothing of them kept.
    for url in ("/portal/cases/", "/portal/", "/portal/activities/"):
        page.goto(base + url)
        assert page.evaluate("navigator.serviceWorker.controller") is None, url
    kept = page.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys()) {
          for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
        }
        return urls;
    }""")
    assert FIELD in kept and all(u == FIELD or u.startswith("/static/") for u in kept), kept
    assert not any("/cases/" in u for u in kept)

    # An entry waits on the phone; logging out asks first, then leaves nothing of the user behind.
    page.goto(base + FIELD)
    context.set_offline(True)
    record(page, "ログアウト前の記録")
    context.set_offline(False)
    page.route(f"**{FIELD}send/", lambda route: route.abort())  # kept unsent for this test

    # Other small forms of the portal (marking the notices read) leave the phone's store alone.
    from reminders.models import Notice, Reason

    Notice.objects.create(user=user, reason=Reason.choices[0][0], object_key="x", step="1",
                          title="お知らせの例", body="本文")
    page.goto(base + "/portal/notices/")
    page.get_by_role("button", name="すべて既読にする（1件）").click()
    expect(page.get_by_role("status")).to_be_visible()
    until(page, "window.fieldStore !== undefined")
    assert page.evaluate("window.fieldStore.count()") == 1

    page.goto(base + "/portal/activities/")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="メニュー").click()
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_url("**/accounts/login/**")
    assert dialogs and "未送信の記録が1件" in dialogs[0]
    left = page.evaluate("""async () => ({
        databases: (await indexedDB.databases()).map((db) => db.name),
        caches: await caches.keys(),
        workers: (await navigator.serviceWorker.getRegistrations()).length,
    })""")
    assert left == {"databases": [], "caches": [], "workers": 0}, left
    assert not Activity.objects.exists()
    context.close()


def test_another_user_signing_in_on_the_phone_never_sends_the_previous_users_entries(
        playwright: Playwright, live_server, world, tmp_path):
    base = live_server.url
    city = UserFactory(username="city2", roles=["市職員"], is_staff=True)
    coordinator_in(OrganisationFactory(name="汐見南福祉会"), AreaFactory(code="F2-02", name="汐見南地区"),
                   "coord_g", "森 由美子", city)
    context = phone(playwright, tmp_path / "profile")
    page = context.new_page()
    open_field_online(page, base)
    context.set_offline(True)
    record(page, "前の人が保存した記録")

    # The session ends without logging out (the browser closed); another coordinator signs in here.
    context.clear_cookies()
    context.set_offline(False)
    log_in(page, base, "coord_g")
    page.goto(base + FIELD)
    expect(page.get_by_role("status")).to_contain_text("前に使っていた人の未送信の記録1件を、この端末から消去しました。")
    expect(page.locator("#field-waiting li")).to_have_count(0)
    assert page.locator("#field-form-activity").get_by_label("区域", exact=True).input_value() != str(world["area"].pk)
    assert not Activity.objects.exists()
    context.close()
