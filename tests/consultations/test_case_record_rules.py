"""Rules of the case records: consent, conference dates and agencies, names kept out of regional issues, retention, case numbers."""

import datetime as dt
import json

import pytest
from auditlog.models import LogEntry
from django.db import connection

from consultations import services
from consultations.models import AgencyKind, Timing
from municipality.errors import DomainError
from tests.factories import AgencyFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def test_a_future_dated_consent_can_be_withdrawn(case, case_agency, case_worker):
    consent = services.consent_record(case=case, agencies=[case_agency], given_on=dt.date(2099, 1, 1), method="oral",
                                      by=case_worker)
    services.consent_withdraw(consent=consent, on=dt.date(2026, 11, 23), by=case_worker)
    consent.refresh_from_db()
    assert consent.withdrawn_on == dt.date(2099, 1, 1)
    assert not consent.is_current(dt.date(2099, 1, 1))


def test_conference_dates_must_be_past_and_in_order(case, case_agency, case_worker):
    services.consent_record(case=case, agencies=[case_agency], given_on=dt.date(2026, 5, 2), method="written", by=case_worker)
    plan = services.plan_draft(case=case, goals="g", policy="p", contents="c", monitoring_on=dt.date(2026, 9, 1),
                               by=case_worker)
    with pytest.raises(DomainError, match="開催前の会議"):
        services.conference_hold(case=case, timing=Timing.CREATION, held_on=dt.date(2099, 1, 1), plan=plan,
                                 attendees=[case_worker], by=case_worker)
    services.conference_hold(case=case, timing=Timing.CREATION, held_on=dt.date(2026, 6, 1), plan=plan,
                             attendees=[case_worker], by=case_worker)
    with pytest.raises(DomainError, match="前回の会議"):
        services.conference_hold(case=case, timing=Timing.SUSPENSION, held_on=dt.date(2026, 5, 20), plan=plan,
                                 attendees=[case_worker], by=case_worker, suspension_reason="連絡不能")


@pytest.mark.parametrize("text", ["山田花子さんの買い物", "山田さんの世帯", "松林1-2-3の坂", "長男の山田一郎"])
def test_regional_issues_refuse_names_in_any_spacing(case, case_worker, text):
    with pytest.raises(DomainError, match="個人が特定できる情報"):
        services.regional_issue_raise(title=text, description="x", by=case_worker, case=case)


def test_retention_blanks_support_meetings_and_roles(case, case_agency, case_worker):
    import time_machine

    services.consent_record(case=case, agencies=[case_agency], given_on=dt.date(2026, 5, 2), method="written", by=case_worker)
    plan = services.plan_draft(case=case, goals="g", policy="p", contents="c", monitoring_on=dt.date(2026, 9, 1),
                               by=case_worker, roles=[(case_agency, "山田さんの訪問")])
    meeting = services.support_meeting_record(
        held_on=dt.date(2026, 5, 3), cases=[case], shared="山田花子さんは認知症", policy="見守り", by=case_worker,
        attendees=[{"name": "A", "organisation": "B", "confidentiality_acknowledged": True}])
    services.conference_hold(case=case, timing=Timing.CREATION, held_on=dt.date(2026, 6, 1), plan=plan,
                             attendees=[case_worker], by=case_worker)
    services.conference_hold(case=case, timing=Timing.SUSPENSION, held_on=dt.date(2026, 7, 1), plan=plan,
                             attendees=[case_worker], by=case_worker, suspension_reason="連絡不能")
    with time_machine.travel(dt.datetime(2032, 1, 1, tzinfo=dt.UTC), tick=False):
        assert services.cases_anonymise(closed_before=dt.date(2031, 7, 2)) == [case.number]
    meeting.refresh_from_db()
    assert "山田" not in meeting.shared
    assert plan.items.get().content == "（匿名化済み）"  # the roles are 支援内容 since the sheets
    text = json.dumps([e.changes for e in LogEntry.objects.all()], ensure_ascii=False)
    assert "山田" not in text and "認知症" not in text


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_intakes_get_distinct_numbers(case_worker):
    from concurrent.futures import ThreadPoolExecutor

    def intake(i):
        try:
            return services.case_open(received_on=dt.date(2026, 5, 1), route="phone", domains=["other"],
                                      person_name=f"本人{i}", presenting_problems="x", by=case_worker).number
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(intake, range(6)))
    assert sorted(numbers) == [f"R8-{i:04d}" for i in range(1, 7)]


def test_agencies_at_a_conference_must_be_covered_by_consent(case, case_agency, case_worker):
    other = AgencyFactory(organisation=OrganisationFactory(name="別の機関"), kind=AgencyKind.OTHER)
    services.consent_record(case=case, agencies=[case_agency], given_on=dt.date(2026, 5, 2), method="written", by=case_worker)
    plan = services.plan_draft(case=case, goals="g", policy="p", contents="c", monitoring_on=dt.date(2026, 9, 1),
                               by=case_worker)
    with pytest.raises(DomainError, match="同意の範囲にない関係機関"):
        services.conference_hold(case=case, timing=Timing.CREATION, held_on=dt.date(2026, 6, 1), plan=plan,
                                 attendees=[case_worker], agencies=[other], by=case_worker)
