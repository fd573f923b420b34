"""The case PDFs load only what they print (issue 15): a fixed number of queries each."""

from __future__ import annotations

import datetime as dt

import pytest

from consultations import services
from consultations.models import Timing
from consultations.outputs import OutputRequest, render_case_output
from municipality.models import Municipality


@pytest.fixture
def planned(case, case_agency, case_worker):
    services.consent_record(case=case, agencies=[case_agency], given_on=dt.date(2026, 5, 2), method="written",
                            by=case_worker)
    plan = services.plan_draft(
        case=case, goals="一人で通院できる", policy="包括と分担", monitoring_on=dt.date(2026, 9, 1), by=case_worker,
        short_goals=["介護保険の申請をする"], items=[{"agency": case_agency, "content": "申請支援", "frequency": "月1回"}])
    services.conference_hold(case=case, timing=Timing.CREATION, held_on=dt.date(2026, 6, 1), plan=plan,
                             attendees=[case_worker], by=case_worker)
    Municipality.objects.current()
    return case


# 相談受付票: its programs, household and consents, and the municipality (11 queries before: it also
# loaded the plan with its items and goals, and each consent's agencies, none of which it prints).
@pytest.mark.parametrize(("kind", "queries"), [("intake", 4), ("plan", 8), ("conferences", 2)])
def test_each_case_sheet_runs_a_fixed_number_of_queries(planned, case_worker, django_assert_num_queries, kind, queries):
    with django_assert_num_queries(queries):
        pdf = render_case_output(case=planned, what=OutputRequest(kind), user=case_worker).content
    assert pdf.startswith(b"%PDF")
