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
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from municipality.errors import DomainError
from municipality.models import User
from municipality.validators import require_birth_date, require_event_dates
from municipality.wareki import fiscal_year, fiscal_year_era
from municipality.wareki import format_wareki as _w

from . import selectors
from .models import (
    Agency,
    Assessment,
    AssessmentAnswer,
    AssessmentItem,
    Case,
    CaseConference,
    CaseSequence,
    CaseStatus,
    Consent,
    Decision,
    Degree,
    Domain,
    Evaluation,
    EvaluationGoal,
    HouseholdMember,
    PlanGoal,
    PlanStatus,
    SupportItem,
    SupportMeeting,
    SupportMeetingAttendee,
    SupportPlan,
    Timing,
    current_consent_q,
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
    csw: User | None = None, **person: Any,
) -> Case:
    """相談受付: open a case; the receiving worker is its first assigned staff."""
    require_event_dates({"受付日": received_on})
    require_birth_date(person.get("person_birth_date"))
    household = list(household)
    for member in household:
        require_birth_date(member.get("birth_date"), label=f"{member.get('name', '世帯員')}の生年月日")
    domains = list(dict.fromkeys(domains))
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
        return case


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
    short_goals: Iterable[str] = (), items: Iterable[Mapping[str, Any]] = (), wishes: str = "",
    agreed_on: dt.date | None = None, agreement_method: str = "",
) -> SupportPlan:
    """A new version of the プランシート, as a draft for the next 重層的支援会議.

    ``items``: 支援内容 (agency or bearer, content, frequency, starts_on, ends_on); ``roles``: the
    older shape (agency, role), kept for callers that have only that, saved as 支援内容 too."""
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


@transaction.atomic
def conference_hold(
    *, case: Case, timing: str, held_on: dt.date, plan: SupportPlan, attendees: Iterable[User],
    by: User, agencies: Iterable[Agency] = (), **record: Any,
) -> CaseConference:
    """Record a 重層的支援会議 and apply its decision to the plan (and the case)."""
    require_event_dates({"開催日": held_on})
    with set_actor(by):
        case = Case.objects.select_for_update().get(pk=case.pk)
        plan = SupportPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.case_id != case.pk:
            raise DomainError("別のケースのプランです。")
        if held_on > timezone.localdate():
            raise DomainError("開催前の会議は記録できません。開催日を確かめてください。")
        latest = case.conferences.aggregate(d=Max("held_on"))["d"]
        if latest and held_on < latest:
            raise DomainError(f"前回の会議（{_w(latest)}）より前の日付です。")
        if not selectors.has_current_consent(case, held_on):
            raise DomainError("本人の同意（有効なもの）がないため、重層的支援会議にはかけられません。支援会議で検討してください。")
        agencies = list(agencies)
        covered = set(Agency.objects.filter(consents__in=case.consents.filter(current_consent_q(held_on)))
                      .values_list("pk", flat=True))
        outside = [str(a) for a in agencies if a.pk not in covered]
        if outside:
            raise DomainError(f"本人の同意の範囲にない関係機関は出席できません（{'、'.join(outside)}）。")
        for field, label in REQUIRED.get(Timing(timing), []):
            if not str(record.get(field, "")).strip():
                raise DomainError(f"{Timing(timing).label}の会議では「{label}」を記録してください。")
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
                                                   recorded_by=by, **record)
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
    by: User,
) -> SupportMeeting:
    """支援会議: may concern a person without consent; every attendee must be under the duty."""
    require_event_dates({"開催日": held_on})
    with set_actor(by):
        attendees = list(attendees)
        if not attendees:
            raise DomainError("出席者を記録してください。")
        missing = [a["name"] for a in attendees if not a.get("confidentiality_acknowledged")]
        if missing:
            raise DomainError(f"守秘義務の説明を受けていない出席者がいます（{'、'.join(missing)}）。支援会議には出席できません。")
        meeting = SupportMeeting.objects.create(held_on=held_on, shared=shared, policy=policy, recorded_by=by)
        meeting.cases.set(list(cases))
        for attendee in attendees:
            SupportMeetingAttendee.objects.create(meeting=meeting, **attendee)
        return meeting


ANONYMISED = "（匿名化済み）"


@transaction.atomic
def cases_anonymise(*, closed_before: dt.date, by: User | None = None) -> list[str]:
    """Retention: strip the personal data of cases closed (終結・中断) before a day; nothing is
    deleted. Returns the numbers of the cases changed."""
    changed = []
    with set_actor(by):
        cases = Case.objects.select_for_update().filter(
            status__in=[CaseStatus.CLOSED, CaseStatus.SUSPENDED], closed_on__lt=closed_before, anonymised_at__isnull=True
        )
        for case in cases:
            case.person_name, case.person_kana = ANONYMISED, ""
            case.person_birth_date, case.person_address, case.person_phone = None, "", ""
            case.presenting_problems = ANONYMISED
            case.anonymised_at = timezone.now()
            case.save()
            # Row by row, so the audit log records each change (by field name, never by value).
            for member in case.household.all():
                member.name, member.relation, member.birth_date, member.note = ANONYMISED, "", None, ""
                member.save()
            for assessment in case.assessments.all():
                assessment.situation, assessment.strengths, assessment.issues = ANONYMISED, "", ANONYMISED
                assessment.save()
            for assessment in case.assessments.prefetch_related("answers"):
                for field in ASSESSMENT_TEXTS:
                    setattr(assessment, field, "")
                assessment.save()
                for answer in assessment.answers.all():
                    answer.text = ANONYMISED
                    answer.save()
            for plan in case.plans.prefetch_related("roles", "short_goals", "items", "evaluations__goals"):
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
            for conference in case.conferences.all():
                for field in ("situation_change", "plan_evaluation", "achievement", "termination_evaluation",
                              "follow_up_method", "suspension_reason"):
                    setattr(conference, field, "")
                conference.save()
            for meeting in case.support_meetings.prefetch_related("cases", "attendees"):
                # A 支援会議 may concern several people: its notes go once none of them is current.
                if all(c.pk == case.pk or c.anonymised_at for c in meeting.cases.all()):
                    meeting.shared = meeting.policy = ANONYMISED
                    meeting.save()
            changed.append(case.number)
    return changed


@transaction.atomic
def staff_assign(*, case: Case, worker: User, by: User) -> Case:
    with set_actor(by):
        from municipality.roles import Role

        if not worker.has_role(Role.CASE_WORKER):
            raise DomainError("担当にできるのは相談支援員だけです。")
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
    candidates = [case.person_name, case.person_kana, case.person_phone,
                  *case.household.values_list("name", flat=True)]
    for value in [c for c in candidates if c and c != ANONYMISED]:
        parts = [_flat(value)]
        surname = _flat(value.replace("\u3000", " ").split(" ")[0])
        if len(surname) >= 2:
            parts.append(surname)
        if any(part and part in flat for part in parts):
            return True
    return False


@transaction.atomic
def regional_issue_raise(*, title: str, description: str, by: User, case: Case | None = None):
    """Raise a 地域の課題. The text must not name the person: the case's names are refused."""
    from django.utils import timezone as tz

    from .models import RegionalIssue

    with set_actor(by):
        if case is not None and _names_in(case, f"{title}\n{description}"):
            raise DomainError("地域の課題に個人が特定できる情報（氏名・住所など）が含まれています。書き直してください。")
        return RegionalIssue.objects.create(title=title.strip(), description=description.strip(),
                                            raised_on=tz.localdate(), raised_by=by)
