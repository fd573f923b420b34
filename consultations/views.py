"""Case pages for 相談支援員. Every page that shows case data logs the read (who, when, which
record, which fields); every page answers 404 to anyone outside the need-to-know."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from forms_pdf.rendering import render_pdf
from forms_pdf.views import pdf_response
from municipality.errors import DomainError
from municipality.models import Municipality
from municipality.once import submit_once

from . import selectors, services
from .access import (
    conference_visible_or_404,
    get_case_or_404,
    is_assigned,
    log_reads,
    may_handle_cases,
    support_meeting_visible_or_404,
)
from .forms import (
    AssessmentForm,
    ConferenceForm,
    ConsentForm,
    EvaluationForm,
    IntakeForm,
    PlanForm,
    RegionalIssueForm,
    ShortGoalFormSet,
    StaffForm,
    SupportItemFormSet,
    SupportMeetingForm,
)
from .models import Assessment, Case, Consent, Decision, Evaluation, PlanStatus


def case_worker_required(view):
    """Case pages are for 相談支援員 only — superusers and city staff included, nobody else."""
    from functools import wraps

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not may_handle_cases(request.user):
            raise Http404("ページが見つかりません。")
        return view(request, *args, **kwargs)

    return wrapped


ALL_FIELDS = ["person_name", "person_kana", "person_birth_date", "person_address", "person_phone",
              "presenting_problems", "household", "consents", "assessments", "plans", "conferences"]


@case_worker_required
def case_list(request: HttpRequest) -> HttpResponse:
    from django.core.paginator import Paginator

    cases = selectors.case_list_for(request.user)
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    # Only the rows shown are read, so only those are logged.
    log_reads(request.user, list(page), fields=["number", "person_name", "status"], purpose="ケース一覧")
    return render(request, "consultations/case_list.html", {"cases": page, "page": page})


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def case_intake(request: HttpRequest) -> HttpResponse:
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_open(
                received_on=data["received_on"], route=data["route"], domains=data["domains"],
                person_name=data["person_name"], presenting_problems=data["presenting_problems"], by=request.user,
                household=form.household_members(), agencies=data["agencies"], person_kana=data["person_kana"],
                person_birth_date=data["person_birth_date"], person_address=data["person_address"],
                person_phone=data["person_phone"], csw=data["csw"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"相談を受け付けました（{case}）。")
            return redirect("cases:detail", pk=case.pk)
    return render(request, "form_page.html", {"form": form, "title": "相談受付", "button": "受け付ける"})


@case_worker_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = get_case_or_404(request.user, pk, fields=ALL_FIELDS, purpose="ケースの閲覧")
    return render(request, "consultations/case_detail.html", {
        "case": case, **selectors.case_record(case), "assigned": is_assigned(request.user, case),
    })


def _assigned_case_or_404(request: HttpRequest, pk: int, *, fields: list[str], purpose: str) -> Case:
    return get_case_or_404(request.user, pk, fields=fields, purpose=purpose, assigned_only=True)


def _case_form(request: HttpRequest, pk: int, form_class, title: str, button: str, apply, initial_for=None, **initial):
    case = _assigned_case_or_404(request, pk, fields=["number", "status"], purpose=title)
    if initial_for is not None and request.method == "GET":
        initial = {**initial, **initial_for(case)}  # only once the case is known to be this user's
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            apply(case, form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{title}を記録しました。")
            return redirect("cases:detail", pk=case.pk)
    return render(request, "form_page.html", {"form": form, "title": f"{title}（{case}）", "button": button})


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def consent_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_form(request, pk, ConsentForm, "本人同意", "記録する", lambda case, d: services.consent_record(
        case=case, agencies=d["agencies"], given_on=d["given_on"], method=d["method"], expires_on=d["expires_on"],
        by=request.user))


@case_worker_required
@require_POST
def consent_withdraw(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    from django.utils import timezone

    case = _assigned_case_or_404(request, pk, fields=["consents"], purpose="同意の撤回")
    consent = Consent.objects.filter(case=case, pk=consent_pk).first()
    if consent is None:
        raise Http404("ページが見つかりません。")
    try:
        services.consent_withdraw(consent=consent, on=timezone.localdate(), by=request.user)
        messages.success(request, "同意の撤回を記録しました。")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("cases:detail", pk=case.pk)


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def plan_add(request: HttpRequest, pk: int) -> HttpResponse:
    """プランシート: a new version as a draft, with its 短期目標 and 支援内容 (formsets)."""
    case = _assigned_case_or_404(request, pk, fields=["number", "status", "plans"], purpose="支援プランの案")
    data = None
    if request.method == "POST":
        # A sending without the rows' counters (an older form, a script) is a plan without rows.
        data = request.POST.copy()
        for prefix in ("goals", "items"):
            data.setdefault(f"{prefix}-TOTAL_FORMS", "0")
            data.setdefault(f"{prefix}-INITIAL_FORMS", "0")
    form = PlanForm(data)
    goals, items = ShortGoalFormSet(data, prefix="goals"), SupportItemFormSet(data, prefix="items")
    if request.method == "POST" and all([form.is_valid(), goals.is_valid(), items.is_valid()]):
        d = form.cleaned_data
        try:
            services.plan_draft(
                case=case, goals=d["goals"], policy=d["policy"], contents=d["contents"],
                monitoring_on=d["monitoring_on"], wishes=d["wishes"], agreed_on=d["agreed_on"],
                agreement_method=d["agreement_method"], short_goals=[g["text"] for g in goals.filled()],
                items=items.filled(), by=request.user, based_on=case.assessments.first())
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "支援プランの案を記録しました。")
            return redirect("cases:detail", pk=case.pk)
    elif request.method == "POST":
        form.add_error(None, "入力内容を確かめてください（短期目標・支援内容の欄も含みます）。")
    return render(request, "consultations/sheet_form.html", {
        "form": form, "formsets": [("短期目標", goals), ("支援内容（関係機関・本人・家族の役割）", items)],
        "title": f"プランシート（{case}）", "button": "案を作る", "case": case})


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def conference_add(request: HttpRequest, pk: int) -> HttpResponse:
    def apply(case, d):
        timing = d.pop("timing")
        plan = (case.plans.filter(status=PlanStatus.DRAFT).first() if timing in ("creation", "change")
                else case.plans.filter(status=PlanStatus.ACTIVE).first())
        if plan is None:
            raise DomainError("この開催時期の会議にかけるプランがありません（策定・変更は案、終結・中断は実施中のプラン）。")
        attendees = {request.user, *d.pop("attendees")}
        return services.conference_hold(case=case, timing=timing, plan=plan, attendees=attendees,
                                        agencies=d.pop("agencies"), by=request.user, **d)

    return _case_form(request, pk, ConferenceForm, "重層的支援会議", "記録してプランに反映する", apply,
                      initial_for=_conference_initial)


def _conference_initial(case: Case) -> dict:
    """The form starts from the evaluation that proposes a move (評価シート → 会議)."""
    proposal = selectors.pending_evaluation(case)
    if proposal is None:
        return {}
    text = f"{proposal.evaluated_on:%Y-%m-%d}の評価（今後の方針の案：{proposal.get_decision_display()}）\n{proposal.overall}"
    # The field of the conference form where each timing records its evaluation.
    field = {Decision.CHANGE: "plan_evaluation", Decision.END: "achievement", Decision.SUSPEND: "suspension_reason"}
    initial = {"timing": Decision(proposal.decision).timing, field[Decision(proposal.decision)]: text}
    return initial


@case_worker_required
def case_pdf(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """相談受付票 (intake), the plan sheet and the meeting record; each download is logged."""
    templates = {"intake": "consultations/intake_pdf.html", "plan": "consultations/plan_pdf.html",
                 "conferences": "consultations/conferences_pdf.html"}
    if kind not in templates:
        raise Http404("ページが見つかりません。")
    case = get_case_or_404(request.user, pk, fields=ALL_FIELDS, purpose=f"PDFの出力（{kind}）")
    rendered = render_pdf(templates[kind], {
        "case": case, "municipality": Municipality.objects.current(), **selectors.case_sheet(case),
    }, filename=f"case-{case.number}-{kind}.pdf")
    return pdf_response(rendered.filename, rendered.content)


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def assessment_add(request: HttpRequest, pk: int) -> HttpResponse:
    """アセスメントシート: a new version, starting from the latest one (which stays as it was)."""
    case = _assigned_case_or_404(request, pk, fields=["number", "status", "household", "assessments"],
                                 purpose="アセスメント")
    latest = case.assessments.prefetch_related("answers").first()
    initial = {}
    if latest is not None:
        initial = {name: getattr(latest, name) for name in
                   ("situation", "strengths", "issues", "household_situation", "life_history", "background", "wishes")}
        initial = {**initial, **{f"item_{a.item_id}": a.text for a in latest.answers.all()}}
    form = AssessmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            assessment = services.assessment_add(case=case, by=request.user, issues=d["issues"],
                                                 situation=d["situation"], strengths=d["strengths"],
                                                 answers=form.answers(), **form.texts())
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"アセスメント第{assessment.version}版を記録しました。")
            return redirect("cases:assessment_detail", pk=assessment.pk)
    return render(request, "consultations/sheet_form.html", {
        "form": form, "title": f"アセスメントシート（{case}）", "button": "新しい版として記録する", "case": case,
        "household": case.household.all(),
        "note": "保存するたびに新しい版になります。前の版はそのまま残ります。" if latest else ""})


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def staff_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_form(request, pk, StaffForm, "担当者の追加", "担当に加える", lambda case, d: services.staff_assign(
        case=case, worker=d["worker"], by=request.user))


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def support_meeting_add(request: HttpRequest, pk: int) -> HttpResponse:
    """支援会議 about this case (no consent needed; every attendee bound to confidentiality)."""
    return _case_form(request, pk, SupportMeetingForm, "支援会議", "記録する", lambda case, d: services.support_meeting_record(
        held_on=d["held_on"], cases=[case], attendees=SupportMeetingForm.attendee_rows(d),
        shared=d["shared"], policy=d["policy"], by=request.user))


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def regional_issue_add(request: HttpRequest, pk: int) -> HttpResponse:
    """地域の課題: a gap found in this case, written without personal data, for a council to take up."""
    return _case_form(request, pk, RegionalIssueForm, "地域の課題の提起", "提起する", lambda case, d: services.regional_issue_raise(
        title=d["title"], description=d["description"], by=request.user, case=case))


@case_worker_required
def conference_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conference = conference_visible_or_404(request.user, pk)
    return render(request, "consultations/conference_detail.html", {
        "c": conference, "roles": selectors.conference_roles(conference)})


@case_worker_required
def support_meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = support_meeting_visible_or_404(request.user, pk)
    return render(request, "consultations/support_meeting_detail.html", {
        "meeting": meeting, "attendees": meeting.attendees.all(), "cases": meeting.cases.all()})


# --- sheets: アセスメントシート (versions), 評価シート, their PDFs ---

def _sheet_case_or_404(request: HttpRequest, case_id: int | None, *, fields: list[str], purpose: str) -> Case:
    if case_id is None:
        raise Http404("ページが見つかりません。")
    return get_case_or_404(request.user, case_id, fields=fields, purpose=purpose)


@case_worker_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One version of the アセスメントシート, as written (older versions stay viewable)."""
    head = Assessment.objects.filter(pk=pk).values("case_id", "version").first() or {}
    case = _sheet_case_or_404(request, head.get("case_id"), fields=["assessments", "household"],
                              purpose=f"アセスメントの閲覧（第{head.get('version')}版）")
    assessment = selectors.assessment_of(case, pk)
    return render(request, "consultations/assessment_detail.html", {
        "case": case, **selectors.assessment_sheet(assessment), "versions": case.assessments.only("version", "created_at"),
        "assigned": is_assigned(request.user, case)})


@case_worker_required
def assessment_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    head = Assessment.objects.filter(pk=pk).values("case_id", "version").first() or {}
    case = _sheet_case_or_404(request, head.get("case_id"), fields=["assessments", "household", "person_name"],
                              purpose=f"PDFの出力（アセスメント第{head.get('version')}版）")
    assessment = selectors.assessment_of(case, pk)
    rendered = render_pdf("consultations/assessment_pdf.html", {
        "case": case, "municipality": Municipality.objects.current(), **selectors.assessment_sheet(assessment),
    }, filename=f"case-{case.number}-assessment-{assessment.version}.pdf")
    return pdf_response(rendered.filename, rendered.content)


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def evaluation_add(request: HttpRequest, pk: int) -> HttpResponse:
    """評価シート of the active plan at its monitoring."""
    from django.utils import timezone

    case = _assigned_case_or_404(request, pk, fields=["number", "status", "plans"], purpose="評価")
    plan = case.plans.prefetch_related("short_goals").filter(status=PlanStatus.ACTIVE).first()
    form = EvaluationForm(request.POST or None, plan=plan, initial={"evaluated_on": timezone.localdate()})
    if plan is None:
        return render(request, "consultations/sheet_form.html", {
            "title": f"評価シート（{case}）", "case": case,
            "note": "実施中のプランがないため、評価は記録できません。"})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            evaluation = services.evaluation_record(
                plan=plan, evaluated_on=d["evaluated_on"], overall=d["overall"], decision=d["decision"],
                next_monitoring_on=d["next_monitoring_on"], goals=form.goals(), by=request.user)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            follow = ("" if evaluation.decision == Decision.CONTINUE
                      else "次の重層的支援会議で決定してください（会議の記録に評価の内容が入ります）。")
            messages.success(request, f"評価を記録しました。{follow}")
            return redirect("cases:detail", pk=case.pk)
    return render(request, "consultations/sheet_form.html", {
        "form": form, "title": f"評価シート（{case} プラン第{plan.version}版）", "button": "評価を記録する", "case": case,
        "note": f"対象のモニタリングの時期：{plan.monitoring_on:%Y-%m-%d}"})


@case_worker_required
def evaluation_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    head = Evaluation.objects.filter(pk=pk).values("plan__case_id").first() or {}
    case = _sheet_case_or_404(request, head.get("plan__case_id"), fields=["plans", "evaluations", "person_name"],
                              purpose=f"PDFの出力（評価 {pk}）")
    evaluation = Evaluation.objects.select_related("plan", "conference").get(pk=pk)
    rendered = render_pdf("consultations/evaluation_pdf.html", {
        "case": case, "municipality": Municipality.objects.current(), **selectors.evaluation_sheet(evaluation),
    }, filename=f"case-{case.number}-evaluation-{evaluation.pk}.pdf")
    return pdf_response(rendered.filename, rendered.content)
