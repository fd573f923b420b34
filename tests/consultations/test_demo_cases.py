"""The demo's three cases: each at its own stage, each with a timeline a team would have written."""

import io

import pytest
from django.core.management import call_command

from activities.models import Need
from consultations.models import (
    Case,
    CaseStatus,
    ContactMethod,
    Decision,
    ParticipationSupport,
    PlanStatus,
    ReferralBasis,
    ReferralStatus,
    Timing,
)
from reminders.models import Notice, Reason

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    call_command("load_demo_data", stdout=io.StringIO())
    return {case.person_name: case for case in Case.objects.all()}


def test_three_cases_at_three_stages(demo):
    assert set(demo) == {"架空 トメ", "架空 一郎", "架空 ミドリ"}
    intake, active, closed = demo["架空 トメ"], demo["架空 一郎"], demo["架空 ミドリ"]
    assert intake.status == CaseStatus.OPEN and not intake.plans.exists()
    assert active.status == CaseStatus.OPEN
    assert list(active.plans.values_list("status", flat=True)) == [PlanStatus.ACTIVE]
    assert closed.status == CaseStatus.CLOSED and closed.closed_on is not None
    assert list(closed.plans.values_list("status", flat=True)) == [PlanStatus.ENDED]


def test_every_demo_case_has_ten_or_more_timeline_entries_spread_over_days(demo):
    for name, case in demo.items():
        entries = case.timeline_entries.all()
        assert entries.count() >= 10, name
        assert len({e.contact_at.date() for e in entries}) >= 8, name


def test_the_new_intake_is_outreach_without_consent_kept_up_by_a_support_meeting_and_urgent(demo):
    intake = demo["架空 トメ"]
    assert intake.route == "outreach"
    assert not intake.consents.exists()
    methods = set(intake.timeline_entries.values_list("method", flat=True))
    assert {ContactMethod.OUTREACH_ABSENT, ContactMethod.OUTREACH_UNMET, ContactMethod.OUTREACH_REFUSED} <= methods
    assert intake.timeline_entries.filter(with_whom="民生委員", method=ContactMethod.PHONE).exists()
    meeting = intake.support_meetings.get()
    assert "訪問を続ける" in meeting.policy
    urgency = intake.urgencies.get()
    assert urgency.cleared_at is None
    # The team lead is told, by the case number only.
    notice = Notice.objects.get(user__username="caselead", reason=Reason.CASE_URGENT)
    assert intake.number in notice.title and "架空" not in notice.title + notice.body


def test_the_active_case_has_a_referral_under_consent_and_a_continued_evaluation(demo):
    active = demo["架空 一郎"]
    plan = active.plans.get()
    assert plan.short_goals.count() >= 2 and plan.items.filter(agency__isnull=False).count() >= 2
    assert active.conferences.get().timing == Timing.CREATION
    referral = active.referrals.get()
    assert referral.basis == ReferralBasis.CONSENT
    assert referral.status == ReferralStatus.SENT
    assert active.consents.filter(agencies=referral.agency).exists()
    assert list(plan.evaluations.values_list("decision", flat=True)) == [Decision.CONTINUE]


def test_the_participation_support_names_a_resource_and_asks_the_coordinator_without_personal_data(demo):
    support = ParticipationSupport.objects.get(plan__case=demo["架空 一郎"])
    assert support.resource is not None and support.resource.name == "おたすけ隊しおみ"
    need = Need.objects.get(pk=support.need_id)
    assert need.recorded_by.user.username == "coordinator"
    text = f"{need.title}{need.description}{need.raised_by}"
    names = [n for case in demo.values() for n in (case.person_name, case.person_kana,
                                                   *case.household.values_list("name", flat=True))]
    for name in names:
        for part in [name, *name.split()]:
            assert part not in text, part


def test_the_closed_case_was_ended_by_the_termination_meeting_its_evaluation_proposed(demo):
    closed = demo["架空 ミドリ"]
    evaluation = closed.plans.get().evaluations.get()
    assert evaluation.decision == Decision.END
    termination = closed.conferences.get(timing=Timing.TERMINATION)
    assert evaluation.conference == termination
    assert termination.held_on == closed.closed_on
    assert termination.follow_up_needed is True
    assert closed.timeline_entries.filter(contact_at__date__gt=closed.closed_on).exists()  # the follow-up call


def test_loading_the_demo_twice_adds_no_case_entry_or_need(demo):
    counts = (Case.objects.count(), Need.objects.count(),
              sum(case.timeline_entries.count() for case in Case.objects.all()))
    call_command("load_demo_data", stdout=io.StringIO())
    assert (Case.objects.count(), Need.objects.count(),
            sum(case.timeline_entries.count() for case in Case.objects.all())) == counts


def test_the_new_intake_agreed_to_the_evacuation_listing_which_the_lead_exported(demo):
    from consultations.disclosures import disclosures_of
    from consultations.models import EvacuationExport

    intake = demo["架空 トメ"]
    listing = intake.evacuation_listings.get()
    assert listing.withdrawn_on is None and "commissioner" in listing.recipients
    export = EvacuationExport.objects.get()
    assert (export.recipient, export.exported_by.username, list(export.cases.all())) == ("commissioner", "caselead",
                                                                                         [intake])
    assert [d.to for d in disclosures_of(intake) if d.kind == "避難行動要支援者名簿の提供"] == ["民生委員"]
    call_command("load_demo_data", stdout=io.StringIO())
    assert EvacuationExport.objects.count() == 1 and intake.evacuation_listings.count() == 1
def test_the_demo_shows_an_unmasked_output_used_and_one_waiting_for_the_lead(demo):
    from consultations.disclosures import disclosures_of
    from consultations.models import ApprovalStatus, OutputApproval

    active = demo["架空 一郎"]
    used, waiting = OutputApproval.objects.filter(case=active).order_by("pk")
    assert used.status == ApprovalStatus.GRANTED and used.used_at is not None
    assert used.decided_by.username == "caselead" and used.requested_by.username == "caseworker"
    assert waiting.status == ApprovalStatus.PENDING
    [row] = [d for d in disclosures_of(active) if d.kind.startswith("マスクなしの出力")]
    assert row.to.startswith("汐見市生活支援相談センター") and "課題の整理" in row.what and row.basis == "consent"
    call_command("load_demo_data", stdout=io.StringIO())
    assert OutputApproval.objects.count() == 2  # loading twice adds nothing
