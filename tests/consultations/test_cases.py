"""重層的支援 core: need-to-know access, the read log, the consent rule, every plan move."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.http import Http404

from consultations import services
from consultations.access import cases_visible_to, get_case_or_404
from consultations.models import Case, CaseStatus, PlanStatus, Timing
from municipality.errors import DomainError
from tests.factories import AgencyFactory, AgendaItemFactory, MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 6, 1)


@pytest.fixture
def agencies(db):
    return {
        name: AgencyFactory(organisation__name=name)
        for name in ["汐見中央地域包括支援センター", "汐見市社会福祉協議会", "障害者相談支援事業所あおば"]
    }


@pytest.fixture
def worker(db):
    return UserFactory(username="worker", roles=["相談支援員"])


@pytest.fixture
def case(worker, agencies):
    return services.case_open(
        received_on=dt.date(2026, 5, 10), route="phone", domains=["elderly", "poverty"], person_name="山田 花子",
        presenting_problems="母の介護と家計の相談", by=worker, person_birth_date=dt.date(1950, 1, 1),
        household=[{"name": "山田 一郎", "relation": "長男"}], agencies=[agencies["汐見中央地域包括支援センター"]],
    )


def visible(user):
    return set(cases_visible_to(user, Case.objects.all()))


def test_case_numbers_are_sequential_per_fiscal_year(case, worker):
    second = services.case_open(received_on=dt.date(2026, 5, 11), route="counter", domains=["children"],
                                person_name="x", presenting_problems="x", by=worker)
    next_year = services.case_open(received_on=dt.date(2027, 4, 1), route="counter", domains=["other"],
                                   person_name="y", presenting_problems="y", by=worker)
    assert (case.number, second.number, next_year.number) == ("R8-0001", "R8-0002", "R9-0001")
    assert "山田" not in str(case)  # the text that reaches logs and lists carries no personal data


@pytest.mark.parametrize("domains", [[], ["unknown"]])
def test_intake_needs_known_domains(worker, domains):
    with pytest.raises(DomainError, match="分野"):
        services.case_open(received_on=DAY, route="phone", domains=domains, person_name="x",
                           presenting_problems="x", by=worker)
    assert not Case.objects.exists()


def test_need_to_know(case, worker, agencies):
    import time_machine

    center_user = UserFactory(username="center", roles=["相談支援員"],
                              organisation=agencies["汐見中央地域包括支援センター"].organisation)
    other_worker = UserFactory(username="other", roles=["相談支援員"])
    city = UserFactory(username="city2", roles=["市職員"], is_staff=True, is_superuser=True)
    coordinator = UserFactory(username="coord", roles=["コーディネーター"],
                              organisation=agencies["汐見中央地域包括支援センター"].organisation)
    with time_machine.travel(dt.datetime(2026, 6, 1, 3, tzinfo=dt.UTC), tick=False):
        assert visible(worker) == {case}
        assert visible(other_worker) == set()
        assert visible(center_user) == set()  # no consent yet
        assert visible(city) == set()  # city staff, even a superuser, see no case without a case role
        assert visible(coordinator) == set()
        consent = services.consent_record(case=case, agencies=[agencies["汐見中央地域包括支援センター"]], given_on=DAY,
                                          method="written", by=worker)
        assert visible(center_user) == {case}
        assert visible(coordinator) == set()  # a coordinator never, even in a consented agency
        services.consent_withdraw(consent=consent, on=dt.date(2026, 6, 1), by=worker)
        assert visible(center_user) == set()


def test_an_expired_consent_ends_access(case, worker, agencies):
    import time_machine

    center_user = UserFactory(username="center", roles=["相談支援員"],
                              organisation=agencies["汐見中央地域包括支援センター"].organisation)
    services.consent_record(case=case, agencies=[agencies["汐見中央地域包括支援センター"]], given_on=DAY,
                            method="oral", by=worker, expires_on=dt.date(2026, 9, 30))
    with time_machine.travel(dt.datetime(2026, 9, 30, 3, tzinfo=dt.UTC), tick=False):
        assert visible(center_user) == {case}
    with time_machine.travel(dt.datetime(2026, 10, 1, 3, tzinfo=dt.UTC), tick=False):
        assert visible(center_user) == set()


def test_every_read_is_logged_with_its_fields(case, worker):
    get_case_or_404(worker, case.pk, fields=["person_name", "presenting_problems"], purpose="ケースの閲覧")
    entry = LogEntry.objects.filter(action=LogEntry.Action.ACCESS).get()
    assert entry.actor == worker
    assert entry.object_repr == "ケース R8-0001"
    assert entry.changes_dict["read_fields"] == ["person_name", "presenting_problems"]
    stranger = UserFactory(username="stranger", roles=["相談支援員"])
    with pytest.raises(Http404):
        get_case_or_404(stranger, case.pk, fields=["person_name"], purpose="x")
    assert LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count() == 1


def plan(case, worker, **kw):
    return services.plan_draft(case=case, goals="母の介護サービスにつながる", policy="包括と社協で分担",
                               contents="介護保険申請・家計相談", monitoring_on=dt.date(2026, 9, 1), by=worker, **kw)


def consent(case, worker, agencies):
    return services.consent_record(case=case, agencies=list(agencies.values()), given_on=DAY, method="written",
                                   by=worker)


def test_without_consent_only_a_support_meeting(case, worker, agencies):
    draft = plan(case, worker)
    with pytest.raises(DomainError, match="本人の同意（有効なもの）がないため"):
        services.conference_hold(case=case, timing=Timing.CREATION, held_on=DAY, plan=draft, attendees=[worker],
                                 by=worker)
    meeting = services.support_meeting_record(
        held_on=DAY, cases=[case], shared="見守りの状況を共有", policy="民生委員が週1回訪問", by=worker,
        attendees=[{"name": "民生委員 A", "organisation": "民生委員児童委員協議会", "confidentiality_acknowledged": True}],
    )
    assert list(meeting.cases.all()) == [case]
    with pytest.raises(DomainError, match="守秘義務の説明を受けていない"):
        services.support_meeting_record(held_on=DAY, cases=[case], shared="x", policy="x", by=worker, attendees=[
            {"name": "B", "organisation": "x", "confidentiality_acknowledged": False}])


def test_creation_change_termination(case, worker, agencies):
    consent(case, worker, agencies)
    first = plan(case, worker)
    services.conference_hold(case=case, timing=Timing.CREATION, held_on=DAY, plan=first, attendees=[worker], by=worker)
    first.refresh_from_db()
    assert first.status == PlanStatus.ACTIVE
    with pytest.raises(DomainError, match="はじめてのプランの案"):
        services.conference_hold(case=case, timing=Timing.CREATION, held_on=DAY, plan=plan(case, worker),
                                 attendees=[worker], by=worker)
    second = case.plans.get(status=PlanStatus.DRAFT)
    with pytest.raises(DomainError, match="本人の状況変化"):
        services.conference_hold(case=case, timing=Timing.CHANGE, held_on=DAY, plan=second, attendees=[worker],
                                 by=worker)
    services.conference_hold(case=case, timing=Timing.CHANGE, held_on=dt.date(2026, 7, 1), plan=second,
                             attendees=[worker], by=worker, situation_change="入院", plan_evaluation="概ね達成")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (PlanStatus.SUPERSEDED, PlanStatus.ACTIVE)
    with pytest.raises(DomainError, match="フォローアップの必要"):
        services.conference_hold(case=case, timing=Timing.TERMINATION, held_on=dt.date(2026, 9, 1), plan=second,
                                 attendees=[worker], by=worker, achievement="達成", termination_evaluation="良好")
    services.conference_hold(case=case, timing=Timing.TERMINATION, held_on=dt.date(2026, 9, 1), plan=second,
                             attendees=[worker], by=worker, achievement="介護サービス利用開始",
                             termination_evaluation="目標を達成", follow_up_needed=True, follow_up_method="包括が3か月後に訪問")
    case.refresh_from_db()
    second.refresh_from_db()
    assert (second.status, case.status, case.closed_on) == (PlanStatus.ENDED, CaseStatus.CLOSED, dt.date(2026, 9, 1))
    with pytest.raises(DomainError, match="プランを作れません"):
        plan(case, worker)


def test_suspension_and_refused_moves(case, worker, agencies):
    consent(case, worker, agencies)
    draft = plan(case, worker)
    for timing in (Timing.CHANGE, Timing.TERMINATION, Timing.SUSPENSION):
        with pytest.raises(DomainError):
            services.conference_hold(case=case, timing=timing, held_on=DAY, plan=draft, attendees=[worker], by=worker,
                                     situation_change="x", plan_evaluation="x", achievement="x",
                                     termination_evaluation="x", follow_up_needed=False, suspension_reason="x")
    services.conference_hold(case=case, timing=Timing.CREATION, held_on=DAY, plan=draft, attendees=[worker], by=worker)
    with pytest.raises(DomainError, match="中断の理由"):
        services.conference_hold(case=case, timing=Timing.SUSPENSION, held_on=DAY, plan=draft, attendees=[worker],
                                 by=worker)
    services.conference_hold(case=case, timing=Timing.SUSPENSION, held_on=dt.date(2026, 8, 1), plan=draft,
                             attendees=[worker], by=worker, suspension_reason="本人と連絡が完全に取れなくなった")
    case.refresh_from_db()
    draft.refresh_from_db()
    assert (draft.status, case.status) == (PlanStatus.SUSPENDED, CaseStatus.SUSPENDED)


def test_retention_anonymises_old_closed_cases_and_deletes_nothing(case, worker, agencies):
    import io

    import time_machine
    from django.core.management import call_command

    consent(case, worker, agencies)
    draft = plan(case, worker)
    services.conference_hold(case=case, timing=Timing.CREATION, held_on=DAY, plan=draft, attendees=[worker], by=worker)
    services.conference_hold(case=case, timing=Timing.TERMINATION, held_on=dt.date(2026, 9, 1), plan=draft,
                             attendees=[worker], by=worker, achievement="達成", termination_evaluation="良好",
                             follow_up_needed=False)
    still_open = services.case_open(received_on=DAY, route="phone", domains=["other"], person_name="継続 太郎",
                                    presenting_problems="x", by=worker)
    with time_machine.travel(dt.datetime(2031, 9, 2, 3, tzinfo=dt.UTC), tick=False):
        out = io.StringIO()
        call_command("anonymise_closed_cases", "--years", "5", stdout=out)
    assert "匿名化しました：ケース R8-0001" in out.getvalue()
    case.refresh_from_db()
    still_open.refresh_from_db()
    assert (case.person_name, case.person_birth_date) == ("（匿名化済み）", None)
    assert case.household.get().name == "（匿名化済み）"
    assert case.plans.get().goals == "（匿名化済み）"
    assert still_open.person_name == "継続 太郎"
    assert Case.objects.count() == 2  # nothing deleted


def test_a_regional_issue_goes_on_a_council_agenda(worker):
    from consultations.models import RegionalIssue
    issue = RegionalIssue.objects.create(title="夜間に相談できる場がない", description="複数の事例で夜間の孤立が見られた",
                                         raised_on=DAY, raised_by=worker)
    meeting = MeetingFactory()
    item = AgendaItemFactory(meeting=meeting, title=issue.title)
    issue.agenda_item = item
    issue.save()
    assert item.regional_issues.get() == issue and issue.agenda_item.meeting == meeting
