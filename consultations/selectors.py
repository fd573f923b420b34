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
        "referrals": case.referrals.select_related("agency__organisation"),
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


# --- 連携シート (referrals) ---


def _age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def referral_snapshot(case: Case, items: list[str], on: dt.date) -> list[list[str]]:
    """The chosen items of a case as they stand on a day, in the sheet's order: what a 連携シート
    stores when it is sent (so the agency's copy never changes later)."""
    from municipality.wareki import format_wareki

    from .models import ReferralItem

    rows = []
    for item in ReferralItem:
        if item.value not in items:
            continue
        if item == ReferralItem.NAME_AGE:
            age = f"（{_age(case.person_birth_date, on)}歳）" if case.person_birth_date else "（年齢不明）"
            value = f"{case.person_name}{age}"
        elif item == ReferralItem.CONTACT:
            value = "\n".join(v for v in (case.person_address, case.person_phone) if v) or "未登録"
        elif item == ReferralItem.HOUSEHOLD:
            value = "\n".join(f"{m.name}（{m.relation}）" for m in case.household.order_by("pk")) or "登録なし"
        elif item == ReferralItem.PROBLEMS:
            value = case.presenting_problems
        elif item == ReferralItem.ASSESSMENT:
            a = case.assessments.order_by("-version").first()
            value = (f"第{a.version}版\n状況：{a.situation}\n課題：{a.issues}"
                     + (f"\n強み：{a.strengths}" if a.strengths else "")) if a else "アセスメントはまだありません"
        elif item == ReferralItem.PLAN:
            plan = case_plan_for_sheet(case)
            value = (f"第{plan.version}版（{plan.get_status_display()}）\n目標：{plan.goals}\n方針：{plan.policy}\n"
                     f"内容：{plan.contents}") if plan else "プランはまだありません"
        else:  # 経過: the case's course as the records show it (intake, meetings, state)
            lines = [f"{format_wareki(case.received_on)} 相談受付（{case.get_route_display()}）"]
            events = [(c.held_on, f"重層的支援会議（{c.get_timing_display()}）") for c in case.conferences.all()]
            events += [(m.held_on, "支援会議") for m in case.support_meetings.all()]
            lines += [f"{format_wareki(day)} {label}" for day, label in sorted(events, key=lambda e: e[0])]
            lines.append(f"現在の状態：{case.get_status_display()}")
            value = "\n".join(lines)
        rows.append([item.label, value])
    return rows


def referrals_received(user: Any) -> QuerySet:
    """The 連携シート sent to the user's agency, newest first (the inbox shows no personal data)."""
    from .models import Referral

    if not user.organisation_id:
        return Referral.objects.none()
    return (Referral.objects.filter(agency__organisation_id=user.organisation_id)
            .select_related("case", "agency__organisation"))


def referrals_of(case: Case) -> QuerySet:
    return case.referrals.select_related("agency__organisation", "support_meeting")
