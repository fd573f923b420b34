"""重層的支援: the reads that need care. Who may see a case is answered by ``access.py``
(need-to-know, with every read logged); these build on it, with the select_related and
prefetch_related each page needs, so every page gets the same scoping and query count."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django.db.models import Case as CaseWhen
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When

from municipality.models import Organisation, User
from municipality.roles import Role

from .access import cases_visible_to, few_cases_visible_to, log_reads
from .models import (
    Agency,
    ApprovalStatus,
    AreaConference,
    Assessment,
    AssessmentItem,
    Case,
    CaseConference,
    CaseUrgency,
    Decision,
    DuplicateDecision,
    Evaluation,
    OutputApproval,
    ParticipationSupport,
    PlanProgram,
    PlanStatus,
    PossibleDuplicate,
    Program,
    SupportItem,
    SupportMeeting,
    SupportPlan,
    current_consent_q,
    team_lead_q,
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
        "plans": case.plans.prefetch_related("items__agency__organisation", "short_goals", "evaluations", Prefetch(
            "program_rows", queryset=in_law_order(PlanProgram.objects.all()))),
        "programs": in_law_order(case.program_rows.all()),
        "conferences": case.conferences.select_related("plan"),
        "support_meetings": SupportMeeting.objects.filter(cases=case),
        "draft": case.plans.filter(status=PlanStatus.DRAFT).first(),
        "agencies": case.agencies.select_related("organisation"),
        "referrals": case.referrals.select_related("agency__organisation"),
        "participation": participation_of(case),
    }


def case_sheet(case: Case, kind: str) -> dict[str, Any]:
    """What one of the case's PDFs prints (``kind``: intake, plan or conferences), and nothing more:
    the 相談受付票 its programs, household and consents; the プラン the current plan (else the draft)
    with its programs and 参加支援; the 会議録 the conferences. Querysets stay lazy."""
    if kind == "intake":
        return {"programs": in_law_order(case.program_rows.all()), "household": case.household.all(),
                "consents": case.consents.all()}
    if kind == "plan":
        plan = case_plan_for_sheet(case)
        return {"plan": plan,
                "plan_programs": in_law_order(plan.program_rows.all()) if plan else [],
                "participation": plan.participation_supports.select_related("resource", "need") if plan else []}
    return {"conferences": case.conferences.select_related("plan")}


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
            events += [(m.held_on, "支援会議") for m in SupportMeeting.objects.filter(cases=case)]
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


# --- Team lead: urgency and duplicates at intake ---

def team_organisation_ids(case: Case) -> set[int]:
    """The organisations whose team works on a case: those of its assigned staff and its CSW."""
    ids = set(case.assigned_staff.exclude(organisation_id=None).values_list("organisation_id", flat=True))
    if case.csw_id is not None and case.csw is not None and case.csw.organisation_id:
        ids.add(case.csw.organisation_id)
    return ids


def team_leads_of(organisation_ids: set[int]) -> QuerySet[User]:
    """The active 相談支援管理者 (who are 相談支援員 too) of these organisations."""
    return (User.objects.filter(organisation_id__in=organisation_ids, is_active=True,
                                groups__name=Role.CASE_LEAD.value)
            .filter(groups__name=Role.CASE_WORKER.value).distinct().order_by("organisation__name", "name"))


def open_urgency(case: Case) -> CaseUrgency | None:
    return case.urgencies.filter(cleared_at__isnull=True).first()


def urgent_cases_for(user: Any) -> QuerySet[Case]:
    """The urgent cases a user may see, the earliest meeting date first (the start page and the case list)."""
    open_marks = CaseUrgency.objects.filter(case=OuterRef("pk"), cleared_at__isnull=True)
    # Few cases are urgent: each is checked against the rule, rather than all the user's cases gathered.
    return (few_cases_visible_to(user, Case.objects.filter(Exists(open_marks)))
            .annotate(meeting_due_on=Subquery(open_marks.values("meeting_due_on")[:1]))
            .only("number", "received_on", "person_name", "status").order_by("meeting_due_on", "pk"))


def urgent_cases_read(user: Any) -> list[Case]:
    """The urgent cases a user may see (numbers, names and meeting dates), with the read logged:
    the case list and the start page show them first."""
    urgent = list(urgent_cases_for(user)[:50])
    log_reads(user, urgent, fields=["number", "person_name", "urgency"], purpose="緊急ケースの一覧")
    return urgent


def _flat_kana(text: str) -> str:
    """Kana compared regardless of width, spaces and katakana/hiragana (NFKC, then katakana to hiragana)."""
    flat = flat_name(text)
    return "".join(chr(ord(ch) - 0x60) if "ァ" <= ch <= "ヶ" else ch for ch in flat)


def flat_name(text: str) -> str:
    """A name as compared for duplicates: NFKC (full/half width alike), without spaces."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text or ""))


def matching_cases(case: Case) -> list[Case]:
    """Other cases of the same person by (name or kana) plus birth date; anonymised ones excluded."""
    if case.person_birth_date is None:
        return []
    name, kana = flat_name(case.person_name), _flat_kana(case.person_kana)
    candidates = (Case.objects.filter(person_birth_date=case.person_birth_date, anonymised_at__isnull=True)
                  .exclude(pk=case.pk).only("pk", "number", "person_name", "person_kana").order_by("pk"))
    return [other for other in candidates
            if (name and flat_name(other.person_name) == name) or (kana and _flat_kana(other.person_kana) == kana)]


def duplicate_contacts(case: Case) -> list[dict[str, Any]]:
    """Whom the worker who took an intake should ask about its possible duplicates: per organisation
    holding one, its name and its team leads' names. Nothing of the other record itself."""
    existing = PossibleDuplicate.objects.filter(new_case=case).values("existing_case")
    org_ids = set(User.objects.filter(assigned_cases__in=existing).exclude(organisation_id=None)
                  .values_list("organisation_id", flat=True))
    org_ids |= set(User.objects.filter(csw_cases__in=existing).exclude(organisation_id=None)
                   .values_list("organisation_id", flat=True))
    leads = list(team_leads_of(org_ids).select_related("organisation"))
    return [{"organisation": organisation, "leads": [u.name or u.username for u in leads
                                                     if u.organisation_id == organisation.pk]}
            for organisation in Organisation.objects.filter(pk__in=org_ids).order_by("name")]


def duplicates_for_lead(user: Any) -> list[dict[str, Any]]:
    """The possible duplicates of a lead's team (its new intakes), pending first. Of the other case the
    lead learns its identity only if the lead may see it; otherwise only the organisations holding it."""
    rows = list(PossibleDuplicate.objects.filter(team_lead_q(user, prefix="new_case__"))
                .select_related("new_case", "existing_case", "decided_by").order_by("-decision", "-found_at", "-pk")[:200])
    visible = set(cases_visible_to(user, Case.objects.filter(pk__in=[r.existing_case_id for r in rows]))
                  .values_list("pk", flat=True))
    holders: dict[int, list[str]] = {}
    for case_id, name in (Case.objects.filter(pk__in=[r.existing_case_id for r in rows if r.existing_case_id not in visible])
                          .values_list("pk", "assigned_staff__organisation__name")):
        if name and name not in holders.setdefault(case_id, []):
            holders[case_id].append(name)
    return [{"pair": r, "existing_visible": r.existing_case_id in visible,
             "holders": holders.get(r.existing_case_id, [])} for r in rows]


def linked_cases(case: Case) -> QuerySet[PossibleDuplicate]:
    """The decided links of a case (both directions): shown as case numbers on the case page."""
    return (PossibleDuplicate.objects.filter(Q(new_case=case) | Q(existing_case=case), decision=DuplicateDecision.LINKED)
            .select_related("new_case", "existing_case"))


def is_team_case_of(user: Any, case: Case) -> bool:
    """Whether the user leads the team this case belongs to."""
    return Case.objects.filter(team_lead_q(user), pk=case.pk).exists()


def duplicate_for_lead(user: Any, pk: int) -> PossibleDuplicate | None:
    """A possible duplicate of the lead's team (its new intake in the team), or None."""
    return (PossibleDuplicate.objects.filter(team_lead_q(user, prefix="new_case__"), pk=pk)
            .select_related("new_case").first())


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


# --- Unmasked outputs (issue 14, item 2) ---

def approvals_of_case(case: Case) -> QuerySet[OutputApproval]:
    return case.output_approvals.select_related("requested_by", "decided_by", "used_by")


def approvals_for_lead(user: Any) -> tuple[list[OutputApproval], list[OutputApproval]]:
    """The requests of the lead's team: waiting ones (oldest first), and the latest 30 decided."""
    rows = (OutputApproval.objects.filter(team_lead_q(user, prefix="case__"))
            .select_related("case", "requested_by", "decided_by", "used_by", "consent"))
    pending = list(rows.filter(status=ApprovalStatus.PENDING).order_by("requested_at", "pk"))
    decided = list(rows.exclude(status=ApprovalStatus.PENDING).order_by("-decided_at", "-pk")[:30])
    return pending, decided


def approval_for_lead(user: Any, pk: int) -> OutputApproval | None:
    return OutputApproval.objects.filter(team_lead_q(user, prefix="case__"), pk=pk).first()


def pending_approvals_count(user: Any) -> int:
    return OutputApproval.objects.filter(team_lead_q(user, prefix="case__"), status=ApprovalStatus.PENDING).count()
