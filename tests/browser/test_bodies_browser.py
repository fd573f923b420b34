"""The secretariat of the coordinators' 定例会 creates a meeting and invites every coordinator of both
layers in one click, at phone (390 px) and desktop (1366 px) width: no sideways scrolling, nothing
serious or critical for axe, no console error; the 定例会 is held and its minutes go from the draft
through the attendees' confirmation and approval to publication; then a coordinator finds the meeting
on their page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from councils.models import Body, BodyKind, Meeting, MinutesConfirmation
from tests.browser.test_daily_screens_browser import coordinator_in, fits_and_passes_axe, log_in
from tests.conftest import name_city
from tests.factories import AreaFactory, OrganisationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 768)], ids=["phone", "desktop"])
def test_the_secretariat_creates_a_regular_meeting_and_invites_all_coordinators(
        page: Page, live_server, width, height, console_errors):
    name_city("汐見市")
    city = UserFactory(username="city-b", roles=["市職員"], is_staff=True)
    secretary = UserFactory(username="teireikai-b", name="佐藤 健一", roles=["協議体事務局"], is_staff=True)
    organisation = OrganisationFactory(name="社会福祉法人 汐見市社会福祉協議会")
    first = coordinator_in(organisation, AreaFactory(code="BR-1", name="汐見中央地区"), "suishin-1", "松本 さくら", city)
    second = coordinator_in(organisation, AreaFactory(code="BR-2", name="汐見南地区"), "suishin-2", "井上 大輔", city)
    body = Body.objects.create(kind=BodyKind.COORDINATORS, name="汐見市地域支え合い推進員定例会",
                               organiser=OrganisationFactory(name="汐見市福祉部高齢福祉介護課"))
    body.secretariat.add(secretary)
    day = timezone.localdate() + dt.timedelta(days=10)

    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server.url, "teireikai-b")
    page.goto(f"{live_server.url}/portal/councils/")
    fits_and_passes_axe(page, width)
    page.get_by_role("link", name=body.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(body.name)
    fits_and_passes_axe(page, width)
    page.get_by_role("link", name="会議を登録する").click()
    page.get_by_label("会議名").fill("令和8年度 第9回 推進員定例会")
    page.get_by_label("開催日").fill(day.isoformat())
    page.get_by_label("開始時刻").fill("10:00")
    page.get_by_label("終了時刻").fill("12:00")
    page.get_by_label("場所").fill("汐見市役所 本庁舎3階 第2会議室")
    page.get_by_label("議題1", exact=True).fill("各地区の活動報告")
    page.get_by_label("議題1の第12条の事項").select_option("1")
    fits_and_passes_axe(page, width)
    page.get_by_role("button", name="登録する").click()
    expect(page.get_by_role("status")).to_contain_text("会議を登録しました")
    expect(page.get_by_text("定例会・連絡会議：")).to_be_visible()
    page.get_by_role("button", name="を全員招集する（第1層・第2層）").click()
    expect(page.get_by_role("status")).to_contain_text("2人を招集者に加えました")
    expect(page.get_by_role("rowheader", name=first.name)).to_be_visible()
    expect(page.get_by_role("rowheader", name=second.name)).to_be_visible()
    fits_and_passes_axe(page, width)
    meeting = Meeting.objects.get(title="令和8年度 第9回 推進員定例会")
    assert meeting.body == body and meeting.invitations.count() == 2

    # The 定例会 is held (moved to today), and its minutes go the whole way: attendance, text, the
    # attendees' confirmation by their link (no login), the secretariat's approval, publication.
    Meeting.objects.filter(pk=meeting.pk).update(date=timezone.localdate())
    page.reload()
    page.get_by_label(f"{first.name}さんが出席").check()
    page.get_by_label(f"{second.name}さんが出席").check()
    page.get_by_role("button", name="出席を記録する").click()
    expect(page.get_by_role("status")).to_contain_text("出席を記録しました")
    page.get_by_role("textbox", name="議事録", exact=True).fill("各地区の活動を報告し合った。")
    page.get_by_label("決定事項").fill("買い物支援の課題を第1層協議体に報告する。")
    page.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("status")).to_contain_text("議事録を保存しました")
    page.get_by_label("確認の期限").fill((timezone.localdate() + dt.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="出席者に確認を依頼する").click()
    expect(page.get_by_role("status")).to_contain_text("議事録（案）の確認を")
    fits_and_passes_axe(page, width)
    token = MinutesConfirmation.objects.get(invitation__meeting=meeting, invitation__person__user=first.user).token
    attendee = page.context.browser.new_page(viewport={"width": width, "height": height})
    attendee.goto(f"{live_server.url}/meetings/minutes/{token}/")
    expect(attendee.get_by_text("各地区の活動を報告し合った。")).to_be_visible()
    fits_and_passes_axe(attendee, width)
    attendee.get_by_role("button", name="回答する").click()
    expect(attendee.get_by_role("status")).to_contain_text("「確認しました」で受け付けました")
    attendee.close()
    page.reload()
    page.get_by_label("事務局の承認").check()
    page.get_by_role("button", name="承認してPDFを発行する").click()
    expect(page.get_by_role("status")).to_contain_text("議事録 第1版を承認し、PDFを発行しました")
    page.get_by_role("button", name="公表する").click()
    expect(page.get_by_role("status")).to_contain_text("議事録を公表しました")
    fits_and_passes_axe(page, width)
    public = page.context.browser.new_page(viewport={"width": width, "height": height})
    public.goto(f"{live_server.url}/meetings/{meeting.pk}/")
    expect(public.get_by_text("買い物支援の課題を第1層協議体に報告する。")).to_be_visible()
    expect(public.get_by_role("link", name="議事録 第1版（PDF）")).to_be_visible()
    fits_and_passes_axe(public, width)
    public.close()

    # The coordinator sees it on their own page's attendance history.
    page.context.clear_cookies()
    log_in(page, live_server.url, "suishin-1")
    page.goto(f"{live_server.url}/portal/coordinators/{first.pk}/")
    page.get_by_role("link", name="定例会・連絡会議、地域ケア会議などへの出席の記録を見る").click()
    expect(page.get_by_role("rowheader", name="令和8年度 第9回 推進員定例会")).to_be_visible()
    expect(page.get_by_role("cell", name="定例会・連絡会議：汐見市地域支え合い推進員定例会")).to_be_visible()
    fits_and_passes_axe(page, width)
    assert console_errors == []
