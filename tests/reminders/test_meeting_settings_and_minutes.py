"""Issue 17: the secretariat is reminded of its own meetings; a meeting may turn its reminders off or
set its own days; minutes not approved (30 days) or not published (45 days) are reminded of."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from councils import reminders as council_reminders
from councils import services as council_services
from councils.demo import minutes_to_state
from councils.models import Meeting
from reminders import scan, services
from reminders.models import Delivery, DeliveryStatus, Notice, Reason
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def at(day: dt.date, hour: int = 10):
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=TOKYO), tick=False)


def planned_meetings(day):
    return {(p.email, p.step) for p in council_reminders.meetings(scan.Scan(day))}


@pytest.fixture
def meeting(council, member, secretary):
    meeting = MeetingFactory(council=council, date=dt.date(2026, 12, 10), title="第3回 協議体会議")
    council_services.meeting_invite_members(meeting=meeting, by=secretary)
    return meeting


def test_the_secretariat_is_reminded_of_its_own_meetings(meeting, secretary):
    assert planned_meetings(dt.date(2026, 12, 3)) == {
        ("member@example.jp", "7日前 2026-12-10"), ("secretary@example.jp", "7日前 2026-12-10")}
    services.scan(dt.date(2026, 12, 3))
    notice = Notice.objects.get(user=secretary, reason=Reason.MEETING)
    assert notice.url == f"/portal/councils/meetings/{meeting.pk}/"
    assert "第3回 協議体会議" in notice.title and "令和8年12月10日" in notice.title
    with at(dt.date(2026, 12, 3)):
        services.send_due()
    assert set(Delivery.objects.filter(reason=Reason.MEETING).values_list("recipient", "status")) == {
        ("member@example.jp", DeliveryStatus.SENT), ("secretary@example.jp", DeliveryStatus.SENT)}
    [own] = [m for m in mail.outbox if m.to == ["secretary@example.jp"] and "開催日が近づいています" in m.subject]
    assert "事務局として" in own.body and "令和8年12月3日現在、あと7日" in own.body


def test_a_meeting_with_reminders_off_is_not_reminded_and_a_queued_reminder_is_cancelled(meeting):
    services.scan(dt.date(2026, 12, 3))
    Meeting.objects.filter(pk=meeting.pk).update(reminders_off=True)
    with at(dt.date(2026, 12, 3)):
        services.send_due()
    assert set(Delivery.objects.filter(reason=Reason.MEETING).values_list("status", flat=True)) == {
        DeliveryStatus.CANCELLED}
    assert planned_meetings(dt.date(2026, 12, 9)) == set()


def test_a_meeting_sets_its_own_days(meeting, council, secretary):
    Meeting.objects.filter(pk=meeting.pk).update(reminder_days="14,3")
    other = MeetingFactory(council=council, date=dt.date(2026, 12, 10), reminder_days="2")
    assert planned_meetings(dt.date(2026, 11, 25)) == set()  # 15 days: before its first step
    assert planned_meetings(dt.date(2026, 11, 26)) == {
        ("member@example.jp", "14日前 2026-12-10"), ("secretary@example.jp", "14日前 2026-12-10")}
    assert ("secretary@example.jp", "3日前 2026-12-10") in planned_meetings(dt.date(2026, 12, 7))
    # The other meeting keeps to its own single step, 2 days before (nothing 7 days before).
    assert not {p for p in council_reminders.meetings(scan.Scan(dt.date(2026, 12, 3)))
                if p.object_key == f"councils.meeting:{other.pk}"}
    steps = {p.step for p in council_reminders.meetings(scan.Scan(dt.date(2026, 12, 8)))
             if p.object_key == f"councils.meeting:{other.pk}"}
    assert steps == {"2日前 2026-12-10"}


def test_meeting_reminders_take_a_fixed_number_of_queries_whatever_the_custom_settings(meeting, council):
    def count():
        with CaptureQueriesContext(connection) as queries:
            council_reminders.meetings(scan.Scan(dt.date(2026, 12, 3)))
        return len(queries)

    baseline = count()
    for n in range(5):
        MeetingFactory(council=council, date=dt.date(2026, 12, 10), reminder_days="5,2")
        MeetingFactory(council=council, date=dt.date(2026, 12, 5 + n))
    # One query per source (invitees, council secretariats, other bodies' secretariats) for the one other setting.
    assert count() == baseline + 3


def test_the_meeting_form_refuses_bad_days():
    from councils.models import parse_reminder_days

    assert parse_reminder_days("7,1") == [7, 1]
    assert parse_reminder_days("1、14") == [14, 1]
    for bad in ("0", "91", "a", "", "1,2,3,4,5,6"):
        with pytest.raises(ValueError):
            parse_reminder_days(bad)


@pytest.fixture
def held(council, member, secretary):
    with at(dt.date(2026, 10, 2)):
        meeting = MeetingFactory(council=council, date=dt.date(2026, 10, 1), title="第2回 協議体会議",
                                 minutes="意見交換を行った。")
        council_services.meeting_invite_members(meeting=meeting, by=secretary)
    return meeting


def overdue(day):
    return {(p.email, p.step.split()[0]) for p in council_reminders.minutes_overdue(scan.Scan(day))}


def test_minutes_not_approved_within_30_days_are_reminded_weekly(held, secretary):
    assert overdue(dt.date(2026, 10, 30)) == set()  # 29 days
    assert overdue(dt.date(2026, 10, 31)) == {("secretary@example.jp", "承認")}
    services.scan(dt.date(2026, 10, 31))
    services.scan(dt.date(2026, 11, 1))  # the same ISO week: nothing new
    assert Delivery.objects.filter(reason=Reason.MINUTES_OVERDUE).count() == 1
    notice = Notice.objects.get(reason=Reason.MINUTES_OVERDUE)
    assert "議事録の承認が済んでいません" in notice.title and notice.url == f"/portal/councils/meetings/{held.pk}/"
    services.scan(dt.date(2026, 11, 2))  # the next week
    assert Delivery.objects.filter(reason=Reason.MINUTES_OVERDUE).count() == 2


def test_approved_but_unpublished_minutes_are_reminded_after_45_days(held, secretary):
    services.scan(dt.date(2026, 11, 9))
    with at(dt.date(2026, 11, 10)):
        minutes_to_state(held, "approved", by=secretary)
        assert services.send_due() >= 0
    # The queued reminder about the approval is cancelled, not sent.
    assert Delivery.objects.get(reason=Reason.MINUTES_OVERDUE).status == DeliveryStatus.CANCELLED
    assert overdue(dt.date(2026, 11, 14)) == set()  # approved, 44 days
    assert overdue(dt.date(2026, 11, 15)) == {("secretary@example.jp", "公表")}
    with at(dt.date(2026, 11, 16)):
        council_services.minutes_publish(meeting=held, by=secretary)
    assert overdue(dt.date(2026, 11, 16)) == set()


def test_minutes_day_counts_are_settings(held, settings):
    settings.MINUTES_APPROVE_DAYS, settings.MINUTES_PUBLISH_DAYS = 14, 21
    assert overdue(dt.date(2026, 10, 15)) == {("secretary@example.jp", "承認")}


def test_an_inactive_secretary_is_not_reminded(held, secretary):
    secretary.is_active = False
    secretary.save()
    assert overdue(dt.date(2026, 10, 31)) == set()
