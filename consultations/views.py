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
    IntakeForm,
    PlanForm,
    RegionalIssueForm,
    StaffForm,
    SupportMeetingForm,
)
from .models import Agency, Case, Consent, PlanStatus


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


def _case_form(request: HttpRequest, pk: int, form_class, title: str, button: str, apply, **initial):
    case = _assigned_case_or_404(request, pk, fields=["number", "status"], purpose=title)
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


def _roles(text: str) -> list[tuple[Agency, str]]:
    roles = []
    by_name = selectors.agencies_by_name()
    for line in text.splitlines():
        name, _, role = line.replace("/", "／").partition("／")
        if not line.strip():
            continue
        if name.strip() not in by_name:
            raise DomainError(f"関係機関「{name.strip()}」が登録されていません。")
        roles.append((by_name[name.strip()], role.strip()))
    return roles


@case_worker_required
@require_http_methods(["GET", "POST"])
@submit_once
def plan_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_form(request, pk, PlanForm, "支援プランの案", "案を作る", lambda case, d: services.plan_draft(
        case=case, goals=d["goals"], policy=d["policy"], contents=d["contents"], monitoring_on=d["monitoring_on"],
        roles=_roles(d["roles"]), by=request.user, based_on=case.assessments.first()))


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

    return _case_form(request, pk, ConferenceForm, "重層的支援会議", "記録してプランに反映する", apply)


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
    return _case_form(request, pk, AssessmentForm, "アセスメント", "記録する", lambda case, d: services.assessment_add(
        case=case, by=request.user, **d))


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
