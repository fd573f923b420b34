"""Case pages for 相談支援員. Every page that shows case data logs the read (who, when, which
record, which fields); every page answers 404 to anyone outside the need-to-know."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from forms_pdf.rendering import render_pdf
from forms_pdf.views import pdf_response
from municipality.errors import DomainError
from municipality.models import Municipality
from municipality.once import submit_once
from municipality.wareki import format_wareki, format_wareki_datetime

from . import selectors, services
from .access import (
    cases_visible_to,
    conference_visible_or_404,
    figures_viewer_required,
    get_case_or_404,
    is_assigned,
    log_read,
    log_reads,
    may_handle_cases,
    referral_for_recipient_or_404,
    referral_visible_or_404,
    support_meeting_visible_or_404,
)
from .forms import (
    AssessmentForm,
    ConferenceForm,
    ConferenceTimingForm,
    ConsentForm,
    DuplicateDecisionForm,
    EvaluationForm,
    IntakeForm,
    PlanForm,
    ReferralForm,
    ReferralReturnForm,
    RegionalIssueForm,
    ShortGoalFormSet,
    StaffForm,
    SupportItemFormSet,
    SupportMeetingForm,
    UrgencyClearForm,
    UrgencyForm,
)
from .models import (
    Assessment,
    Case,
    Consent,
    Decision,
    Evaluation,
    PlanStatus,
    Program,
    ReferralStatus,
    Timing,
    is_team_lead,
)
from .outputs import SHEETS, OutputRequest, render_case_output


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
    urgent = selectors.urgent_cases_read(request.user)
    pending = selectors.pending_approvals_count(request.user) if is_team_lead(request.user) else 0
    return render(request, "consultations/case_list.html", {"cases": page, "page": page, "urgent": urgent,
                                                            "pending_approvals": pending})


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def case_intake(request: HttpRequest) -> HttpResponse:
    from django.utils import timezone

    # Most consultations are typed in on the day they come in (the city's day, Asia/Tokyo).
    form = IntakeForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_open(
                received_on=data["received_on"], route=data["route"], domains=data["domains"],
                person_name=data["person_name"], presenting_problems=data["presenting_problems"], by=request.user,
                household=form.household_members(), agencies=data["agencies"], person_kana=data["person_kana"],
                person_birth_date=data["person_birth_date"], person_address=data["person_address"],
                person_phone=data["person_phone"], csw=data["csw"],
                programs=data["programs"] or [Program.COMPREHENSIVE],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"相談を受け付けました（{case}）。")
            _tell_of_possible_duplicates(request, case)
            return redirect("cases:detail", pk=case.pk)
    return render(request, "form_page.html", {"form": form, "title": "相談受付", "button": "受け付ける"})


@case_worker_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from .evacuation import listings_of
    from .forms import TimelinePeriodForm
    from .timeline import page_number, timeline_page

    number = page_number(request.GET.get("tl_page"))
    case = get_case_or_404(request.user, pk, fields=[*ALL_FIELDS, "timeline", "evacuation_listings"],
                           purpose="ケースの閲覧" if number == 1 else f"ケースの閲覧（支援経過 {number}ページ目）")
    return render(request, "consultations/case_detail.html", {
        "case": case, **selectors.case_record(case), "assigned": is_assigned(request.user, case),
        "timeline": timeline_page(case, number), "period_form": TimelinePeriodForm(),
        "evacuation_listings": listings_of(case), "conference_url": _conference_url(request, case),
        **_lead_context(request, case), **_approval_context(request, case),
    })


def _conference_url(request: HttpRequest, case: Case) -> str:
    """The case page's link to record a meeting: straight to the proposed timing's form when an
    evaluation waits for its meeting, else to the choice of the timing."""
    url = reverse("cases:conference", args=[case.pk])
    if not is_assigned(request.user, case):
        return url
    proposal = selectors.pending_evaluation(case)
    timing = Decision(proposal.decision).timing if proposal is not None else None
    return f"{url}?timing={timing}" if timing else url


def _approval_context(request: HttpRequest, case: Case) -> dict:
    """マスクなしの出力: the kinds one may ask for, and the case's requests (the assigned staff's part)."""
    from .models import OutputKind

    if not is_assigned(request.user, case):
        return {"approvals": None}
    return {"approvals": selectors.approvals_of_case(case), "output_kinds": OutputKind.choices}


def _assigned_case_or_404(request: HttpRequest, pk: int, *, fields: list[str], purpose: str) -> Case:
    return get_case_or_404(request.user, pk, fields=fields, purpose=purpose, assigned_only=True)


def _case_form(request: HttpRequest, pk: int, form_class, title: str, button: str, apply, initial_for=None,
               form_kwargs: dict | None = None, template: str = "form_page.html", context: dict | None = None,
               **initial):
    case = _assigned_case_or_404(request, pk, fields=["number", "status"], purpose=title)
    if initial_for is not None and request.method == "GET":
        initial = {**initial, **initial_for(case)}  # only once the case is known to be this user's
    extra = {"case": case} if getattr(form_class, "takes_case", False) else {}
    form = form_class(request.POST or None, initial=initial, **extra, **(form_kwargs or {}))
    if request.method == "POST" and form.is_valid():
        try:
            apply(case, form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{title}を記録しました。")
            return redirect("cases:detail", pk=case.pk)
    return render(request, template, {"form": form, "title": f"{title}（{case}）", "button": button, "case": case,
                                      **(context or {})})


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
                items=items.filled(), by=request.user, based_on=case.assessments.first(),
                programs=d["programs"] or None)
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
    """重層的支援会議 in two steps: the timing first (``?timing=``), then that timing's fields only;
    the POST carries the timing in a hidden field. A timing that is not one of the four (or none)
    answers the first step again."""
    chosen = request.POST.get("timing", "") if request.method == "POST" else request.GET.get("timing")
    if chosen not in Timing.values:
        return _conference_timing_step(request, pk, chosen)
    timing = Timing(chosen)

    def apply(case, d):
        d.pop("timing")
        attendees = {request.user, *d.pop("attendees")}
        # The service picks the plan the timing acts on, after the consent (the first thing to fix).
        return services.conference_hold(case=case, timing=timing, attendees=attendees, agencies=d.pop("agencies"),
                                        consent=d.pop("consent"), by=request.user, **d)

    return _case_form(request, pk, ConferenceForm, "重層的支援会議", "記録してプランに反映する", apply,
                      initial_for=lambda case: _conference_initial(case, timing), form_kwargs={"timing": timing},
                      template="consultations/conference_form.html",
                      context={"timing": timing, "step": 2, "timings_url": reverse("cases:conference", args=[pk])})


def _conference_timing_step(request: HttpRequest, pk: int, chosen: str | None) -> HttpResponse:
    """The first step: choose the timing. Sent by GET to this same page (nothing is saved here)."""
    case = _assigned_case_or_404(request, pk, fields=["number", "status"], purpose="重層的支援会議")
    if chosen is None:
        proposal = selectors.pending_evaluation(case)
        proposed = Decision(proposal.decision).timing if proposal is not None else None
        form = ConferenceTimingForm(initial={"timing": proposed} if proposed else None)
    else:
        form = ConferenceTimingForm({"timing": chosen})
        form.is_valid()  # shows the Japanese message of the choice that is not one of the four
    return render(request, "consultations/conference_form.html", {
        "form": form, "title": f"重層的支援会議（{case}）", "button": "次へ", "step": 1, "case": case,
        "timings": TIMING_NOTES})


# What each timing is for, shown beside the choice (seed 003 3(3)).
TIMING_NOTES = {
    Timing.CREATION: "はじめてのプランの案を会議で決め、実施に移します。",
    Timing.CHANGE: "実施中のプランを、新しい版の案に変えます。",
    Timing.TERMINATION: "目標の達成などで、実施中のプランの支援を終えるかを決めます。",
    Timing.SUSPENSION: "本人の意向などで、実施中のプランの支援を中断するかを決めます。",
}


def _conference_initial(case: Case, timing: Timing) -> dict:
    """The form starts from the evaluation that proposes a move (評価シート → 会議) at this timing."""
    proposal = selectors.pending_evaluation(case)
    if proposal is None or Decision(proposal.decision).timing != timing:
        return {}
    text = f"{format_wareki(proposal.evaluated_on)}の評価（今後の方針の案：{proposal.get_decision_display()}）\n{proposal.overall}"
    # The field of the conference form where each timing records its evaluation.
    field = {Decision.CHANGE: "plan_evaluation", Decision.END: "achievement", Decision.SUSPEND: "suspension_reason"}
    return {field[Decision(proposal.decision)]: text}


@case_worker_required
def case_pdf(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """相談受付票 (intake), the plan sheet and the meeting record; each download is logged."""
    if kind not in SHEETS:
        raise Http404("ページが見つかりません。")
    case = get_case_or_404(request.user, pk, fields=ALL_FIELDS, purpose=f"PDFの出力（{kind}・マスクあり）")
    return _masked_pdf(request, case, OutputRequest(kind))


def _masked_pdf(request: HttpRequest, case: Case, what: OutputRequest) -> HttpResponse:
    """A GET prints with every 要配慮 item masked; unmasking needs an approval and a POST (output_use)."""
    rendered = render_case_output(case=case, what=what, user=request.user)
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
    """Assigned staff add a colleague; the team lead assigns workers of the team's organisation."""
    title = "担当者の追加"
    # As get_case_or_404 with assigned_only, with the team lead let in too; a refusal is not a read.
    case = cases_visible_to(request.user, Case.objects.all()).filter(pk=pk).first()
    leading = case is not None and selectors.is_team_case_of(request.user, case)
    if case is None or not (is_assigned(request.user, case) or leading):
        raise Http404("ページが見つかりません。")
    log_read(request.user, case, fields=["number", "status"], purpose=title)
    form = StaffForm(request.POST or None,
                     organisation_id=request.user.organisation_id if leading and not is_assigned(request.user, case)
                     else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_assign(case=case, worker=form.cleaned_data["worker"], by=request.user)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{title}を記録しました。")
            return redirect("cases:detail", pk=case.pk)
    return render(request, "form_page.html", {"form": form, "title": f"{title}（{case}）", "button": "担当に加える"})


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def support_meeting_add(request: HttpRequest, pk: int) -> HttpResponse:
    """支援会議 about this case (no consent needed; every attendee bound to confidentiality)."""
    return _case_form(request, pk, SupportMeetingForm, "支援会議", "記録する", lambda case, d: services.support_meeting_record(
        held_on=d["held_on"], cases=[case], attendees=SupportMeetingForm.attendee_rows(d),
        shared=d["shared"], policy=d["policy"], body=d["body"], by=request.user))


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


# --- Yearly figures (年度の集計): aggregates only, for city staff, 監査 and 相談支援員 ---

def _figures_year(request: HttpRequest) -> tuple[int, str]:
    """The 年度 asked for (?year=2026), else the current one; with a message when the request was bad."""
    from django.utils import timezone

    from municipality.wareki import fiscal_year

    from .figures import FIRST_YEAR, LAST_YEAR, year_or_none

    current = fiscal_year(timezone.localdate())
    asked = request.GET.get("year")
    if asked is None or asked == "":
        return current, ""
    year = year_or_none(asked)
    if year is None:
        return current, f"年度は{FIRST_YEAR}から{LAST_YEAR}までの西暦4桁で指定してください（今年度を表示しています）。"
    return year, ""


@figures_viewer_required
def figures(request: HttpRequest) -> HttpResponse:
    from django.utils import timezone

    from municipality.wareki import fiscal_year, fiscal_year_label

    from .figures import FIRST_YEAR, SECONDARY, UNDER_FIVE, yearly_figures

    year, error = _figures_year(request)
    current = fiscal_year(timezone.localdate())
    choices = [(y, fiscal_year_label(y)) for y in range(max(current, year), FIRST_YEAR - 1, -1)]
    return render(request, "consultations/figures.html", {
        "figures": yearly_figures(year), "error": error, "choices": choices,
        "under_five": UNDER_FIVE, "secondary": SECONDARY,
    })


def _figures_for_download(request: HttpRequest):
    from .figures import yearly_figures

    year, error = _figures_year(request)
    if error:
        raise Http404(error)
    return yearly_figures(year)


@figures_viewer_required
def figures_xlsx(request: HttpRequest) -> HttpResponse:
    from municipality.exports import xlsx_response
    from municipality.wareki import format_wareki

    from .figures import FIGURES_NOTE

    result = _figures_for_download(request)
    about = ("概要", ["項目", "内容"], [
        ("年度", result.label), ("期間", f"{format_wareki(result.start)}〜{format_wareki(result.end)}"),
        ("注記", FIGURES_NOTE)])
    sheets = [about, *((t.title, ["区分", *t.columns], [(label, *cells) for label, cells in t.rows])
                       for t in result.tables)]
    return xlsx_response(f"figures-{result.year}.xlsx", sheets)


@figures_viewer_required
def figures_pdf(request: HttpRequest) -> HttpResponse:
    from .figures import FIGURES_NOTE

    result = _figures_for_download(request)
    rendered = render_pdf("consultations/figures_pdf.html", {
        "figures": result, "note": FIGURES_NOTE, "municipality": Municipality.objects.current(),
    }, filename=f"figures-{result.year}.pdf")
    return pdf_response(rendered.filename, rendered.content)


# --- 連携シート (referrals) ---


# --- 支援経過記録 (timeline) ---

TIMELINE_FIELDS = ["timeline"]


def _timeline_entry_or_404(case: Case, entry_pk: int):
    from .models import TimelineEntry

    entry = TimelineEntry.objects.select_related("case", "recorded_by").filter(case=case, pk=entry_pk).first()
    if entry is None:
        raise Http404("ページが見つかりません。")
    return entry


def _timeline_form(request: HttpRequest, case: Case, title: str, button: str, apply, *, initial=None,
                   extra: dict | None = None) -> HttpResponse:
    from .forms import TimelineEntryForm

    form = TimelineEntryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            apply(form.entry_values())
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{title}を記録しました。")
            return redirect(f"{reverse('cases:detail', args=[case.pk])}#timeline")
    return render(request, "consultations/timeline_form.html", {
        "form": form, "title": f"{title}（{case}）", "button": button, "case": case, **(extra or {})})


# --- Team lead: urgency and duplicates at intake ---

def _lead_context(request: HttpRequest, case: Case) -> dict:
    return {
        "urgency": selectors.open_urgency(case),
        "urgency_history": case.urgencies.select_related("marked_by", "cleared_by"),
        "linked": selectors.linked_cases(case),
        "leading": selectors.is_team_case_of(request.user, case),
    }


def _tell_of_possible_duplicates(request: HttpRequest, case: Case) -> None:
    """After an intake: that a record of the same person may exist, and whom to ask. Nothing of
    that record: not its number, its dates or its worker."""
    contacts = selectors.duplicate_contacts(case)
    if not contacts:
        return
    whom = "、".join(
        f"{c['organisation'].name}の相談支援管理者（{'・'.join(c['leads'])}）" if c["leads"]
        else f"{c['organisation'].name}（相談支援管理者は未設定です。団体にお問い合わせください）"
        for c in contacts)
    messages.warning(request, f"同じ方の記録がすでにある可能性があります。内容は表示しません。{whom}に確認してください。"
                              "あなたの団体の相談支援管理者にも知らせました。")


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def urgency_mark(request: HttpRequest, pk: int) -> HttpResponse:
    """緊急性がある事案 (seed 003 支援会議 ③): assigned staff mark the case; the team lead is told."""
    return _case_form(request, pk, UrgencyForm, "緊急の記録", "緊急として記録する", lambda case, d: services.urgency_mark(
        case=case, reason=d["reason"], by=request.user))


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def urgency_clear(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_form(request, pk, UrgencyClearForm, "緊急の解除", "解除する", lambda case, d: services.urgency_clear(
        case=case, note=d["note"], by=request.user))


def _lead_required(request: HttpRequest) -> None:
    if not is_team_lead(request.user):
        raise Http404("ページが見つかりません。")


@case_worker_required
def duplicates(request: HttpRequest) -> HttpResponse:
    """The team lead's list of possible duplicates at intake (the team's new intakes)."""
    _lead_required(request)
    rows = selectors.duplicates_for_lead(request.user)
    shown = {row["pair"].new_case.pk: row["pair"].new_case for row in rows}
    shown |= {row["pair"].existing_case.pk: row["pair"].existing_case for row in rows if row["existing_visible"]}
    log_reads(request.user, list(shown.values()), fields=["number", "person_name", "person_kana", "person_birth_date"],
              purpose="重複の可能性の確認")
    return render(request, "consultations/duplicates.html", {"rows": rows})


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def referral_add(request: HttpRequest, pk: int) -> HttpResponse:
    """連携シートを作成して送る (assigned staff); the items default to the minimum necessary."""
    case = _assigned_case_or_404(request, pk, fields=["number", "consents", "support_meetings"], purpose="連携シートの作成")
    form = ReferralForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            referral = services.referral_send(case=case, agency=d["agency"], items=d["items"], purpose=d["purpose"],
                                              by=request.user, **form.service_basis())
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"連携シートを送付しました（{referral.agency}）。")
            return redirect("cases:referral_detail", pk=referral.pk)
    return render(request, "form_page.html", {"form": form, "title": f"連携シート（{case}）", "button": "送付する"})


@case_worker_required
def referral_inbox(request: HttpRequest) -> HttpResponse:
    """The 連携シート sent to the user's agency: case numbers and dates only, no personal data."""
    return render(request, "consultations/referral_list.html", {
        "referrals": selectors.referrals_received(request.user)})


@case_worker_required
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    referral = referral_visible_or_404(request.user, pk, purpose="連携シートの閲覧")
    recipient = bool(request.user.organisation_id) and referral.agency.organisation_id == request.user.organisation_id
    return render(request, "consultations/referral_detail.html", {
        "r": referral, "recipient": recipient, "pending": referral.status == ReferralStatus.SENT,
        "case_visible": selectors.case_list_for(request.user).filter(pk=referral.case_id).exists(),
    })


@case_worker_required
def referral_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The sheet as sent: printed from the stored snapshot, so every copy reads the same."""
    referral = referral_visible_or_404(request.user, pk, purpose="連携シートのPDF出力（マスクあり）")
    return _masked_pdf(request, referral.case, OutputRequest("referral", referral.pk))


@case_worker_required
@require_POST
def referral_accept(request: HttpRequest, pk: int) -> HttpResponse:
    referral = referral_for_recipient_or_404(request.user, pk, purpose="連携シートの受理")
    try:
        services.referral_accept(referral=referral, by=request.user)
        messages.success(request, "連携シートを受理しました。ケースを閲覧できます（閲覧のみ）。")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("cases:referral_detail", pk=referral.pk)


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def timeline_add(request: HttpRequest, pk: int) -> HttpResponse:
    """支援経過記録: assigned staff only (an agency under consent reads the timeline, never writes)."""
    from django.utils import timezone

    case = _assigned_case_or_404(request, pk, fields=["number", "status"], purpose="支援経過の記録")
    now = timezone.localtime()
    return _timeline_form(request, case, "支援経過", "記録する", lambda v: services.timeline_entry_add(
        case=case, by=request.user, **v), initial={"contact_on": now.date(), "contact_time": now.strftime("%H:%M")})


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def referral_return(request: HttpRequest, pk: int) -> HttpResponse:
    referral = referral_for_recipient_or_404(request.user, pk, purpose="連携シートの返戻")
    form = ReferralReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.referral_return(referral=referral, reason=form.cleaned_data["reason"], by=request.user)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "連携シートを返戻しました。")
            return redirect("cases:referral_detail", pk=referral.pk)
    return render(request, "form_page.html", {"form": form, "title": f"連携シートの返戻（{referral}）",
                                              "button": "返戻する"})


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def timeline_edit(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """Its author edits an entry on the day it was written; otherwise the page says why and offers a correction."""
    from .forms import TimelineEntryForm

    case = _assigned_case_or_404(request, pk, fields=TIMELINE_FIELDS, purpose=f"支援経過の変更（{entry_pk}）")
    entry = _timeline_entry_or_404(case, entry_pk)
    refusal = services.timeline_entry_editable(entry, request.user)
    if refusal and request.method == "GET":
        return render(request, "consultations/timeline_form.html", {
            "title": f"支援経過の変更（{case}）", "case": case, "refusal": refusal, "entry": entry})
    return _timeline_form(request, case, "支援経過の変更", "変更する", lambda v: services.timeline_entry_edit(
        entry=entry, by=request.user, **v), initial=TimelineEntryForm.initial_from(entry), extra={"entry": entry})


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def timeline_correct(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    """訂正: a new entry naming the one it corrects (which stays as written)."""
    from .forms import TimelineEntryForm

    case = _assigned_case_or_404(request, pk, fields=TIMELINE_FIELDS, purpose=f"支援経過の訂正（{entry_pk}）")
    entry = _timeline_entry_or_404(case, entry_pk)
    return _timeline_form(request, case, "支援経過の訂正", "訂正を記録する", lambda v: services.timeline_entry_correct(
        entry=entry, by=request.user, **v), initial=TimelineEntryForm.initial_from(entry),
        extra={"entry": entry, "correcting": True})


@case_worker_required
def timeline_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """支援経過 for a period (a live report, not an issued document); the read is logged."""
    from .forms import TimelinePeriodForm

    form = TimelinePeriodForm(request.GET or None)
    if not form.is_valid():
        # Seen only by who may see the case; nothing of it is read for the refusal.
        case = get_case_or_404(request.user, pk, fields=["number"], purpose="支援経過PDFの期間の指定")
        return render(request, "consultations/timeline_period.html", {"case": case, "form": form})
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    case = get_case_or_404(request.user, pk, fields=["number", "person_name", "timeline"],
                           purpose=f"支援経過PDFの出力（{format_wareki(start)}〜{format_wareki(end)}・マスクあり）")
    return _masked_pdf(request, case, OutputRequest("timeline", start=start, end=end))


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def duplicate_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _lead_required(request)
    pair = selectors.duplicate_for_lead(request.user, pk)
    if pair is None:
        raise Http404("ページが見つかりません。")
    log_read(request.user, pair.new_case, fields=["number"], purpose="重複の可能性の判断")
    form = DuplicateDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.duplicate_decide(duplicate=pair, decision=form.cleaned_data["decision"], by=request.user)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "判断を記録しました。")
            return redirect("cases:duplicates")
    return render(request, "form_page.html", {"form": form, "title": f"重複の可能性の判断（{pair.new_case}）",
                                              "button": "判断を記録する"})


# --- 参加支援 (issue 13, item 5) ---

@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def participation_add(request: HttpRequest, pk: int) -> HttpResponse:
    """参加支援 on the case's current plan (else its draft); may ask the area's coordinator for help."""
    from .forms import ParticipationSupportForm

    case = _assigned_case_or_404(request, pk, fields=["number", "status", "plans"], purpose="参加支援")
    plan = selectors.plan_for_participation(case)
    form = ParticipationSupportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if plan is None:
                raise DomainError("参加支援を記録するプランがありません。先に支援プラン（案）を作ってください。")
            services.participation_support_add(plan=plan, note=form.cleaned_data["note"],
                                               resource=form.cleaned_data["resource"], by=request.user,
                                               need_request=form.need_request())
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "参加支援を記録しました。")
            return redirect("cases:detail", pk=case.pk)
    title = f"参加支援（{case}・プラン第{plan.version}版）" if plan else f"参加支援（{case}）"
    return render(request, "form_page.html", {"form": form, "title": title, "button": "記録する"})


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
                              purpose=f"PDFの出力（アセスメント第{head.get('version')}版・マスクあり）")
    return _masked_pdf(request, case, OutputRequest("assessment", pk))


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
        "note": f"対象のモニタリングの時期：{format_wareki(plan.monitoring_on)}"})


@case_worker_required
def evaluation_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    head = Evaluation.objects.filter(pk=pk).values("plan__case_id").first() or {}
    case = _sheet_case_or_404(request, head.get("plan__case_id"), fields=["plans", "evaluations", "person_name"],
                              purpose=f"PDFの出力（評価 {pk}・マスクあり）")
    return _masked_pdf(request, case, OutputRequest("evaluation", pk))


# --- Unmasked outputs: request, the lead's decision, one use (issue 14, item 2) ---

@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def approval_request(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """マスクなしで出力を申請 (assigned staff): which output, which 要配慮 items, for whom, why, on which basis."""
    from .forms import OutputApprovalForm
    from .models import OutputKind

    if kind not in OutputKind.values:
        raise Http404("ページが見つかりません。")
    label = OutputKind(kind).label
    case = _assigned_case_or_404(request, pk, fields=["number", "consents", "assessments", "plans", "referrals"],
                                 purpose=f"マスクなし出力の申請（{label}）")
    form = OutputApprovalForm(request.POST or None, case=case, output=kind)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            approval = services.approval_request(
                case=case, output=kind, object_id=d.get("target"), period_start=d.get("period_start"),
                period_end=d.get("period_end"), items=d.get("items") or [], recipient=d["recipient"],
                purpose=d["purpose"], basis=d["basis"], consent=d.get("consent"), agency=d.get("agency"),
                by=request.user)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"マスクなしの出力を申請しました（申請番号 {approval.pk}）。"
                                      "チームの相談支援管理者の承認を待ってください。")
            return redirect(f"{reverse('cases:detail', args=[case.pk])}#approvals")
    return render(request, "form_page.html", {"form": form, "title": f"マスクなしで出力を申請：{label}（{case}）",
                                              "button": "申請する"})


@case_worker_required
def approvals(request: HttpRequest) -> HttpResponse:
    """The team lead's list: requests waiting for a decision, and the latest decided ones."""
    from .forms import ApprovalDecisionForm

    _lead_required(request)
    pending, decided = selectors.approvals_for_lead(request.user)
    cases = {a.case_id: a.case for a in [*pending, *decided]}
    log_reads(request.user, list(cases.values()), fields=["number", "output_approvals"],
              purpose="マスクなし出力の申請の確認")
    return render(request, "consultations/approvals.html", {
        "pending": pending, "decided": decided, "form": ApprovalDecisionForm()})


@case_worker_required
@require_POST
def approval_decide(request: HttpRequest, pk: int) -> HttpResponse:
    from .forms import ApprovalDecisionForm

    _lead_required(request)
    approval = selectors.approval_for_lead(request.user, pk)
    if approval is None:
        raise Http404("ページが見つかりません。")
    form = ApprovalDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "判断（承認する・承認しない）を選び、理由は2,000文字以内で入力してください。")
        return redirect("cases:approvals")
    try:
        services.approval_decide(approval=approval, grant=form.cleaned_data["decision"] == "grant",
                                 note=form.cleaned_data["note"], by=request.user)
        messages.success(request, f"申請番号 {approval.pk} を判断しました。")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("cases:approvals")


@case_worker_required
@require_POST
def approval_use(request: HttpRequest, pk: int) -> HttpResponse:
    """The unmasked PDF, once: only a POST by the requester spends a granted approval (a GET never does).
    The approval is marked used and the read logged in the same transaction as the rendering."""
    from django.db import transaction

    from .models import OutputApproval, OutputKind

    approval = OutputApproval.objects.filter(pk=pk, requested_by=request.user).select_related("case").first()
    case = approval and cases_visible_to(request.user, Case.objects.all()).filter(pk=approval.case_id).first()
    if approval is None or case is None or not is_assigned(request.user, case):
        raise Http404("ページが見つかりません。")
    label = OutputKind(approval.output).label
    try:
        with transaction.atomic():
            approval = services.approval_use(approval=approval, by=request.user)
            rendered = render_case_output(case=case, what=OutputRequest.of(approval), user=request.user,
                                          approval=approval)
            log_read(request.user, case, fields=[*ALL_FIELDS, *approval.items],
                     purpose=f"マスクなしPDFの出力（{label}・承認番号 {approval.pk}）")
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(f"{reverse('cases:detail', args=[case.pk])}#approvals")
    return pdf_response(rendered.filename, rendered.content)


# --- 避難行動要支援者 (災害対策基本法 第49条の10〜第49条の11; issue 14, item 6) ---


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def evacuation_listing_add(request: HttpRequest, pk: int) -> HttpResponse:
    from .forms import EvacuationListingForm

    return _case_form(request, pk, EvacuationListingForm, "避難行動要支援者名簿への掲載の同意", "記録する",
                      lambda case, d: services.evacuation_listing_record(
                          case=case, agreed_on=d["agreed_on"], method=d["method"], reason=d["reason"],
                          recipients=d["recipients"], by=request.user))


@case_worker_required
@require_POST
def evacuation_listing_withdraw(request: HttpRequest, pk: int, listing_pk: int) -> HttpResponse:
    from django.utils import timezone

    from .evacuation import listings_of

    case = _assigned_case_or_404(request, pk, fields=["evacuation_listings"], purpose="避難行動要支援者の同意の撤回")
    listing = listings_of(case).filter(pk=listing_pk).first()
    if listing is None:
        raise Http404("ページが見つかりません。")
    try:
        services.evacuation_listing_withdraw(listing=listing, on=timezone.localdate(), by=request.user)
        messages.success(request, "避難行動要支援者名簿への掲載の同意の撤回を記録しました。以後、名簿には載りません。")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("cases:detail", pk=case.pk)


def _team_lead_required(view):
    """The team lead (相談支援管理者) only; everyone else 404."""
    from functools import wraps

    from .models import is_team_lead

    @case_worker_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not is_team_lead(request.user):
            raise Http404("ページが見つかりません。")
        return view(request, *args, **kwargs)

    return wrapped


@_team_lead_required
@require_http_methods(["GET", "POST"])
@submit_once
def evacuation_exports(request: HttpRequest) -> HttpResponse:
    """The team lead exports the listing for one kind of 避難支援等関係者 and sees the team's exports."""
    from .evacuation import exports_of_team
    from .forms import EvacuationExportForm

    form = EvacuationExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            export = services.evacuation_export(recipient=form.cleaned_data["recipient"], by=request.user)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{export.get_recipient_display()}への提供として{len(export.rows)}人分の名簿を出力しました。"
                                      "下の一覧からダウンロードしてください。")
            return redirect("cases:evacuation_exports")
    return render(request, "consultations/evacuation_exports.html", {
        "form": form, "exports": exports_of_team(request.user)[:50], "columns": services.EVACUATION_COLUMNS,
    })


@_team_lead_required
def evacuation_export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """An export as it was made (its stored rows), for the leads of the team that made it; each case logged."""

    from municipality.exports import xlsx_response

    from .access import log_reads
    from .evacuation import exports_of_team

    export = exports_of_team(request.user).filter(pk=pk).first()
    if export is None:
        raise Http404("ページが見つかりません。")
    if not services.evacuation_export_still_agreed(export):
        # A download is a new provision: not of a person who has withdrawn since (or whose record is past retention).
        messages.error(request, "この名簿を出力した後に、名簿に載った方の同意の撤回などがありました。"
                                "この名簿はダウンロードできません。新しく出力してください。")
        return redirect("cases:evacuation_exports")
    log_reads(request.user, list(export.cases.all()), fields=["person_name", "person_birth_date", "person_address",
                                                             "person_phone", "evacuation_reason"],
              purpose=f"避難行動要支援者名簿のダウンロード（提供の記録 {export.pk}）")
    about = ("概要", ["項目", "内容"], [
        ("提供先", export.get_recipient_display()), ("出力日時", f"{format_wareki_datetime(export.exported_at)}"),
        ("出力した人", export.exported_by.name), ("根拠", "災害対策基本法第49条の11第2項（本人の同意）"),
        ("秘密保持", "名簿情報の提供を受けた者は、正当な理由なく、知り得た秘密を漏らしてはなりません（災害対策基本法第49条の13）。")])
    listing = ("名簿", services.EVACUATION_COLUMNS, [values for _, values in export.rows])
    return xlsx_response(f"evacuation-{export.pk}.xlsx", [about, listing])


# --- 個人情報ファイル簿 (個人情報保護法 第74条・第75条; issue 14, item 3): no personal data ---


def _file_register_reader(view):
    from municipality.access import role_required
    from municipality.roles import Role

    return role_required(Role.CITY_STAFF, Role.AUDITOR)(view)


@_file_register_reader
def file_register(request: HttpRequest) -> HttpResponse:
    from .file_register import LAW, SENSITIVE_MARK, entry

    return render(request, "consultations/file_register.html", {
        "entry": entry(), "law": LAW, "mark": SENSITIVE_MARK, "municipality": Municipality.objects.current()})


@_file_register_reader
def file_register_pdf(request: HttpRequest) -> HttpResponse:
    from .file_register import LAW, SENSITIVE_MARK, entry

    rendered = render_pdf("consultations/file_register_pdf.html", {
        "entry": entry(), "law": LAW, "mark": SENSITIVE_MARK, "municipality": Municipality.objects.current(),
    }, filename="file-register.pdf")
    return pdf_response(rendered.filename, rendered.content)


@_file_register_reader
def file_register_xlsx(request: HttpRequest) -> HttpResponse:
    from municipality.exports import xlsx_response

    from .file_register import entry

    result = entry()
    return xlsx_response("file-register.xlsx", [
        ("個人情報ファイル簿", ["事項", "記載内容"], [(row.heading, row.text) for row in result.rows]),
        ("記録項目", ["記録", "項目", "区分"], [(i.record, i.label, i.level_label) for i in result.items]),
        ("経常的提供先", ["区分", "提供先"], [(kind, name) for kind, names in result.recipients for name in names]),
        ("保存期間", ["記録の種類", "保存期間（終結・中断から）"], [(label, f"{years}年") for label, years in result.retention]),
    ])
