"""Issue 14 item 7: the retention period of each kind of case record is a setting; the retention job
follows it, clears attendee names, referral texts and 支援経過 entries, and deletes nothing."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from consultations import services
from consultations.models import (
    Case,
    CaseStatus,
    EvacuationExport,
    Referral,
    ReferralBasis,
    SupportMeeting,
    SupportMeetingAttendee,
    TimelineEntry,
)
from consultations.services import ANONYMISED
from municipality.models import Organisation
from tests.factories import AgencyFactory, EvacuationListingFactory, UserFactory

pytestmark = pytest.mark.django_db

CLOSED_ON = dt.date(2026, 7, 1)
SHORT = {"case": 10, "assessment": 10, "plan": 10, "timeline": 2, "referral": 2, "support_meeting": 2,
         "evacuation": 2}


@pytest.fixture
def world(db):
    team = Organisation.objects.create(name="汐見市生活支援相談センター")
    worker = UserFactory(username="rt-worker", roles=["相談支援員"], organisation=team)
    lead = UserFactory(username="rt-lead", roles=["相談支援員", "相談支援管理者"], organisation=team)
    agency = AgencyFactory(organisation__name="障害者相談支援事業所あおば")

    def case(name):
        return services.case_open(received_on=dt.date(2026, 5, 1), route="phone", domains=["elderly"],
                                  person_name=name, presenting_problems=f"{name}の主訴", by=worker)

    closing, staying = case("保存 終子"), case("継続 続子")
    meeting = services.support_meeting_record(
        held_on=dt.date(2026, 5, 10), cases=[closing, staying], shared="二人の見守り状況", policy="週1回訪問", by=worker,
        attendees=[{"name": "民生委員 山川", "organisation": "民生委員児童委員協議会", "confidentiality_acknowledged": True},
                   # the agency the meeting decided to share with attended it (services.referral_send)
                   {"name": "あおば 相談員", "organisation": "障害者相談支援事業所あおば",
                    "confidentiality_acknowledged": True}])
    referral = services.referral_send(case=closing, agency=agency, items=["name_age", "problems"],
                                      purpose="障がい福祉サービスの相談", basis=ReferralBasis.SUPPORT_MEETING,
                                      support_meeting=meeting, by=worker)
    entries = {c.pk: services.timeline_entry_add(case=c, contact_at=timezone.now() - dt.timedelta(hours=1),
                                                 method="phone", with_whom="長男", content=f"{c.person_name}と電話",
                                                 next_step="訪問", by=worker) for c in (closing, staying)}
    EvacuationListingFactory(case=closing, reason="要介護3")
    export = services.evacuation_export(recipient="fire", by=lead)
    Case.objects.filter(pk=closing.pk).update(status=CaseStatus.CLOSED, closed_on=CLOSED_ON)
    return {"closing": closing, "staying": staying, "meeting": meeting, "referral": referral, "entries": entries,
            "export": export, "worker": worker, "lead": lead, "agency": agency}


def _two_years_on() -> dt.date:
    return CLOSED_ON.replace(year=CLOSED_ON.year + 2) + dt.timedelta(days=1)


@pytest.mark.postgres
@override_settings(CASE_RETENTION=SHORT)
def test_each_kind_follows_its_own_period_and_the_triggers_let_only_the_job_through(world):
    changed = services.cases_anonymise(today=_two_years_on())
    assert changed == [world["closing"].number]
    closing = Case.objects.get(pk=world["closing"].pk)
    assert closing.person_name == "保存 終子" and closing.anonymised_at is None  # the case kind keeps 10 years
    entry = TimelineEntry.objects.get(pk=world["entries"][closing.pk].pk)  # passed the trigger before the case
    assert (entry.with_whom, entry.content, entry.next_step) == (ANONYMISED, ANONYMISED, "")
    referral = Referral.objects.get(pk=world["referral"].pk)
    assert referral.purpose == ANONYMISED
    assert [value for _, value in referral.shared] == [ANONYMISED, ANONYMISED]
    export = EvacuationExport.objects.get(pk=world["export"].pk)
    assert export.rows == [[closing.pk, [ANONYMISED] * 5]]
    assert closing.evacuation_listings.get().reason == ANONYMISED
    # The open case is untouched.
    assert TimelineEntry.objects.get(pk=world["entries"][world["staying"].pk].pk).content == "継続 続子と電話"
    # The job's pass is over: in this same transaction the triggers refuse a plain change again.
    for sql, pk in (("UPDATE consultations_timelineentry SET content = 'x' WHERE id = %s", world["entries"][
            world["staying"].pk].pk), ("UPDATE consultations_referral SET purpose = 'x' WHERE id = %s", referral.pk)):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [pk])
    # Nothing deleted, and a second run changes nothing.
    assert TimelineEntry.objects.count() == 2 and Referral.objects.count() == 1
    assert services.cases_anonymise(today=_two_years_on()) == []


@override_settings(CASE_RETENTION=SHORT)
def test_a_support_meetings_attendee_names_go_only_when_every_case_is_past_retention(world):
    services.cases_anonymise(today=_two_years_on())
    meeting = SupportMeeting.objects.get(pk=world["meeting"].pk)
    assert meeting.shared == "二人の見守り状況"  # 継続 続子's case is still open
    assert sorted(SupportMeetingAttendee.objects.filter(meeting=meeting).values_list("name", flat=True)) == [
        "あおば 相談員", "民生委員 山川"]

    Case.objects.filter(pk=world["staying"].pk).update(status=CaseStatus.SUSPENDED, closed_on=CLOSED_ON)
    assert services.cases_anonymise(today=_two_years_on()) == sorted([world["closing"].number,
                                                                     world["staying"].number])
    meeting.refresh_from_db()
    attendees = SupportMeetingAttendee.objects.filter(meeting=meeting).order_by("pk")
    assert (meeting.shared, meeting.policy) == (ANONYMISED, ANONYMISED)
    assert [a.name for a in attendees] == [ANONYMISED, ANONYMISED]
    assert [a.organisation for a in attendees] == ["民生委員児童委員協議会", "障害者相談支援事業所あおば"]
    assert all(a.confidentiality_acknowledged for a in attendees)


@override_settings(CASE_RETENTION=SHORT)
def test_the_case_kind_waits_for_its_own_period(world):
    approval = services.approval_request(
        case=world["closing"], output="intake", items=["Case.presenting_problems"], recipient="保存 終子さんの長男",
        purpose="保存 終子さんの入院先へ", basis="swl_106_6", agency=world["agency"], by=world["worker"])
    services.approval_decide(approval=approval, grant=False, note="長男には不要", by=world["lead"])
    services.cases_anonymise(today=CLOSED_ON.replace(year=2036) + dt.timedelta(days=1))
    closing = Case.objects.get(pk=world["closing"].pk)
    assert (closing.person_name, closing.presenting_problems) == (ANONYMISED, ANONYMISED)
    assert closing.anonymised_at is not None
    approval.refresh_from_db()  # why and for whom go; who, when, which items and the decision stay
    assert (approval.recipient, approval.purpose, approval.decision_note) == (ANONYMISED, ANONYMISED, ANONYMISED)
    assert approval.items == ["Case.presenting_problems"] and approval.decided_by == world["lead"]
    assert Case.objects.get(pk=world["staying"].pk).person_name == "継続 続子"


@override_settings(CASE_RETENTION={**SHORT, "timeline": 5, "referral": 5, "support_meeting": 5, "evacuation": 5})
def test_nothing_is_cleared_before_its_period(world):
    assert services.cases_anonymise(today=_two_years_on()) == []
    assert Referral.objects.get(pk=world["referral"].pk).purpose == "障がい福祉サービスの相談"
    assert TimelineEntry.objects.get(pk=world["entries"][world["closing"].pk].pk).content == "保存 終子と電話"


@override_settings(CASE_RETENTION=SHORT)
def test_the_command_follows_the_setting(world):
    import time_machine

    with time_machine.travel(dt.datetime(2028, 7, 5, 3, tzinfo=dt.UTC), tick=False):
        out = io.StringIO()
        call_command("anonymise_closed_cases", stdout=out)
    assert f"匿名化しました：ケース {world['closing'].number}" in out.getvalue()
    assert "支援経過 2年" in out.getvalue() and "相談受付票等 10年" in out.getvalue()
    assert Case.objects.get(pk=world["closing"].pk).anonymised_at is None


def test_an_unknown_kind_or_a_bad_period_stops_the_start(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import config.settings.base as base

    monkeypatch.setenv("CASE_RETENTION", '{"diary": 3}')
    with pytest.raises(ImproperlyConfigured, match="unknown kind"):
        importlib.reload(base)
    monkeypatch.setenv("CASE_RETENTION", '{"timeline": 0}')
    with pytest.raises(ImproperlyConfigured, match="whole years"):
        importlib.reload(base)
    monkeypatch.delenv("CASE_RETENTION")
    importlib.reload(base)
