"""重層的支援: the reads that need care. Who may see a case is answered by ``access.py``
(need-to-know, with every read logged); these build on it, with the select_related and
prefetch_related each page needs, so every page gets the same scoping and query count."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from .access import cases_visible_to
from .models import (
    Agency,
    Assessment,
    AssessmentItem,
    Case,
    CaseConference,
    Decision,
    Evaluation,
    PlanStatus,
    SupportItem,
    SupportPlan,
    current_consent_q,
)


def case_list_for(user: Any) -> QuerySet[Case]:
    """The cases a user may see, newest first, with only the columns the list shows."""
    return cases_visible_to(user, Case.objects.all()).only(
        "number", "received_on", "person_name", "status").order_by("-received_on", "-pk")


def case_record(case: Case) -> dict[str, Any]:
    """What the case page shows of a case (lazy querysets; the page reads them)."""
    return {
        "household": case.household.all(),
        "consents": case.consents.prefetch_related("agencies__organisation"),
        "assessments": case.assessments.all(),
        "plans": case.plans.prefetch_related("items__agency__organisation", "short_goals", "evaluations"),
        "conferences": case.conferences.select_related("plan"),
        "support_meetings": case.support_meetings.all(),
        "draft": case.plans.filter(status=PlanStatus.DRAFT).first(),
        "agencies": case.agencies.select_related("organisation"),
    }


def case_sheet(case: Case) -> dict[str, Any]:
    """What the case's PDFs print: the current plan (else the draft), meetings and consents."""
    return {
        "household": case.household.all(),
        "plan": case_plan_for_sheet(case),
        "conferences": case.conferences.select_related("plan"),
        "consents": case.consents.prefetch_related("agencies__organisation"),
    }


def case_plan_for_sheet(case: Case) -> SupportPlan | None:
    plans = case.plans.prefetch_related("items__agency__organisation", "short_goals")
    return plans.exclude(status=PlanStatus.DRAFT).first() or plans.first()


def conference_roles(conference: CaseConference) -> QuerySet[SupportItem]:
    return conference.plan.items.select_related("agency__organisation")


# --- sheets ---

def assessment_items() -> QuerySet[AssessmentItem]:
    """The items of 本人の状況 the city asks now (AssessmentItem, kept by city staff in the admin)."""
    return AssessmentItem.objects.filter(active=True)


def assessment_of(case: Case, pk: int) -> Assessment | None:
    return case.assessments.prefetch_related("answers").filter(pk=pk).first()


def assessment_sheet(assessment: Assessment) -> dict[str, Any]:
    return {"assessment": assessment, "answers": assessment.answers.all(),
            "household": assessment.case.household.all()}


def evaluation_sheet(evaluation: Evaluation) -> dict[str, Any]:
    """An evaluation with its rows, each row with the goal's text (the 長期目標 first)."""
    plan = evaluation.plan
    ordered = sorted(evaluation.goals.select_related("goal"),
                     key=lambda row: (row.goal is not None, row.goal.order if row.goal is not None else 0))
    rows = [{"label": "長期目標" if row.goal is None else f"短期目標{row.goal.order}",
             "text": plan.goals if row.goal is None else row.goal.text, "row": row} for row in ordered]
    return {"evaluation": evaluation, "plan": plan, "rows": rows}


def pending_evaluation(case: Case) -> Evaluation | None:
    """The newest evaluation of the case's active plan proposing a move that no 重層的支援会議 has
    decided yet (継続 needs no meeting)."""
    return (Evaluation.objects.filter(plan__case=case, plan__status=PlanStatus.ACTIVE, conference__isnull=True)
            .exclude(decision=Decision.CONTINUE).select_related("plan").order_by("-evaluated_on", "-pk").first())


def agencies_by_name() -> dict[str, Agency]:
    return {a.organisation.name: a for a in Agency.objects.select_related("organisation")}


def has_current_consent(case: Case, day: dt.date) -> bool:
    return case.consents.filter(current_consent_q(day)).exists()
