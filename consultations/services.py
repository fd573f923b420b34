"""重層的支援: intake, consent, assessment, plans and the meetings that move them.

The four timings of a 重層的支援会議 (seed 003) and the only plan moves they allow:
  プラン策定時   draft → active (there is no active plan yet)
  プラン変更時   draft → active, and the active plan → superseded
  支援終結の判断時 active → ended; the case is closed, with its evaluation and follow-up
  支援中断の決定時 active → suspended; the case is suspended, with the reason
Any other move is refused. A 重層的支援会議 needs the person's current consent; a 支援会議
does not, but binds every attendee to confidentiality.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from auditlog.context import set_actor
from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from activities.models import Need, ResourceStatus, SocialResource
from activities.services import need_save
from coordinators.selectors import Coverage, area_coverage
from municipality.errors import DomainError
from municipality.models import Area, User
from municipality.terms import localise
from municipality.validators import require_birth_date, require_event_dates
from municipality.wareki import fiscal_year, fiscal_year_era
from municipality.wareki import format_wareki as _w

from . import legal_bases, selectors
from .models import (
    Agency,
    ApprovalStatus,
    AreaConference,
    Assessment,
    AssessmentAnswer,
    AssessmentItem,
    Case,
    CaseConference,
    CaseProgram,
    CaseSequence,
    CaseStatus,
    CaseUrgency,
    Consent,
    ConsentMethod,
    Decision,
    Degree,
    Domain,
    DuplicateDecision,
    EvacuationExport,
    EvacuationListing,
    EvacuationRecipient,
    Evaluation,
    EvaluationGoal,
    HouseholdMember,
    OutputApproval,
    OutputKind,
    ParticipationSupport,
    PlanGoal,
    PlanProgram,
    PlanStatus,
    PossibleDuplicate,
    Program,
    Referral,
    ReferralBasis,
    ReferralItem,
    ReferralStatus,
    SharingBody,
    SupportItem,
    SupportMeeting,
    SupportMeetingAttendee,
    SupportPlan,
    Timing,
    current_consent_q,
    team_lead_q,
)


def _next_number(received_on: dt.date) -> str:
    year = fiscal_year(received_on)
    era, era_year = fiscal_year_era(year)
    prefix = f"{'R' if era == '令和' else 'H'}{era_year}-"
    CaseSequence.objects.get_or_create(prefix=prefix)
    CaseSequence.objects.filter(prefix=prefix).update(last_serial=F("last_serial") + 1)  # row lock until commit
    serial = CaseSequence.objects.get(prefix=prefix).last_serial
    return f"{prefix}{serial:04d}"


@transaction.atomic
def case_open(
    *, received_on: dt.date, route: str, domains: Iterable[str], person_name: str, presenting_problems: str,
    by: User, household: Iterable[dict[str, Any]] = (), agencies: Iterable[Agency] = (),
    csw: User | None = None, programs: Iterable[str] = (Program.COMPREHENSIVE,), **person: Any,
) -> Case:
    """相談受付: open a case; the receiving worker is its first assigned staff.

    ``programs``: the 事業 the case is taken up under; a consultation is 包括的相談支援事業 unless the
    worker says otherwise (the default keeps callers that predate the 事業 working)."""
    require_event_dates({"受付日": received_on})
    require_birth_date(person.get("person_birth_date"))
    household = list(household)
    for member in household:
        require_birth_date(member.get("birth_date"), label=f"{member.get('name', '世帯員')}の生年月日")
    domains = list(dict.fromkeys(domains))
    programs = _programs(programs)
    with set_actor(by):
        if not domains or any(d not in Domain.values for d in domains):
            raise DomainError("分野を1つ以上選んでください（高齢・障がい・子ども・生活困窮・その他）。")
        if not person_name.strip() or not presenting_problems.strip():
            raise DomainError("本人の氏名と相談の内容を入力してください。")
        case = Case.objects.create(
            number=_next_number(received_on), received_on=received_on, route=route, domains=domains,
            person_name=person_name.strip(), presenting_problems=presenting_problems.strip(), csw=csw, **person,
        )
        case.assigned_staff.add(by)
        case.agencies.set(list(agencies))
        for member in household:  # one at a time: each row gets its audit entry
            HouseholdMember.objects.create(case=case, **member)
        CaseProgram.objects.bulk_create(CaseProgram(case=case, program=p) for p in programs)
        duplicates_record(case=case, by=by)
        return case


def _programs(programs: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(programs))
    if not chosen or any(p not in Program.values for p in chosen):
        raise DomainError("事業を1つ以上選んでください（" + "・".join(Program.labels) + "）。")
    return chosen


@transaction.atomic
def consent_record(
    *, case: Case, agencies: Iterable[Agency], given_on: dt.date, method: str, by: User,
    expires_on: dt.date | None = None,
) -> Consent:
    require_event_dates({"同意日": given_on, "有効期限": expires_on})
    with set_actor(by):
        agencies = list(agencies)
        if not agencies:
            raise DomainError("同意の範囲となる関係機関を1つ以上選んでください。")
        if expires_on and expires_on < given_on:
            raise DomainError(f"有効期限（{_w(expires_on)}）が同意日（{_w(given_on)}）より前です。")
        consent = Consent.objects.create(case=case, given_on=given_on, method=method, expires_on=expires_on,
                                         recorded_by=by)
        consent.agencies.set(agencies)
        return consent


@transaction.atomic
def consent_withdraw(*, consent: Consent, on: dt.date, by: User) -> Consent:
    """The person withdraws consent: from that day no agency sees the case through it."""
    require_event_dates({"撤回日": on})
    with set_actor(by):
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if consent.withdrawn_on is not None:
            raise DomainError(f"この同意は{_w(consent.withdrawn_on)}に撤回されています。")
        # A consent dated ahead is withdrawn from its own date: it never becomes current.
        consent.withdrawn_on = max(on, consent.given_on)
        consent.save(update_fields=["withdrawn_on"])
        return consent


ASSESSMENT_TEXTS = ("household_situation", "life_history", "background", "wishes")


@transaction.atomic
def assessment_add(
    *, case: Case, issues: str, by: User, situation: str = "", strengths: str = "",
    answers: Mapping[AssessmentItem, str] | None = None, **texts: str,
) -> Assessment:
    """A new version of the アセスメントシート; the earlier versions stay as they were written.

    ``answers``: 本人の状況, item by item (the items the city asks: AssessmentItem); ``texts``:
    世帯の状況, 生活歴, 背景要因, 本人と家族の意向."""
    unknown = set(texts) - set(ASSESSMENT_TEXTS)
    if unknown:
        raise TypeError(f"unknown assessment fields: {sorted(unknown)}")
    with set_actor(by):
        case = Case.objects.select_for_update().get(pk=case.pk)
        if not issues.strip():
            raise DomainError("課題の整理を入力してください。")
        version = (case.assessments.aggregate(v=Max("version"))["v"] or 0) + 1
        assessment = Assessment.objects.create(case=case, version=version, situation=situation, strengths=strengths,
                                               issues=issues, created_by=by, **texts)
        for item, text in (answers or {}).items():
            if text.strip():  # one at a time: each row gets its audit entry
                AssessmentAnswer.objects.create(assessment=assessment, item=item, label=item.label, text=text.strip())
        return assessment


@transaction.atomic
def plan_draft(
    *, case: Case, goals: str, policy: str, monitoring_on: dt.date, by: User, contents: str = "",
    roles: Iterable[tuple[Agency, str]] = (), based_on: Assessment | None = None,
    programs: Iterable[str] | None = None, short_goals: Iterable[str] = (),
    items: Iterable[Mapping[str, Any]] = (), wishes: str = "", agreed_on: dt.date | None = None,
    agreement_method: str = "",
) -> SupportPlan:
    """A new version of the プランシート, as a draft for the next 重層的支援会議.

    ``items``: 支援内容 (agency or bearer, content, frequency, starts_on, ends_on); ``roles``: the
    older shape (agency, role), kept for callers that have only that, saved as 支援内容 too.
    ``programs``: the 事業 of this plan (default: the case's). A 事業 new to the case is added to the
    case too, so that the case's 事業 are every one it has been supported under (yearly figures)."""
    require_event_dates({"モニタリングの時期": monitoring_on, "本人の同意日": agreed_on})
    items = [dict(item) for item in items] + [{"agency": agency, "content": role} for agency, role in roles]
    short_goals = [g.strip() for g in short_goals if g.strip()]
    for number, item in enumerate(items, start=1):
        require_event_dates({f"支援内容{number}の期間（から）": item.get("starts_on"),
                             f"支援内容{number}の期間（まで）": item.get("ends_on")})
    with set_actor(by):
        if not goals.strip():
            raise DomainError("長期目標を入力してください。")
        if agreed_on is not None and not agreement_method:
            raise DomainError("本人の同意の方法（署名・口頭など）を選んでください。")
        if agreement_method and agreed_on is None:
            raise DomainError("本人の同意日を入力してください。")
        for number, item in enumerate(items, start=1):
            if item.get("agency") is None and not str(item.get("bearer", "")).strip():
                raise DomainError(f"支援内容{number}の関係機関か担い手（本人・家族など）を入力してください。")
            if not str(item.get("content", "")).strip():
                raise DomainError(f"支援内容{number}の内容を入力してください。")
            starts, ends = item.get("starts_on"), item.get("ends_on")
            if starts and ends and ends < starts:
                raise DomainError(f"支援内容{number}の期間の終わり（{_w(ends)}）が始まり（{_w(starts)}）より前です。")
        case = Case.objects.select_for_update().get(pk=case.pk)
        chosen = _programs(case.program_rows.values_list("program", flat=True) if programs is None else programs)
        if case.status != CaseStatus.OPEN:
            raise DomainError(f"このケースは「{case.get_status_display()}」のため、プランを作れません。")
        if case.plans.filter(status=PlanStatus.DRAFT).exists():
            raise DomainError("会議にかけていないプランの案がすでにあります。その案を使ってください。")
        version = (case.plans.aggregate(v=Max("version"))["v"] or 0) + 1
        plan = SupportPlan.objects.create(case=case, version=version, goals=goals, policy=policy, contents=contents,
                                          monitoring_on=monitoring_on, based_on=based_on, created_by=by, wishes=wishes,
                                          agreed_on=agreed_on, agreement_method=agreement_method)
        for order, text in enumerate(short_goals, start=1):
            PlanGoal.objects.create(plan=plan, order=order, text=text)
        for order, item in enumerate(items, start=1):
            SupportItem.objects.create(
                plan=plan, order=order, agency=item.get("agency"), bearer=str(item.get("bearer", "")).strip(),
                content=str(item["content"]).strip(), frequency=str(item.get("frequency", "")).strip(),
                starts_on=item.get("starts_on"), ends_on=item.get("ends_on"))
        PlanProgram.objects.bulk_create(PlanProgram(plan=plan, program=p) for p in chosen)
        CaseProgram.objects.bulk_create((CaseProgram(case=case, program=p) for p in chosen), ignore_conflicts=True)
        return plan


@transaction.atomic
def evaluation_record(
    *, plan: SupportPlan, evaluated_on: dt.date, overall: str, decision: str, by: User,
    goals: Mapping[PlanGoal | None, tuple[str, str]], next_monitoring_on: dt.date | None = None,
) -> Evaluation:
    """評価 at the plan's monitoring: each goal's degree (``goals``: None for the 長期目標, then each
    短期目標 → (degree, change)), an overall comment and the proposed decision. 継続 moves the
    plan's monitoring date; プラン変更・終結・中断 go to the next 重層的支援会議, which decides."""
    require_event_dates({"評価日": evaluated_on, "次回モニタリングの時期": next_monitoring_on})
    with set_actor(by):
        plan = SupportPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != PlanStatus.ACTIVE:
            raise DomainError("評価は実施中のプランについてだけ記録できます。")
        if evaluated_on > timezone.localdate():
            raise DomainError("評価日が今日より後です。日付を確かめてください。")
        if decision not in Decision.values:
            raise DomainError("今後の方針（案）を選んでください（継続・プラン変更・終結・中断）。")
        if not overall.strip():
            raise DomainError("総合所見を入力してください。")
        if plan.evaluations.filter(for_monitoring_on=plan.monitoring_on).exists():
            raise DomainError(f"このモニタリング（{_w(plan.monitoring_on)}）の評価はすでに記録されています。")
        wanted = [None, *plan.short_goals.all()]
        missing = [("長期目標" if g is None else f"短期目標{g.order}") for g in wanted
                   if g not in goals or goals[g][0] not in Degree.values]
        if missing:
            raise DomainError(f"達成度を選んでください（{'、'.join(missing)}）。")
        if decision == Decision.CONTINUE:
            if next_monitoring_on is None:
                raise DomainError("継続のときは次回モニタリングの時期を入力してください。")
            if next_monitoring_on <= evaluated_on:
                raise DomainError("次回モニタリングの時期は評価日より後にしてください。")
        evaluation = Evaluation.objects.create(
            plan=plan, for_monitoring_on=plan.monitoring_on, evaluated_on=evaluated_on, overall=overall.strip(),
            decision=decision, next_monitoring_on=next_monitoring_on if decision == Decision.CONTINUE else None,
            created_by=by)
        for goal in wanted:
            degree, change = goals[goal]
            EvaluationGoal.objects.create(evaluation=evaluation, goal=goal, degree=degree, change=change.strip())
        if decision == Decision.CONTINUE and next_monitoring_on is not None:
            plan.monitoring_on = next_monitoring_on
            plan.save(update_fields=["monitoring_on"])
        return evaluation


REQUIRED = {
    Timing.CHANGE: [("situation_change", "本人の状況変化の確認・評価"), ("plan_evaluation", "現行プランの評価")],
    Timing.TERMINATION: [("achievement", "目標達成状況"), ("termination_evaluation", "支援終結の評価")],
    Timing.SUSPENSION: [("suspension_reason", "中断の理由")],
}


def _conference_consent(case: Case, held_on: dt.date, agencies: list[Agency], chosen: Consent | None) -> Consent:
    """The consent a 重層的支援会議 relies on: current on the day held and naming every attending agency.

    The chosen one, or else the newest current consent that names them all. Agencies spread over two
    consents are refused: each consent is what the person agreed to at once, and the record names one."""
    current = list(case.consents.filter(current_consent_q(held_on)).prefetch_related("agencies__organisation")
                   .order_by("-given_on", "-pk"))
    if not current:
        raise DomainError("本人の同意（有効なもの）がないため、重層的支援会議にはかけられません。支援会議で検討してください。")
    if chosen is not None:
        if chosen.pk not in {c.pk for c in current}:
            raise DomainError(f"選んだ本人同意（{_w(chosen.given_on)}）は開催日に有効ではありません"
                              "（撤回・期限切れ・別のケースのもの）。有効な同意を選んでください。")
        candidates = [c for c in current if c.pk == chosen.pk]
    else:
        candidates = current
    for consent in candidates:
        named = {a.pk for a in consent.agencies.all()}
        if all(a.pk in named for a in agencies):
            return consent
    named = {a.pk for a in candidates[0].agencies.all()}
    outside = [str(a) for a in agencies if a.pk not in named]
    raise DomainError(f"本人の同意の範囲にない関係機関は出席できません（{'、'.join(outside)}）。"
                      f"{_w(candidates[0].given_on)}の同意に含まれていません。")


def _attendees_within_consent(case: Case, consent: Consent, attendees: list[User]) -> None:
    """Staff who attend a 重層的支援会議 see its record: each is of the case's own team (an assigned
    worker or the CSW, or of their organisation) or of an agency the consent names."""
    team = set(case.assigned_staff.values_list("pk", flat=True)) | ({case.csw_id} if case.csw_id else set())
    organisations = (set(User.objects.filter(pk__in=team).values_list("organisation_id", flat=True))
                     | {a.organisation_id for a in consent.agencies.all()}) - {None}
    outside = [u.name or u.username for u in attendees if u.pk not in team and u.organisation_id not in organisations]
    if outside:
        raise DomainError(f"本人の同意の範囲にない機関の方は出席者にできません（{'、'.join(outside)}）。"
                          f"{_w(consent.given_on)}の同意に含まれる関係機関か、担当のチームの方を選んでください。")


def _conference_plan(case: Case, timing: Timing) -> SupportPlan:
    """The plan a meeting at this timing acts on, locked: the draft for 策定・変更, else the active plan."""
    status = PlanStatus.DRAFT if timing in (Timing.CREATION, Timing.CHANGE) else PlanStatus.ACTIVE
    plan = SupportPlan.objects.select_for_update().filter(case=case, status=status).order_by("-version").first()
    if plan is None:
        raise DomainError("この開催時期の会議にかけるプランがありません（策定・変更は案、終結・中断は実施中のプラン）。")
    return plan


@transaction.atomic
def conference_hold(
    *, case: Case, timing: str, held_on: dt.date, attendees: Iterable[User], by: User,
    plan: SupportPlan | None = None, agencies: Iterable[Agency] = (), consent: Consent | None = None, **record: Any,
) -> CaseConference:
    """Record a 重層的支援会議 and apply its decision to the plan (and the case).

    Without ``plan``, the plan the timing acts on: the draft (策定・変更) or the active plan (終結・中断).
    The consent is checked before the plan: without it nothing may be shared at the meeting, so it
    is the first thing to fix (the plan can wait for it, not the other way round)."""
    require_event_dates({"開催日": held_on})
    if timing not in Timing.values:
        raise DomainError("開催時期が正しくありません。")
    with set_actor(by):
        case = Case.objects.select_for_update().get(pk=case.pk)
        if plan is not None:
            plan = SupportPlan.objects.select_for_update().get(pk=plan.pk)
            if plan.case_id != case.pk:
                raise DomainError("別のケースのプランです。")
        if held_on > timezone.localdate():
            raise DomainError("開催前の会議は記録できません。開催日を確かめてください。")
        latest = case.conferences.aggregate(d=Max("held_on"))["d"]
        if latest and held_on < latest:
            raise DomainError(f"前回の会議（{_w(latest)}）より前の日付です。")
        agencies = list(agencies)
        consent = _conference_consent(case, held_on, agencies, consent)
        attendees = list(attendees)
        _attendees_within_consent(case, consent, attendees)
        for field, label in REQUIRED.get(Timing(timing), []):
            if not str(record.get(field, "")).strip():
                raise DomainError(f"{Timing(timing).label}の会議では「{label}」を記録してください。")
        if plan is None:
            plan = _conference_plan(case, Timing(timing))
        active = case.plans.filter(status=PlanStatus.ACTIVE).exclude(pk=plan.pk).first()
        proposal = selectors.pending_evaluation(case)  # before the plan moves: it is of the active plan

        if timing == Timing.CREATION:
            if plan.status != PlanStatus.DRAFT or active is not None or case.plans.exclude(
                    pk=plan.pk).exclude(status=PlanStatus.DRAFT).exists():
                raise DomainError("プラン策定時の会議は、はじめてのプランの案についてだけ開けます。")
            plan.status = PlanStatus.ACTIVE
        elif timing == Timing.CHANGE:
            if plan.status != PlanStatus.DRAFT or active is None:
                raise DomainError("プラン変更時の会議は、実施中のプランがあり、新しい版の案があるときに開けます。")
            active.status = PlanStatus.SUPERSEDED
            active.save(update_fields=["status"])
            plan.status = PlanStatus.ACTIVE
        elif timing in (Timing.TERMINATION, Timing.SUSPENSION):
            if plan.status != PlanStatus.ACTIVE:
                raise DomainError(f"{Timing(timing).label}の会議は、実施中のプランについてだけ開けます。")
            if timing == Timing.TERMINATION:
                if record.get("follow_up_needed") is None:
                    raise DomainError("フォローアップの必要があるかどうかを記録してください。")
                if record.get("follow_up_needed") and not str(record.get("follow_up_method", "")).strip():
                    raise DomainError("フォローアップの方法を記録してください。")
                plan.status, case.status = PlanStatus.ENDED, CaseStatus.CLOSED
            else:
                plan.status, case.status = PlanStatus.SUSPENDED, CaseStatus.SUSPENDED
            case.closed_on = held_on
            case.save(update_fields=["status", "closed_on"])
        else:
            raise DomainError("開催時期が正しくありません。")
        plan.save(update_fields=["status"])
        conference = CaseConference.objects.create(case=case, timing=timing, held_on=held_on, plan=plan,
                                                   consent=consent, recorded_by=by, **record)
        conference.attendees.set(list(attendees))
        conference.agencies.set(list(agencies))
        # The evaluation that proposed this move is decided by this meeting (whatever it decided).
        evaluated_plan = active if timing == Timing.CHANGE else plan
        if proposal is not None and evaluated_plan is not None and proposal.plan_id == evaluated_plan.pk:
            proposal.conference = conference
            proposal.save(update_fields=["conference"])
        return conference


@transaction.atomic
def support_meeting_record(
    *, held_on: dt.date, cases: Iterable[Case], attendees: Iterable[dict[str, Any]], shared: str, policy: str,
    by: User, body: SharingBody | None = None,
) -> SupportMeeting:
    """支援会議: may concern a person without consent, on 社会福祉法第106条の6 or, as a meeting of an
    existing body (要対協 …), on that body's law. Every attendee must be under that law's duty, and
    at a body's meeting every attendee's agency must be one of its members."""
    require_event_dates({"開催日": held_on})
    with set_actor(by):
        attendees = [_attendee(a) for a in attendees]
        if not attendees:
            raise DomainError("出席者を記録してください。")
        basis_code = legal_bases.SUPPORT_MEETING
        if body is not None:
            body = SharingBody.objects.prefetch_related("members").get(pk=body.pk)
            if not body.active:
                raise DomainError(f"「{body.name}」は使用を終えた会議体です。")
            basis_code = body.basis
        try:
            basis = legal_bases.get(basis_code)
        except KeyError:
            raise DomainError(f"会議体「{body}」の根拠（{basis_code}）が登録されていません。市の担当者に確認してください。") from None
        if not basis.is_body:
            raise DomainError("支援会議の根拠は、守秘義務のある法定の会議体の根拠でなければなりません。")
        if body is not None:
            members = {a.pk for a in body.members.all()}
            outside = [f"{a['name']}（{a['organisation']}）" for a in attendees
                       if a.get("agency") is None or a["agency"].pk not in members]
            if outside:
                raise DomainError(f"{body.name}の構成機関ではない出席者がいます（{'、'.join(outside)}）。"
                                  "会議体の会議には構成機関の方だけが出席できます。")
        missing = [a["name"] for a in attendees if not a.get("confidentiality_acknowledged")]
        if missing:
            raise DomainError(f"守秘義務の説明を受けていない出席者がいます（{'、'.join(missing)}）。"
                              f"支援会議には出席できません（説明する守秘義務：{basis.duty}）。")
        meeting = SupportMeeting.objects.create(held_on=held_on, shared=shared, policy=policy, recorded_by=by,
                                                basis=basis.code, body=body)
        meeting.cases.set(list(cases))
        for attendee in attendees:
            SupportMeetingAttendee.objects.create(meeting=meeting, duty=basis.duty, **attendee)
        return meeting


def _attendee(row: dict[str, Any]) -> dict[str, Any]:
    """An attendee as stored: a user by their name and organisation (and its agency, if registered);
    another attendee by the 所属 written, matched to the register of agencies by its exact name."""
    row = dict(row)
    user = row.get("user")
    if user is not None:
        row.setdefault("name", user.get_full_name() or user.username)
        row.setdefault("organisation", user.organisation.name if user.organisation_id else "—")
        if "agency" not in row:
            row["agency"] = Agency.objects.filter(organisation_id=user.organisation_id).first() \
                if user.organisation_id else None
    elif "agency" not in row:
        row["agency"] = Agency.objects.filter(organisation__name=str(row.get("organisation", "")).strip()).first()
    return row


ANONYMISED = "（匿名化済み）"


def _retention_edits(on: bool) -> None:
    """Let the database triggers of the 支援経過記録 and the 連携シート accept the retention job's blanking,
    for this transaction only (set_config(..., true) is SET LOCAL) and switched off again when the job is
    done, so that no page's save ever passes under it (migration 0014)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('consultations.retention', %s, true)", ["on" if on else "off"])


def _anonymise_case(case: Case) -> bool:
    """相談受付票 and what hangs on the case itself: person, household, urgency, 参加支援, 重層的支援会議."""
    if case.anonymised_at is not None:
        return False
    case.person_name, case.person_kana = ANONYMISED, ""
    case.person_birth_date, case.person_address, case.person_phone = None, "", ""
    case.presenting_problems = ANONYMISED
    case.anonymised_at = timezone.now()
    case.save()
    # Row by row, so the audit log records each change (by field name, never by value).
    for member in case.household.all():
        member.name, member.relation, member.birth_date, member.note = ANONYMISED, "", None, ""
        member.save()
    for urgency in case.urgencies.all():  # the reasons describe the person's situation
        urgency.reason = ANONYMISED
        urgency.clear_note = ANONYMISED if urgency.clear_note else ""
        urgency.save(update_fields=["reason", "clear_note"])
    for support in ParticipationSupport.objects.filter(plan__case=case):
        support.note = ANONYMISED  # the 地域ニーズ it asked for holds no personal data: kept
        support.save()
    for conference in case.conferences.all():
        for field in ("situation_change", "plan_evaluation", "achievement", "termination_evaluation",
                      "follow_up_method", "suspension_reason"):
            setattr(conference, field, "")
        conference.save()
    # Approvals of unmasked outputs: why and for whom may name the person or their situation; who asked,
    # who decided, when and which items (by name) stay, as the register's record of a disclosure.
    for approval in case.output_approvals.all():
        approval.purpose, approval.recipient = ANONYMISED, ANONYMISED
        approval.decision_note = ANONYMISED if approval.decision_note else ""
        approval.save(update_fields=["purpose", "recipient", "decision_note"])
    return True


def _anonymise_assessments(case: Case) -> bool:
    changed = False
    for assessment in case.assessments.exclude(issues=ANONYMISED).prefetch_related("answers"):
        assessment.situation, assessment.strengths, assessment.issues = ANONYMISED, "", ANONYMISED
        for field in ASSESSMENT_TEXTS:
            setattr(assessment, field, "")
        assessment.save()
        for answer in assessment.answers.all():
            answer.text = ANONYMISED
            answer.save()
        changed = True
    return changed


def _anonymise_plans(case: Case) -> bool:
    changed = False
    for plan in case.plans.exclude(goals=ANONYMISED).prefetch_related("roles", "short_goals", "items",
                                                                       "evaluations__goals"):
        plan.goals = plan.policy = plan.contents = ANONYMISED
        plan.wishes = ""
        plan.save()
        for role in plan.roles.all():
            role.role = ANONYMISED
            role.save()
        for goal in plan.short_goals.all():
            goal.text = ANONYMISED
            goal.save()
        for item in plan.items.all():
            item.content = ANONYMISED
            item.bearer = ANONYMISED if item.bearer else ""
            item.frequency = ""
            item.save()
        for evaluation in plan.evaluations.all():
            evaluation.overall = ANONYMISED
            evaluation.save()
            for row in evaluation.goals.all():
                row.change = ""
                row.save()
        changed = True
    return changed


def _anonymise_timeline(case: Case) -> bool:
    changed = False
    for entry in case.timeline_entries.exclude(content=ANONYMISED):  # the trigger lets the retention job pass
        entry.with_whom, entry.content, entry.next_step = ANONYMISED, ANONYMISED, ""
        entry.save(update_fields=["with_whom", "content", "next_step"])
        changed = True
    return changed


def _anonymise_referrals(case: Case) -> bool:
    changed = False
    for referral in case.referrals.exclude(purpose=ANONYMISED):
        # Retention reaches the copies sent too: the sheet keeps its items' names only.
        referral.shared = [[label, ANONYMISED] for label, _ in referral.shared]
        referral.purpose = ANONYMISED
        if referral.return_reason:
            referral.return_reason = ANONYMISED
        referral.save()
        changed = True
    return changed


def _anonymise_evacuation(case: Case) -> bool:
    changed = False
    for listing in case.evacuation_listings.exclude(reason=ANONYMISED):
        listing.reason = ANONYMISED
        listing.save(update_fields=["reason"])
        changed = True
    for export in EvacuationExport.objects.filter(cases=case):
        rows = [[pk, [ANONYMISED] * len(values)] if pk == case.pk else [pk, values] for pk, values in export.rows]
        if rows != export.rows:
            export.rows = rows
            export.save(update_fields=["rows"])
            changed = True
    return changed


def _anonymise_support_meetings(case: Case, *, closed_before: dt.date) -> bool:
    """A 支援会議 may concern several people: its notes and its attendees' names go once every case
    it discussed is past the retention."""
    changed = False
    for meeting in SupportMeeting.objects.filter(cases=case).prefetch_related("cases", "attendees"):
        if not all(c.status in (CaseStatus.CLOSED, CaseStatus.SUSPENDED) and c.closed_on is not None
                   and c.closed_on < closed_before for c in meeting.cases.all()):
            continue
        if meeting.shared != ANONYMISED:
            meeting.shared = meeting.policy = ANONYMISED
            meeting.save()
            changed = True
        for attendee in meeting.attendees.all():
            if attendee.name != ANONYMISED:
                attendee.name = ANONYMISED
                attendee.save(update_fields=["name"])
                changed = True
    return changed


RETENTION_STEPS = {
    "case": _anonymise_case,
    "assessment": _anonymise_assessments,
    "plan": _anonymise_plans,
    "timeline": _anonymise_timeline,
    "referral": _anonymise_referrals,
    "evacuation": _anonymise_evacuation,
}


@transaction.atomic
def cases_anonymise(*, closed_before: dt.date | None = None, today: dt.date | None = None,
                    by: User | None = None) -> list[str]:
    """Retention: strip each kind of record's personal data once its period (setting ``CASE_RETENTION``)
    has passed since its case was closed (終結・中断); with ``closed_before``, every kind of the cases
    closed before that day. Nothing is deleted. Returns the numbers of the cases changed."""
    from . import retention

    day = today or timezone.localdate()

    def before(kind: str) -> dt.date:
        return closed_before or retention.cutoff(kind, day)

    closed = Case.objects.filter(status__in=[CaseStatus.CLOSED, CaseStatus.SUSPENDED], closed_on__isnull=False)
    changed: set[str] = set()
    # On an error the savepoint's rollback undoes the setting too (a GUC set in a subtransaction).
    _retention_edits(True)
    with set_actor(by):
        list(closed.filter(closed_on__lt=max(before(k) for k in retention.CODES)).select_for_update())
        for kind, step in RETENTION_STEPS.items():
            for case in closed.filter(closed_on__lt=before(kind)).order_by("pk"):
                if step(case):
                    changed.add(case.number)
        meetings_before = before("support_meeting")
        for case in closed.filter(closed_on__lt=meetings_before).order_by("pk"):
            if _anonymise_support_meetings(case, closed_before=meetings_before):
                changed.add(case.number)
    _retention_edits(False)
    return sorted(changed)


@transaction.atomic
def staff_assign(*, case: Case, worker: User, by: User) -> Case:
    """Add a worker to a case: by its assigned staff, or by the team lead of its organisation, who
    assigns only workers of that same organisation (a lead does not reach into another team)."""
    with set_actor(by):
        from municipality.roles import Role

        from .access import is_assigned

        if not worker.has_role(Role.CASE_WORKER):
            raise DomainError("担当にできるのは相談支援員だけです。")
        if not is_assigned(by, case):
            if not Case.objects.filter(team_lead_q(by), pk=case.pk).exists():
                raise DomainError("担当者を加えられるのは、このケースの担当者とチームの相談支援管理者だけです。")
            if worker.organisation_id != by.organisation_id:
                raise DomainError("相談支援管理者が担当にできるのは、同じ団体の相談支援員だけです。")
        case.assigned_staff.add(worker)
        return case


def _flat(text: str) -> str:
    import re
    import unicodedata

    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text or ""))


def _names_in(case: Case, text: str) -> bool:
    """Whether the text names the person or a household member (full name, surname, kana, address)."""
    flat = _flat(text)
    address = _flat(case.person_address)
    # An address gives itself away by its house number: any 5 characters of it with a digit.
    windows = {address[i:i + 5] for i in range(max(len(address) - 4, 0))}
    if any(any(ch.isdigit() for ch in w) and w in flat for w in windows):
        return True
    # household.all(): served from a prefetch when a caller checks many cases (_names_in_any).
    candidates = [case.person_name, case.person_kana, case.person_phone,
                  *(member.name for member in case.household.all())]
    for value in [c for c in candidates if c and c != ANONYMISED]:
        parts = [_flat(value)]
        surname = _flat(value.replace("\u3000", " ").split(" ")[0])
        if len(surname) >= 2:
            parts.append(surname)
        if any(part and part in flat for part in parts):
            return True
    return False


@transaction.atomic
def regional_issue_raise(*, title: str, description: str, by: User, case: Case | None = None,
                         area_conference: AreaConference | None = None):
    """Raise a 地域の課題, from a case or from a 重層的支援会議 on a 地域生活課題. The text must not name
    a person: the case's names are refused (from a meeting: those of every case the worker sees)."""
    from django.utils import timezone as tz

    from .models import RegionalIssue

    with set_actor(by):
        if case is not None and _names_in(case, f"{title}\n{description}"):
            raise DomainError("地域の課題に個人が特定できる情報（氏名・住所など）が含まれています。書き直してください。")
        if area_conference is not None and _names_in_any(Case.objects.visible_to(by), f"{title}\n{description}"):
            raise DomainError("地域の課題に個人が特定できる情報（氏名・住所など）が含まれています。書き直してください。")
        return RegionalIssue.objects.create(
            title=title.strip(), description=description.strip(), raised_on=tz.localdate(), raised_by=by,
            area_conference=area_conference, area=area_conference.area if area_conference is not None else None)


# --- 連携シート (referrals) ---


def working_days_after(day: dt.date, n: int) -> dt.date:
    """The n-th working day after a day. Working days are Monday to Friday: the project has no
    calendar of public holidays (祝日), so a holiday counts as a working day."""
    while n > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def working_days_before(day: dt.date, n: int) -> dt.date:
    """The day n working days before a day (the inverse of ``working_days_after`` on weekdays)."""
    while n > 0:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


@transaction.atomic
def referral_send(
    *, case: Case, agency: Agency, items: Iterable[str], purpose: str, basis: str, by: User,
    support_meeting: SupportMeeting | None = None, consent: Consent | None = None,
) -> Referral:
    """連携シートを送る: the chosen items go to the agency as they stand now (a snapshot).

    On ``consent``: the agency must be named by a consent current today (the one chosen, or the newest
    that names it), which the sheet records. On a statutory basis: a meeting about this case on that
    basis decided the sharing, and the agency is a member of the meeting's body (or, at a plain
    支援会議 of 社会福祉法第106条の6, attended it). The disclosure (items, agency, basis) is logged.
    """
    from .access import is_assigned, log_disclosure

    with set_actor(by):
        case = Case.objects.select_for_update().get(pk=case.pk)
        if not is_assigned(by, case):
            raise DomainError("連携シートを送れるのは、このケースの担当者とCSWだけです。")
        if case.anonymised_at is not None:
            raise DomainError("匿名化したケースの連携シートは送れません。")
        chosen = [i for i in ReferralItem.values if i in set(items)]
        unknown = set(items) - set(ReferralItem.values)
        if unknown or not chosen:
            raise DomainError("共有する項目を、一覧から1つ以上選んでください。")
        if not purpose.strip():
            raise DomainError("依頼の内容・目的を入力してください。")
        today = timezone.localdate()
        if basis == ReferralBasis.CONSENT:
            if support_meeting is not None:
                raise DomainError("根拠が本人同意のときは、支援会議を選ばないでください。")
            consent = _referral_consent(case, agency, consent, today)
        else:
            _check_meeting_decision(case, agency, basis, support_meeting, consent, today)
        referral = Referral.objects.create(
            case=case, agency=agency, sent_by=by, sent_at=timezone.now(), purpose=purpose.strip(), items=chosen,
            shared=selectors.referral_snapshot(case, chosen, today), basis=basis, consent=consent,
            support_meeting=support_meeting,
        )
        log_disclosure(by, referral)
        return referral


def _referral_consent(case: Case, agency: Agency, chosen: Consent | None, today: dt.date) -> Consent:
    current = case.consents.filter(current_consent_q(today), agencies=agency).order_by("-given_on", "-pk")
    if chosen is not None:
        fresh = Consent.objects.filter(pk=chosen.pk, case=case).first()  # as stored, not as the caller holds it
        if fresh is None or not fresh.is_current(today):
            raise DomainError(f"選んだ本人同意（{_w(chosen.given_on)}）は、撤回されたか有効期限が切れています"
                              "（または別のケースのものです）。連携シートの根拠にはできません。")
        current = current.filter(pk=chosen.pk)
    consent = current.first()
    if consent is None:
        raise DomainError(f"「{agency}」は本人の同意の範囲にないため、連携シートを送れません。"
                          "支援会議（社会福祉法第106条の6）や会議体の会議で共有を決めた場合は、根拠を会議の決定にしてその会議を選んでください。")
    return consent


def _check_meeting_decision(case: Case, agency: Agency, basis: str, meeting: SupportMeeting | None,
                            consent: Consent | None, today: dt.date) -> None:
    """A 連携シート on a statutory basis: the deciding meeting, on that basis, about this case, with the
    agency among those bound by its duty."""
    try:
        known = legal_bases.get(basis)
    except KeyError:
        known = None
    if known is None or not known.is_body:
        raise DomainError("共有の根拠を選んでください（本人同意または会議の決定）。")
    if consent is not None:
        raise DomainError("根拠が会議の決定のときは、本人同意を選ばないでください。")
    if meeting is None:
        raise DomainError("共有を決めた支援会議を選んでください。")
    if not meeting.cases.filter(pk=case.pk).exists():
        raise DomainError("選んだ支援会議は、このケースを検討していません。このケースを検討した支援会議を選んでください。")
    if meeting.held_on > today:
        raise DomainError("開催前の支援会議は根拠にできません。")
    if meeting.basis != basis:
        raise DomainError(f"選んだ会議の根拠は「{meeting.get_basis_display()}」です。共有の根拠と合いません。")
    if meeting.body_id is not None:
        body = meeting.body
        if body is None or not body.members.filter(pk=agency.pk).exists():
            raise DomainError(f"「{agency}」は{body}の構成機関ではないため、この会議の決定では連携シートを送れません。")
    elif not meeting.attendees.filter(Q(agency=agency) | Q(user__organisation_id=agency.organisation_id)).exists():
        raise DomainError(f"「{agency}」はこの支援会議に出席していないため、この会議の決定では連携シートを送れません。"
                          "支援会議で守秘義務を負った関係機関にだけ送れます。")


def _answerable(referral: Referral, by: User) -> Referral:
    referral = Referral.objects.select_for_update().select_related("agency").get(pk=referral.pk)
    if not by.organisation_id or referral.agency.organisation_id != by.organisation_id:
        raise DomainError("この連携シートに回答できるのは、送付先の関係機関の相談支援員だけです。")
    if referral.status != ReferralStatus.SENT:
        raise DomainError(f"この連携シートは「{referral.get_status_display()}」です。回答は一度だけです。")
    return referral


@transaction.atomic
def referral_accept(*, referral: Referral, by: User) -> Referral:
    """受理: from now the agency sees the case read only (on a 支援会議's decision; see Case.objects)."""
    with set_actor(by):
        referral = _answerable(referral, by)
        referral.status, referral.answered_by, referral.answered_at = ReferralStatus.ACCEPTED, by, timezone.now()
        referral.save(update_fields=["status", "answered_by", "answered_at"])
        return referral


@transaction.atomic
def referral_return(*, referral: Referral, reason: str, by: User) -> Referral:
    """返戻: with the reason; the agency keeps only the sheet, never the case."""
    with set_actor(by):
        referral = _answerable(referral, by)
        if not reason.strip():
            raise DomainError("返戻の理由を入力してください。")
        referral.status, referral.answered_by, referral.answered_at = ReferralStatus.RETURNED, by, timezone.now()
        referral.return_reason = reason.strip()
        referral.save(update_fields=["status", "answered_by", "answered_at", "return_reason"])
        return referral


# --- 支援経過記録 (timeline) ---

TIMELINE_TEXT_FIELDS = ("contact_at", "method", "with_whom", "agency", "content", "next_step", "next_step_on")


def _timeline_values(*, contact_at: dt.datetime, method: str, with_whom: str, content: str, next_step: str,
                     next_step_on: dt.date | None, agency: Agency | None) -> dict[str, Any]:
    from .models import ContactMethod

    require_event_dates({"日時": contact_at, "次の対応の予定日": next_step_on})
    if method not in ContactMethod.values:
        raise DomainError("方法を選んでください。")
    if not with_whom.strip() and agency is None:
        raise DomainError("相手（本人・家族・関係機関など）を入力してください。")
    if not content.strip():
        raise DomainError("内容を入力してください。")
    if contact_at > timezone.now():
        raise DomainError("これからの予定は記録できません。日時を確かめてください（予定は「今後の対応」に書きます）。")
    return {"contact_at": contact_at, "method": method, "with_whom": with_whom.strip() or str(agency),
            "content": content.strip(), "next_step": next_step.strip(), "next_step_on": next_step_on,
            "agency": agency}


def _require_assigned(case: Case, by: User) -> None:
    if not (case.csw_id == by.pk or case.assigned_staff.filter(pk=by.pk).exists()):
        raise DomainError("支援経過を記録できるのは、このケースの担当者だけです。")


@transaction.atomic
def timeline_entry_add(
    *, case: Case, contact_at: dt.datetime, method: str, with_whom: str, content: str, by: User,
    next_step: str = "", next_step_on: dt.date | None = None, agency: Agency | None = None,
    corrects: Any = None,
) -> Any:
    """支援経過記録: one contact of the case, written by its assigned staff."""
    from .models import TimelineEntry

    with set_actor(by):
        _require_assigned(case, by)
        values = _timeline_values(contact_at=contact_at, method=method, with_whom=with_whom, content=content,
                                  next_step=next_step, next_step_on=next_step_on, agency=agency)
        return TimelineEntry.objects.create(case=case, recorded_by=by, written_at=timezone.now(),
                                            corrects=corrects, **values)


def timeline_entry_editable(entry: Any, user: Any, now: dt.datetime | None = None) -> str | None:
    """Why this user may not edit the entry now (a Japanese message), or None when they may."""
    now = now or timezone.now()
    if entry.recorded_by_id != user.pk:
        return "支援経過の記録を変更できるのは、記録した本人だけです。"
    if timezone.localdate(entry.written_at) != timezone.localdate(now):
        return (f"この記録は{_w(timezone.localdate(entry.written_at))}に書かれたため、変更できません。"
                "誤りは訂正の記録を新しく書いてください。")
    if entry.case.anonymised_at is not None:
        return "匿名化したケースの記録は変更できません。"
    return None


@transaction.atomic
def timeline_entry_edit(
    *, entry: Any, contact_at: dt.datetime, method: str, with_whom: str, content: str, by: User,
    next_step: str = "", next_step_on: dt.date | None = None, agency: Agency | None = None,
) -> Any:
    """Its author edits an entry on the (Asia/Tokyo) day it was written; later days are refused."""
    from .models import TimelineEntry

    with set_actor(by):
        entry = TimelineEntry.objects.select_for_update().select_related("case").get(pk=entry.pk)
        _require_assigned(entry.case, by)
        now = timezone.now()
        refusal = timeline_entry_editable(entry, by, now)
        if refusal:
            raise DomainError(refusal)
        values = _timeline_values(contact_at=contact_at, method=method, with_whom=with_whom, content=content,
                                  next_step=next_step, next_step_on=next_step_on, agency=agency)
        for field, value in values.items():
            setattr(entry, field, value)
        # Strictly later than the last stamp (the database trigger checks it too).
        entry.edited_at = max(now, entry.edited_at + dt.timedelta(microseconds=1)) if entry.edited_at else now
        entry.save(update_fields=[*TIMELINE_TEXT_FIELDS, "edited_at"])
        return entry


@transaction.atomic
def timeline_entry_correct(
    *, entry: Any, contact_at: dt.datetime, method: str, with_whom: str, content: str, by: User,
    next_step: str = "", next_step_on: dt.date | None = None, agency: Agency | None = None,
) -> Any:
    """A correction: a new entry naming the one it corrects, which stays as it was."""
    from .models import TimelineEntry

    with set_actor(by):
        entry = TimelineEntry.objects.select_for_update().select_related("case").get(pk=entry.pk)
        return timeline_entry_add(case=entry.case, contact_at=contact_at, method=method, with_whom=with_whom,
                                  content=content, by=by, next_step=next_step, next_step_on=next_step_on,
                                  agency=agency, corrects=entry)


# --- Team lead: urgency and duplicates at intake ---

def _notify(users: Iterable[User], *, reason: str, object_key: str, step: str, title: str, body: str,
            url: str) -> None:
    """お知らせ (in-app notices) through the reminders' outbox, each once per user and step. Texts
    name the case by its number only."""
    from reminders.scan import Planned
    from reminders.services import enqueue

    enqueue([Planned("", user.pk, reason, object_key, step, title, body, url) for user in users])


def _case_url(case: Case) -> str:
    from django.urls import reverse

    return reverse("cases:detail", args=[case.pk])


@transaction.atomic
def urgency_mark(*, case: Case, reason: str, by: User) -> CaseUrgency:
    """緊急性がある事案 (seed 003 支援会議 ③): the team lead is told at once, and a 支援会議 is due
    within CASE_URGENT_MEETING_DAYS days."""
    from django.conf import settings

    from reminders.models import Reason

    from .access import is_assigned

    with set_actor(by):
        case = Case.objects.select_for_update().get(pk=case.pk)
        if not is_assigned(by, case):
            raise DomainError("緊急の記録ができるのは、このケースの担当者だけです。")
        if case.status != CaseStatus.OPEN:
            raise DomainError(f"このケースは「{case.get_status_display()}」のため、緊急にできません。")
        if not reason.strip():
            raise DomainError("緊急とする理由を入力してください。")
        if case.urgencies.filter(cleared_at__isnull=True).exists():
            raise DomainError("このケースはすでに緊急とされています。")
        due = timezone.localdate() + dt.timedelta(days=settings.CASE_URGENT_MEETING_DAYS)
        urgency = CaseUrgency.objects.create(case=case, reason=reason.strip(), marked_by=by, meeting_due_on=due)
        leads = selectors.team_leads_of(selectors.team_organisation_ids(case)).exclude(pk=by.pk)
        _notify(leads, reason=Reason.CASE_URGENT, object_key=f"consultations.caseurgency:{urgency.pk}",
                step="marked", title=f"緊急：{case}",
                body=(f"{case} が緊急性がある事案とされました。\n"
                      f"{_w(due)}までに支援会議を開いてください。理由はケースのページで確認してください。"),
                url=_case_url(case))
        return urgency


@transaction.atomic
def urgency_clear(*, case: Case, note: str, by: User) -> CaseUrgency:
    """The urgency ends, with a note why; the mark stays in the case's history."""
    from .access import is_assigned

    with set_actor(by):
        case = Case.objects.select_for_update().get(pk=case.pk)
        if not is_assigned(by, case):
            raise DomainError("緊急の解除ができるのは、このケースの担当者だけです。")
        urgency = case.urgencies.filter(cleared_at__isnull=True).first()
        if urgency is None:
            raise DomainError("このケースは緊急とされていません。")
        if not note.strip():
            raise DomainError("解除の理由を入力してください。")
        urgency.cleared_at, urgency.cleared_by, urgency.clear_note = timezone.now(), by, note.strip()
        urgency.save(update_fields=["cleared_at", "cleared_by", "clear_note"])
        return urgency


@transaction.atomic
def duplicates_record(*, case: Case, by: User) -> list[PossibleDuplicate]:
    """A new intake that matches other cases (name or kana, plus birth date): each pair is kept for
    the team lead to decide, and the leads of the intake's team are told (by case number only)."""
    from django.urls import reverse

    from reminders.models import Reason

    with set_actor(by):
        found = [PossibleDuplicate.objects.get_or_create(new_case=case, existing_case=other)[0]
                 for other in selectors.matching_cases(case)]
        if found and by.organisation_id:
            _notify(selectors.team_leads_of({by.organisation_id}).exclude(pk=by.pk),
                    reason=Reason.POSSIBLE_DUPLICATE, object_key=f"consultations.case:{case.pk}", step="intake",
                    title=f"重複の可能性：{case}",
                    body=f"新しい相談受付 {case} は、すでにある記録と同じ方の可能性があります。確認してください。",
                    url=reverse("cases:duplicates"))
        return found


@transaction.atomic
def duplicate_decide(*, duplicate: PossibleDuplicate, decision: str, by: User) -> PossibleDuplicate:
    """The team lead links the intake to the existing case (both kept; the existing case's consent
    governs, nothing is copied) or confirms they are different people. Decided once."""
    with set_actor(by):
        duplicate = PossibleDuplicate.objects.select_for_update().get(pk=duplicate.pk)
        if not Case.objects.filter(team_lead_q(by), pk=duplicate.new_case_id).exists():
            raise DomainError("判断できるのは、この相談受付のチームの相談支援管理者だけです。")
        if decision not in (DuplicateDecision.LINKED, DuplicateDecision.DIFFERENT):
            raise DomainError("判断を選んでください（同一人物として紐付け・別人）。")
        if duplicate.decision != DuplicateDecision.PENDING:
            raise DomainError(f"この組み合わせはすでに「{duplicate.get_decision_display()}」と判断されています。")
        duplicate.decision, duplicate.decided_by, duplicate.decided_at = decision, by, timezone.now()
        duplicate.save(update_fields=["decision", "decided_by", "decided_at"])
        return duplicate


# --- 参加支援 and the 重層的支援会議 on a 地域生活課題 (issue 13, items 5 and 7) ---

PERSONAL_DATA_REFUSED = ("{what}に個人が特定できる情報（本人や世帯員の氏名・ふりがな・住所など）が含まれています。"
                         "個人が特定できないように書き直してください。")


def _names_in_any(cases: Any, text: str) -> bool:
    """Whether the text names the person or a household member of any of these cases (the same check
    as a 地域の課題 raised from one case, _names_in, applied to each)."""
    cases = cases.filter(anonymised_at__isnull=True).only(
        "person_name", "person_kana", "person_phone", "person_address").prefetch_related("household")
    return any(_names_in(case, text) for case in cases.iterator(chunk_size=500))


@transaction.atomic
def participation_support_add(
    *, plan: SupportPlan, note: str, by: User, resource: SocialResource | None = None, need_request: dict[str, Any] | None = None,
) -> ParticipationSupport:
    """参加支援: the plan names a 社会資源 (or what is sought); optionally asks the area's coordinator
    at once (``need_request``: area, title, description; see participation_need_request)."""
    with set_actor(by):
        plan = SupportPlan.objects.select_for_update().select_related("case").get(pk=plan.pk)
        if plan.case.status != CaseStatus.OPEN or plan.status not in (PlanStatus.DRAFT, PlanStatus.ACTIVE):
            raise DomainError("参加支援は、支援中のケースの実施中のプラン（またはその案）にだけ記録できます。")
        if not note.strip():
            raise DomainError("参加支援の内容を入力してください。")
        if resource is not None and resource.status not in (ResourceStatus.ACTIVE, ResourceStatus.PLANNED):
            raise DomainError(f"社会資源「{resource.name}」は{resource.get_status_display()}のため、つなげません。")
        support = ParticipationSupport.objects.create(plan=plan, resource=resource, note=note.strip(), created_by=by)
        if need_request is not None:
            participation_need_request(support=support, by=by, **need_request)
            support.refresh_from_db()
        return support


@transaction.atomic
def participation_need_request(*, support: ParticipationSupport, area: Area, title: str, description: str,
                               by: User) -> Need:
    """Ask the coordinator of an area for help: a 地域ニーズ holding only what the worker wrote,
    refused if it names the person or a household member. The link stays on the case side."""
    with set_actor(by):
        support = ParticipationSupport.objects.select_for_update().select_related("plan__case").get(pk=support.pk)
        case = support.plan.case
        if support.need_id is not None:
            raise DomainError(localise("この参加支援は、すでにコーディネーターに依頼しています。"))
        if case.status != CaseStatus.OPEN:
            raise DomainError(f"このケースは「{case.get_status_display()}」のため、依頼できません。")
        title, description = title.strip(), description.strip()
        if not title:
            raise DomainError("依頼するニーズ（地域ニーズの件名）を入力してください。")
        if _names_in(case, f"{title}\n{description}"):
            raise DomainError(PERSONAL_DATA_REFUSED.format(what=localise("コーディネーターへの依頼")))
        today = timezone.localdate()
        coverage = area_coverage(day=today, areas=Area.objects.filter(pk=area.pk))
        if not coverage or coverage[0].status != Coverage.COVERED:
            raise DomainError(localise(f"{area.name}には今日時点で配置されているコーディネーターがいないため、依頼できません。"))
        # The coordinator asked records it: the need then shows in their own list and area.
        coordinator = coverage[0].coordinators[0]
        # Whom the coordinator answers: the worker's organisation, never the case.
        raised_by = "相談支援機関からの参加支援の依頼"
        if by.organisation is not None:
            raised_by += f"（{by.organisation.name}）"
        need = need_save(need=Need(title=title, description=description, area=area, raised_by=raised_by[:200],
                                   raised_on=today), coordinator=coordinator, by=by)
        support.need = need
        support.save(update_fields=["need"])
        return need


@transaction.atomic
def area_conference_record(
    *, held_on: dt.date, issue: str, decisions: str, by: User, area: Area | None = None,
    attendees: Iterable[User] = (), agencies: Iterable[Agency] = (),
) -> AreaConference:
    """重層的支援会議 on a 地域生活課題: no case, so no consent rule; its text must name nobody."""
    from .models import may_handle_cases

    require_event_dates({"開催日": held_on})
    with set_actor(by):
        if not may_handle_cases(by) or not by.organisation_id:
            raise DomainError("この会議を記録できるのは、相談支援機関に所属する相談支援員です。")
        if held_on > timezone.localdate():
            raise DomainError("開催前の会議は記録できません。開催日を確かめてください。")
        issue, decisions = issue.strip(), decisions.strip()
        if not issue or not decisions:
            raise DomainError("検討した地域生活課題と、決定したことを記録してください。")
        if _names_in_any(Case.objects.visible_to(by), f"{issue}\n{decisions}"):
            raise DomainError(PERSONAL_DATA_REFUSED.format(what="会議の記録"))
        conference = AreaConference.objects.create(held_on=held_on, organisation_id=by.organisation_id, area=area,
                                                   issue=issue, decisions=decisions, recorded_by=by)
        conference.attendees.set({by, *attendees})
        conference.agencies.set(list(agencies))
        return conference


# --- 避難行動要支援者 (災害対策基本法 第49条の10〜第49条の11) ---


def evacuation_export_still_agreed(export: Any) -> bool:
    """Every person in an export still has a current agreement naming its recipient (and is not
    anonymised): otherwise the stored listing may not be handed out again."""
    from .models import EvacuationListing

    cases = list(export.cases.values_list("pk", flat=True))
    current = EvacuationListing.objects.filter(case_id__in=cases, withdrawn_on__isnull=True,
                                               case__anonymised_at__isnull=True)
    agreed = {listing.case_id for listing in current if export.recipient in listing.recipients}
    return agreed == set(cases)


@transaction.atomic
def evacuation_listing_record(*, case: Case, agreed_on: dt.date, method: str, reason: str,
                              recipients: Iterable[str], by: User) -> EvacuationListing:
    """The person agrees to be listed as a 避難行動要支援者 and to the listing going to these 避難支援等関係者."""
    from .access import is_assigned

    require_event_dates({"同意日": agreed_on})
    with set_actor(by):
        case = Case.objects.select_for_update().get(pk=case.pk)
        if not is_assigned(by, case):
            raise DomainError("避難行動要支援者の同意を記録できるのは、このケースの担当者だけです。")
        if case.anonymised_at is not None:
            raise DomainError("匿名化したケースには記録できません。")
        chosen = [r for r in EvacuationRecipient.values if r in set(recipients)]
        if not chosen or len(chosen) != len(set(recipients)):
            raise DomainError("提供に同意した避難支援等関係者を1つ以上選んでください。")
        reason = reason.strip()
        if not reason:
            raise DomainError("避難支援等を必要とする事由を記入してください。")
        if method not in ConsentMethod.values:
            raise DomainError("同意の方法を選んでください。")
        if case.evacuation_listings.filter(withdrawn_on__isnull=True).exists():
            raise DomainError("このケースにはすでに有効な同意が記録されています。内容を変えるときは、いまの同意を撤回してから記録してください。")
        return EvacuationListing.objects.create(case=case, agreed_on=agreed_on, method=method, reason=reason,
                                                recipients=chosen, recorded_by=by)


@transaction.atomic
def evacuation_listing_withdraw(*, listing: EvacuationListing, on: dt.date, by: User) -> EvacuationListing:
    """The person withdraws the agreement: from that day the listing goes to no one."""
    from .access import is_assigned

    require_event_dates({"撤回日": on})
    with set_actor(by):
        listing = EvacuationListing.objects.select_for_update().select_related("case").get(pk=listing.pk)
        if not is_assigned(by, listing.case):
            raise DomainError("同意の撤回を記録できるのは、このケースの担当者だけです。")
        if listing.withdrawn_on is not None:
            raise DomainError(f"この同意は{_w(listing.withdrawn_on)}に撤回されています。")
        listing.withdrawn_on = max(on, listing.agreed_on)
        listing.save(update_fields=["withdrawn_on"])
        return listing


# What the listing holds (災害対策基本法 第49条の10第2項 第1・2・4・5・6号; 第3号 性別 is not recorded
# in a case, and 第7号's further items are not used): nothing else of the case ever goes out.
EVACUATION_COLUMNS = ["氏名", "生年月日", "住所又は居所", "電話番号その他の連絡先", "避難支援等を必要とする事由"]


@transaction.atomic
def evacuation_export(*, recipient: str, by: User) -> EvacuationExport:
    """The team lead exports the listing for one kind of 避難支援等関係者: the team's cases whose current
    agreement names that recipient, with the allowed items only. The export is kept as a row."""
    from auditlog.models import LogEntry

    from .models import is_team_lead

    team = by.organisation_id
    if not is_team_lead(by) or team is None:
        raise DomainError("避難行動要支援者名簿を出力できるのは相談支援管理者だけです。")
    if recipient not in EvacuationRecipient.values:
        raise DomainError("提供先（避難支援等関係者）を選んでください。")
    today = timezone.localdate()
    with set_actor(by):
        listings = [listing for listing in EvacuationListing.objects.select_related("case").filter(
            team_lead_q(by, prefix="case__"), case__anonymised_at__isnull=True, withdrawn_on__isnull=True,
        ).order_by("case__person_kana", "case__number") if listing.is_current(today) and recipient in listing.recipients]
        if not listings:
            raise DomainError(f"{EvacuationRecipient(recipient).label}への提供に同意した方がいません。出力するものはありません。")
        rows = [[listing.case.pk, [
            listing.case.person_name,
            listing.case.person_birth_date.isoformat() if listing.case.person_birth_date else "",
            listing.case.person_address, listing.case.person_phone, listing.reason,
        ]] for listing in listings]
        export = EvacuationExport.objects.create(recipient=recipient, organisation_id=team,
                                                 exported_by=by, rows=rows)
        export.cases.set([listing.case for listing in listings])
        for listing in listings:
            LogEntry.objects.log_create(
                listing.case, force_log=True, action=LogEntry.Action.ACCESS, actor=by,
                changes={"disclosed_fields": ["person_name", "person_birth_date", "person_address", "person_phone",
                                              "evacuation_reason"]},
                additional_data={"purpose": f"避難行動要支援者名簿の提供（{export.pk}）", "recipient": recipient,
                                 "basis": "disaster_49_11", "evacuation_export": export.pk},
            )
        return export
# --- Unmasked outputs: approval by the team lead (issue 14, item 2) ---

def _approval_target_exists(case: Case, output: str, object_id: int | None) -> bool:
    from .models import OUTPUTS_OF_A_RECORD

    if output not in OUTPUTS_OF_A_RECORD:
        return object_id is None
    if object_id is None:
        return False
    if output == "assessment":
        return case.assessments.filter(pk=object_id).exists()
    if output == "evaluation":
        return Evaluation.objects.filter(plan__case=case, pk=object_id).exists()
    return case.referrals.filter(pk=object_id).exists()


@transaction.atomic
def approval_request(
    *, case: Case, output: str, items: Iterable[str], recipient: str, purpose: str, basis: str, by: User,
    object_id: int | None = None, period_start: dt.date | None = None, period_end: dt.date | None = None,
    consent: Consent | None = None, agency: Agency | None = None,
) -> OutputApproval:
    """マスクなし出力の申請: an assigned worker names the output, the 要配慮 items, for whom, why and on
    which legal basis; the team lead decides (approval_decide). On consent the output goes only to an
    agency the consent names; on a statutory body's basis only to a member of that body."""
    from . import legal_bases
    from .access import is_assigned
    from .masking import SELF_DISCLOSURE, items_of_output

    with set_actor(by):
        case = Case.objects.select_for_update().get(pk=case.pk)
        if not is_assigned(by, case):
            raise DomainError("マスクなしの出力を申請できるのは、このケースの担当者だけです。")
        if output not in OutputKind.values:
            raise DomainError("出力の種類を選んでください。")
        if not _approval_target_exists(case, output, object_id):
            raise DomainError("対象の記録がこのケースにありません。")
        if output == OutputKind.TIMELINE:
            if period_start is None or period_end is None:
                raise DomainError("支援経過記録の期間（から・まで）を入力してください。")
            require_event_dates({"期間（から）": period_start, "期間（まで）": period_end})
            if period_end < period_start:
                raise DomainError("期間の終わりは始まりより後の日にしてください。")
        else:
            period_start = period_end = None
        offered = items_of_output(output)
        if output == SELF_DISCLOSURE:
            chosen = offered  # the person's whole record, masked items included
            if basis != legal_bases.DISCLOSURE_REQUEST:
                raise DomainError("本人開示の根拠は「本人からの開示請求」です。")
        else:
            wanted = set(items)
            if not wanted:
                raise DomainError("マスクを外す項目を一つ以上選んでください。")
            if wanted - set(offered):
                raise DomainError("この出力にない項目が選ばれています。")
            chosen = [key for key in offered if key in wanted]
        try:
            legal_bases.get(basis)
        except KeyError:
            raise DomainError("根拠を選んでください。") from None
        if output != SELF_DISCLOSURE and basis in legal_bases.OWN_PAGE_BASES:
            raise DomainError(f"「{legal_bases.label(basis)}」はこの出力の根拠にはできません。")
        if basis == legal_bases.CONSENT:
            today = timezone.localdate()
            if consent is None or consent.case_id != case.pk or not consent.is_current(today):
                raise DomainError("根拠とする本人同意（このケースの、今日有効な同意）を選んでください。")
            if agency is None or not consent.agencies.filter(pk=agency.pk).exists():
                raise DomainError("本人の同意にもとづく出力は、その同意の範囲にある関係機関にだけ提供できます。"
                                  "提供先の関係機関を同意の範囲から選んでください。")
        else:
            consent = None
        if output != SELF_DISCLOSURE and legal_bases.get(basis).is_body and (
                agency is None or not _member_for_basis(case, basis, agency)):
            raise DomainError(f"「{legal_bases.label(basis)}」による出力は、その会議体の構成機関（会議に出席した"
                              "関係機関）にだけ提供できます。提供先の関係機関を選び直してください。")
        if output == SELF_DISCLOSURE:
            agency = None
        recipient, purpose = recipient.strip(), purpose.strip()
        if not recipient:
            raise DomainError("提供先・利用先を入力してください。")
        if not purpose:
            raise DomainError("目的を入力してください。")
        if len(recipient) > 200 or len(purpose) > 2000:
            raise DomainError("提供先は200文字以内、目的は2,000文字以内で入力してください。")
        return OutputApproval.objects.create(
            case=case, output=output, object_id=object_id, period_start=period_start, period_end=period_end,
            items=chosen, recipient=recipient, purpose=purpose, basis=basis, consent=consent, agency=agency,
            requested_by=by)


def _member_for_basis(case: Case, basis: str, agency: Agency) -> bool:
    """The agency shares under a statutory body's basis: a member of an active body on that basis, or
    an agency that attended a meeting of this case on it (a 支援会議 without a body)."""
    from .models import SharingBody, SupportMeetingAttendee

    return (SharingBody.objects.filter(basis=basis, active=True, members=agency).exists()
            or SupportMeetingAttendee.objects.filter(meeting__cases=case, meeting__basis=basis, agency=agency).exists())


@transaction.atomic
def approval_decide(*, approval: OutputApproval, grant: bool, note: str, by: User) -> OutputApproval:
    """The team lead of the case grants or refuses a request; never the one who asked."""
    with set_actor(by):
        approval = OutputApproval.objects.select_for_update().get(pk=approval.pk)
        if not Case.objects.filter(team_lead_q(by), pk=approval.case_id).exists():
            raise DomainError("承認できるのは、このケースのチームの相談支援管理者だけです。")
        if approval.requested_by_id == by.pk:
            raise DomainError("自分の申請は承認・不承認できません。チームの別の相談支援管理者に依頼してください。")
        if approval.status != ApprovalStatus.PENDING:
            raise DomainError(f"この申請はすでに「{approval.get_status_display()}」です。")
        note = note.strip()
        if not grant and not note:
            raise DomainError("不承認の理由を入力してください。")
        if len(note) > 2000:
            raise DomainError("理由・条件は2,000文字以内で入力してください。")
        approval.status = ApprovalStatus.GRANTED if grant else ApprovalStatus.REFUSED
        approval.decided_by, approval.decided_at, approval.decision_note = by, timezone.now(), note
        approval.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        return approval


@transaction.atomic
def approval_use(*, approval: OutputApproval, by: User) -> OutputApproval:
    """Spend a granted approval on one output: only its requester, only once (the conditional
    UPDATE makes a second use fail even when two requests race)."""
    from .access import is_assigned

    with set_actor(by):
        approval = OutputApproval.objects.select_for_update(of=("self",)).select_related("case", "consent").get(
            pk=approval.pk)
        if approval.requested_by_id != by.pk or not is_assigned(by, approval.case):
            raise DomainError("この承認を使えるのは、申請した担当者だけです。")
        if approval.status != ApprovalStatus.GRANTED:
            raise DomainError("この申請は承認されていません。")
        if approval.expired:
            raise DomainError(f"承認から{settings.CASE_APPROVAL_VALID_DAYS}日を過ぎたため、この承認は使えません。"
                              "必要なら改めて申請してください。")
        if approval.basis == legal_bases.CONSENT and (
                approval.consent is None or not approval.consent.is_current(timezone.localdate())):
            raise DomainError("根拠とした本人同意が撤回されたか期限が切れたため、この承認は使えません。"
                              "必要なら、有効な根拠で改めて申請してください。")
        now = timezone.now()
        won = OutputApproval.objects.filter(pk=approval.pk, status=ApprovalStatus.GRANTED,
                                            used_at__isnull=True).update(used_at=now, used_by=by)
        if not won:
            raise DomainError("この承認はすでに使われています（承認は1回の出力に限ります）。必要なら改めて申請してください。")
        approval.used_at, approval.used_by = now, by
        return approval
