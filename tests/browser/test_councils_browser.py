"""The secretariat schedules a meeting; invitations reach a real SMTP sink; an invitee answers;
attendance is recorded; the minutes are published."""

import datetime as dt
import re
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone
from playwright.sync_api import Page, expect

from config.celery import app
from councils import services
from councils.models import Invitation, Meeting
from tests.conftest import name_city
from tests.council_fixtures import people
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_meeting_from_schedule_to_published_minutes(page: Page, live_server, settings, council, body, secretary,
                                                     smtp_sink):
    settings.SITE_URL = live_server.url  # links in mails come from the configured site address
    name_city()
    members = people(3)
    for i, person in enumerate(members):
        person.email = f"member{i}@example.jp" if i < 2 else ""
        person.save()
        services.membership_add(council=council, person=person, organisation=body,
                                start=dt.date(2025, 4, 1), by=secretary)
    day = timezone.localdate() + dt.timedelta(days=7)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill("secretary")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="協議体").click()
    page.get_by_role("link", name=council.name).click()
    page.get_by_role("link", name="会議を登録する").click()
    page.get_by_label("会議名").fill("令和8年度 第3回 第1層協議体")
    page.get_by_label("開催日").fill(day.isoformat())
    page.get_by_label("開始時刻").fill("14:00")
    page.get_by_label("終了時刻").fill("16:00")
    page.get_by_label("場所").fill("汐見市役所 本庁舎4階 会議室1")
    page.get_by_label("議題1", exact=True).fill("移動・買い物支援について")
    page.get_by_label("議題1の第12条の事項").select_option("2")
    page.get_by_role("button", name="登録して構成員を招集する").click()
    expect(page.get_by_role("status")).to_contain_text("構成員 3人を招集者にしました")

    # The click queues the mail; a Celery worker sends it once the request's transaction commits.
    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
        page.get_by_role("button", name="開催通知をメールで送る").click()
        expect(page.get_by_role("status")).to_contain_text("2人あての開催通知メールを送信します")
        deadline = time.monotonic() + 30
        while len(smtp_sink.messages) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
    assert sorted(m["To"] for m in smtp_sink.messages) == ["member0@example.jp", "member1@example.jp"]
    page.reload()
    expect(page.get_by_role("cell", name="メール送信済み")).to_have_count(2)
    expect(page.get_by_role("cell", name="郵送")).to_have_count(1)

    # One invitee answers by the link in the mail, without logging in.
    body_text = next(p for p in smtp_sink.messages[0].walk() if p.get_content_type() == "text/plain")
    link = re.search(r"https?://\S+/meetings/rsvp/\S+/", body_text.get_payload(decode=True).decode()).group(0)
    guest = page.context.browser.new_page()
    guest.goto(link)
    guest.get_by_role("button", name="出席します").click()
    expect(guest.get_by_role("status")).to_contain_text("「出席」で受け付けました")
    assert Invitation.objects.filter(response="attending").count() == 1

    # After the meeting: attendance and minutes.
    meeting = Meeting.objects.get()
    Meeting.objects.filter(pk=meeting.pk).update(date=timezone.localdate())
    page.reload()
    page.get_by_label(f"{members[0].name}さんが出席").check()
    page.get_by_label(f"{members[2].name}さんが出席").check()
    page.get_by_role("button", name="出席を記録する").click()
    expect(page.get_by_role("status")).to_contain_text("出席を記録しました")
    assert set(Invitation.objects.filter(attended=True).values_list("person__name", flat=True)) == {
        members[0].name, members[2].name}
    page.get_by_role("textbox", name="議事録", exact=True).fill("移動・買い物支援について意見交換を行った。")
    page.get_by_label("決定事項").fill("部会を設けて調査検討する。")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("status")).to_contain_text("議事録を保存しました")
    page.screenshot(path="test-results/meeting-secretariat.png", full_page=True)
    # Confirmation by the attendees, approval and publication: tests/browser/test_minutes_browser.py.
    public = page.context.browser.new_page()
    public.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    expect(public.get_by_text("部会を設けて調査検討する。")).to_have_count(0)  # not approved, not published
