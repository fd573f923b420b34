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
    AreaConference,
    Case,
    CaseConference,
    ParticipationSupport,
    PlanRole,
    PlanStatus,
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
        "plans": case.plans.prefetch_related("roles__agency__organisation"),
        "conferences": case.conferences.select_related("plan"),
        "support_meetings": case.support_meetings.all(),
        "draft": case.plans.filter(status=PlanStatus.DRAFT).first(),
        "agencies": case.agencies.select_related("organisation"),
        "participation": participation_of(case),
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


# --- 参加支援 and the 重層的支援会議 on a 地域生活課題 (issue 13, items 5 and 7) ---

def plan_for_participation(case: Case) -> SupportPlan | None:
    """参加支援 belongs to the plan in force, else to the draft being prepared."""
    plans = case.plans.filter(status__in=[PlanStatus.ACTIVE, PlanStatus.DRAFT])
    return plans.filter(status=PlanStatus.ACTIVE).first() or plans.first()


def participation_of(case: Case) -> QuerySet[ParticipationSupport]:
    """The case's 参加支援 with the state of each request, read from the 地域ニーズ and its matches
    (the case side reads the activities side; never the other way)."""
    return (ParticipationSupport.objects.filter(plan__case=case)
            .select_related("plan", "resource__area", "need__area")
            .prefetch_related("need__matches__resource").order_by("-plan__version", "pk"))


def area_conference_record(conference: AreaConference) -> dict[str, Any]:
    return {
        "attendees": conference.attendees.all().order_by("pk"),
        "agencies": conference.agencies.select_related("organisation"),
        "issues": conference.regional_issues.all(),
    }
