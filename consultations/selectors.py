"""重層的支援: the reads that need care. Who may see a case is answered by ``access.py``
(need-to-know, with every read logged); these build on it, with the select_related and
prefetch_related each page needs, so every page gets the same scoping and query count."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case as CaseWhen
from django.db.models import Prefetch, QuerySet, Value, When

from .access import cases_visible_to
from .models import (
    Agency,
    Case,
    CaseConference,
    PlanProgram,
    PlanRole,
    PlanStatus,
    Program,
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
        "plans": case.plans.prefetch_related("roles__agency__organisation", Prefetch(
            "program_rows", queryset=in_law_order(PlanProgram.objects.all()))),
        "programs": in_law_order(case.program_rows.all()),
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
    return (case.plans.prefetch_related("roles__agency__organisation").exclude(status=PlanStatus.DRAFT).first()
            or case.plans.prefetch_related("roles__agency__organisation").first())


def conference_roles(conference: CaseConference) -> QuerySet[PlanRole]:
    return conference.plan.roles.select_related("agency__organisation")


def agencies_by_name() -> dict[str, Agency]:
    return {a.organisation.name: a for a in Agency.objects.select_related("organisation")}


def has_current_consent(case: Case, day: dt.date) -> bool:
    return case.consents.filter(current_consent_q(day)).exists()


def in_law_order(rows: QuerySet) -> QuerySet:
    """Program rows (of a case or a plan) in the order the law lists the 事業, not alphabetically."""
    order = CaseWhen(*(When(program=p, then=Value(i)) for i, p in enumerate(Program.values)), default=Value(99))
    return rows.order_by(order)
