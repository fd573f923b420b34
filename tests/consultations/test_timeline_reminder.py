"""A case whose 支援経過 has gone silent on an active plan: a notice to its assigned staff, once per
silence, naming the case by number only."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from consultations import reminders as case_reminders
from consultations import services
from consultations.models import Timing
from reminders import scan
from reminders import services as reminder_services
from reminders.models import Delivery, Notice, Reason
from tests.factories import AgencyFactory, CaseFactory, ConsentFactory, UserFactory

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")
IN_FORCE = dt.date(2026, 6, 1)


@pytest.fixture
def worker(db):
    return UserFactory(username="silent-worker", email="worker@example.jp", roles=["相談支援員"])


@pytest.fixture
def plan(worker):
    case = CaseFactory(by=worker, received_on=dt.date(2026, 5, 1), person_name="架空 静子")
    center = AgencyFactory()
    ConsentFactory(case=case, agencies=[center], given_on=dt.date(2026, 5, 2))
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=TOKYO), tick=False):
        plan = services.plan_draft(case=case, goals="見守り", policy="訪問", contents="月2回訪問",
                                   monitoring_on=dt.date(2026, 12, 1), by=worker)
        services.conference_hold(case=case, timing=Timing.CREATION, held_on=IN_FORCE, plan=plan, attendees=[worker],
                                 by=worker)
    return plan


def contact(plan, by, day):
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, 18, tzinfo=TOKYO), tick=False):
        services.timeline_entry_add(case=plan.case, contact_at=dt.datetime(day.year, day.month, day.day, 10,
                                                                           tzinfo=TOKYO),
                                    method="visit", with_whom="本人", content="訪問", by=by)


def test_silence_counts_from_the_plan_coming_into_force_and_reaches_staff_as_a_notice(plan, worker, settings):
    settings.CASE_SILENT_DAYS = 30
    assert case_reminders.timeline_silent(scan.Scan(IN_FORCE + dt.timedelta(days=29))) == []
    [planned] = case_reminders.timeline_silent(scan.Scan(IN_FORCE + dt.timedelta(days=30)))
    assert (planned.email, planned.user_id, planned.reason) == ("", worker.pk, Reason.TIMELINE_SILENT)
    assert plan.case.number in planned.subject and "架空" not in planned.subject + planned.body
    reminder_services.scan(IN_FORCE + dt.timedelta(days=30))
    reminder_services.scan(IN_FORCE + dt.timedelta(days=31))  # the same silence: no second notice
    assert Notice.objects.filter(reason=Reason.TIMELINE_SILENT, user=worker).count() == 1
    assert not Delivery.objects.filter(reason=Reason.TIMELINE_SILENT).exists()  # no mail


def test_an_entry_restarts_the_count_and_a_new_silence_is_reminded_again(plan, worker, settings):
    settings.CASE_SILENT_DAYS = 30
    contact(plan, worker, dt.date(2026, 6, 20))
    assert case_reminders.timeline_silent(scan.Scan(dt.date(2026, 7, 19))) == []
    [planned] = case_reminders.timeline_silent(scan.Scan(dt.date(2026, 7, 20)))
    assert planned.step == "30日 2026-06-20"


def test_the_number_of_days_is_a_setting(plan, settings):
    settings.CASE_SILENT_DAYS = 10
    assert len(case_reminders.timeline_silent(scan.Scan(IN_FORCE + dt.timedelta(days=10)))) == 1


def test_still_due_until_an_entry_is_written_or_the_plan_ends(plan, worker, settings):
    settings.CASE_SILENT_DAYS = 30
    day = IN_FORCE + dt.timedelta(days=30)
    [planned] = case_reminders.timeline_silent(scan.Scan(day))
    pending = Delivery(object_key=planned.object_key, step=planned.step, reason=planned.reason)
    assert case_reminders.timeline_silent_still_due(pending, day)
    contact(plan, worker, day)
    assert not case_reminders.timeline_silent_still_due(pending, day)


def test_no_reminder_without_an_active_plan(worker, settings):
    settings.CASE_SILENT_DAYS = 1
    CaseFactory(by=worker, received_on=dt.date(2026, 5, 1))
    assert case_reminders.timeline_silent(scan.Scan(dt.date(2026, 9, 1))) == []


def test_the_scan_costs_the_same_queries_for_one_silent_case_and_many(plan, worker, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.CASE_SILENT_DAYS = 30
    day = IN_FORCE + dt.timedelta(days=40)
    with CaptureQueriesContext(connection) as one:
        case_reminders.timeline_silent(scan.Scan(day))
    for i in range(3):
        case = CaseFactory(by=worker, received_on=dt.date(2026, 5, 1), person_name=f"架空 {i}")
        ConsentFactory(case=case, agencies=[AgencyFactory()], given_on=dt.date(2026, 5, 2))
        with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=TOKYO), tick=False):
            draft = services.plan_draft(case=case, goals="g", policy="p", contents="c",
                                        monitoring_on=dt.date(2026, 12, 1), by=worker)
            services.conference_hold(case=case, timing=Timing.CREATION, held_on=IN_FORCE, plan=draft,
                                     attendees=[worker], by=worker)
    with CaptureQueriesContext(connection) as many:
        assert len(case_reminders.timeline_silent(scan.Scan(day))) == 4
    assert len(one.captured_queries) == len(many.captured_queries)
