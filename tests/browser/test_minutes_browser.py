"""A meeting from its creation to published minutes, at phone and desktop width, with axe on each
page: create, invite (the notice by mail), record attendance, write the minutes, send them to the
attendees for confirmation, an attendee confirms by the link (no login), approve, publish, and the
public page shows them with the issued PDF."""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

from councils import services
from councils.models import Meeting, MinutesConfirmation
from tests.browser.test_accessibility_browser import violations
from tests.conftest import name_city
from tests.council_fixtures import people
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


def fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1366"])
def test_a_meeting_from_creation_to_published_minutes(page: Page, live_server, settings, council, body, secretary,
                                                      viewport):
    settings.SITE_URL = live_server.url
    name_city()
    members = people(2)
    for i, person in enumerate(members):
        person.email = f"member{i}@example.jp"
        person.save()
        services.membership_add(council=council, person=person, organisation=body,
                                start=dt.date(2025, 4, 1), by=secretary)
    axe, found = Axe(), []
    page.set_viewport_size(viewport)

    def check(where: Page) -> None:
        found.extend(violations(where, axe))
        assert fits(where), where.url

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill("secretary")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.goto(f"{live_server.url}/portal/councils/{council.pk}/")
    page.get_by_role("link", name="会議を登録する").click()
    check(page)
    page.get_by_label("会議名").fill("令和8年度 第4回 第1層協議体")
    page.get_by_label("開催日").fill((timezone.localdate() + dt.timedelta(days=7)).isoformat())
    page.get_by_label("開始時刻").fill("14:00")
    page.get_by_label("終了時刻").fill("16:00")
    page.get_by_label("場所").fill("汐見市役所 本庁舎4階 会議室1")
    page.get_by_label("出欠の連絡先（電話）").fill("0467-82-1111")
    page.get_by_label("議題1", exact=True).fill("見守り活動の連携について")
    page.get_by_role("button", name="登録して構成員を招集する").click()
    expect(page.get_by_role("status")).to_contain_text("構成員 2人を招集者にしました")
    page.get_by_role("button", name="開催通知をメールで送る").click()
    expect(page.get_by_role("status")).to_contain_text("2人あての開催通知メールを送信します")

    # The meeting has been held.
    meeting = Meeting.objects.get()
    Meeting.objects.filter(pk=meeting.pk).update(date=timezone.localdate())
    page.reload()
    page.get_by_label(f"{members[0].name}さんが出席").check()
    page.get_by_label(f"{members[1].name}さんが出席").check()
    page.get_by_role("button", name="出席を記録する").click()
    expect(page.get_by_role("status")).to_contain_text("出席を記録しました")
    page.get_by_role("textbox", name="議事録", exact=True).fill("見守り活動の連携について意見交換を行った。")
    page.get_by_label("決定事項").fill("連絡票を各地区で試行する。")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("status")).to_contain_text("議事録を保存しました")
    page.get_by_label("確認の期限").fill((timezone.localdate() + dt.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="出席者に確認を依頼する").click()
    expect(page.get_by_role("status")).to_contain_text("出席者 2人にメールで依頼しました")
    check(page)

    # An attendee opens the link of their mail (no login) and confirms.
    token = MinutesConfirmation.objects.filter(invitation__person=members[0]).get().token
    attendee = page.context.browser.new_page(viewport=viewport)
    attendee.goto(f"{live_server.url}/meetings/minutes/{token}/")
    expect(attendee.get_by_text("見守り活動の連携について意見交換を行った。")).to_be_visible()
    check(attendee)
    attendee.get_by_role("button", name="回答する").click()
    expect(attendee.get_by_role("status")).to_contain_text("「確認しました」で受け付けました")

    # The secretariat sees the answer, approves (no chair yet: the secretariat's approval) and publishes.
    page.reload()
    expect(page.get_by_role("cell", name="確認した（訂正なし）")).to_be_visible()
    page.get_by_label("事務局の承認").check()
    page.get_by_role("button", name="承認してPDFを発行する").click()
    expect(page.get_by_role("status")).to_contain_text("議事録 第1版を承認し、PDFを発行しました")
    page.get_by_role("button", name="公表する").click()
    expect(page.get_by_role("status")).to_contain_text("議事録を公表しました")
    check(page)

    public = page.context.browser.new_page(viewport=viewport)
    public.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    expect(public.get_by_text("連絡票を各地区で試行する。")).to_be_visible()
    expect(public.get_by_role("link", name="議事録 第1版（PDF）")).to_be_visible()
    check(public)
    response = public.request.get(f"{live_server.url}/meetings/{meeting.pk}/minutes/v1.pdf")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert found == []
