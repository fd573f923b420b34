from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from coordinators.models import Coordinator
from forms_pdf.rendering import render_pdf
from forms_pdf.views import pdf_response
from municipality import exports
from municipality.access import role_required
from municipality.errors import DomainError
from municipality.models import Municipality
from municipality.once import submit_once
from municipality.roles import Role
from municipality.scoping import get_visible_or_404
from municipality.terms import localise

from . import chart, funding, selectors, services
from .exports import ACTIVITIES
from .forms import ActivityForm, MatchForm, NeedForm, ReturnForm, SocialResourceForm
from .models import (
    Activity,
    Function,
    MonthlyReport,
    Need,
    NeedStatus,
    ProviderKind,
    ReportStatus,
    ResourceStatus,
    SocialResource,
    month_label,
    month_start,
)

ACTIVITY_ROLES = (Role.COORDINATOR, Role.CONTRACTOR, Role.CITY_STAFF)


def _own_coordinator(user) -> Coordinator:
    coordinator = Coordinator.objects.filter(user=user).first()
    if coordinator is None:
        raise Http404("ページが見つかりません。")
    return coordinator


def _month_from(year: int, month: int) -> dt.date:
    if not 2000 <= year <= 2100:
        raise Http404("ページが見つかりません。")
    try:
        return dt.date(year, month, 1)
    except ValueError as exc:
        raise Http404("ページが見つかりません。") from exc


# --- 活動記録 ---------------------------------------------------------------------------

@role_required(*ACTIVITY_ROLES)
def activity_list(request: HttpRequest) -> HttpResponse:
    activities = selectors.activities_for(request.user)
    month = request.GET.get("month", "")
    start = None
    if month:
        try:
            start = dt.date.fromisoformat(f"{month}-01")
        except ValueError:
            messages.error(request, "月の指定が正しくありません（例：2026-11）。")
    count = selectors.activities_count(activities, month=start)
    if start is not None:
        activities = activities.filter(date__range=selectors.month_bounds(start))
    export = exports.requested_format(request.GET)
    if export is not None:
        return exports.table_response(request, ACTIVITIES, activities, export)
    # The 地域課題 a resource development activity works on, linked where the user may see it (same query).
    issues = Activity._meta.get_field("community_issue").related_model._default_manager.visible_to(request.user)
    activities = activities.annotate(may_see_issue=Exists(issues.filter(pk=OuterRef("community_issue_id"))))
    paginator = Paginator(activities, 30)
    if count is not None:
        paginator.count = count
    page = paginator.get_page(request.GET.get("page"))
    coordinator = Coordinator.objects.filter(user=request.user).first()
    return render(request, "activities/activity_list.html", {
        "page": page, "coordinator": coordinator, "month": month,
        "today": timezone.localdate(), "export_links": exports.export_links(request.GET),
    })


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
@submit_once
def activity_create(request: HttpRequest) -> HttpResponse:
    coordinator = _own_coordinator(request.user)
    areas = services.areas_of(coordinator, timezone.localdate())
    form = ActivityForm(request.POST or None, areas=areas, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_log(coordinator=coordinator, by=request.user, **form.service_values())
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "活動を記録しました。")
            return redirect("activities:list")
    return render(request, "activities/activity_form.html", {"form": form, "areas": areas})


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    coordinator = _own_coordinator(request.user)
    activity = get_visible_or_404(Activity.objects.filter(coordinator=coordinator), request.user, pk=pk)
    report = services.locking_report(coordinator, activity.date)
    if report is not None:  # say so before anyone edits, not after the save is refused
        return render(request, "activities/activity_form.html", {
            "activity": activity, "locked_reason": services.locked_message(report),
        })
    areas = services.areas_of(coordinator, activity.date) or [activity.area]
    initial = {field: getattr(activity, field) for field in services.EDITABLE_FIELDS}
    initial |= {"organisations": activity.organisations.all(), "resources": activity.resources.all()}
    form = ActivityForm(request.POST or None, areas=areas, user=request.user, initial=initial)
    if request.method == "POST" and "delete" in request.POST:
        try:
            services.activity_delete(activity=activity, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("activities:edit", pk=activity.pk)
        messages.success(request, "活動記録を削除しました。")
        return redirect("activities:list")
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(activity=activity, by=request.user, **form.service_values())
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "活動記録を更新しました。")
            return redirect("activities:list")
    return render(request, "activities/activity_form.html", {"form": form, "activity": activity, "areas": areas})


# --- 月次報告 ---------------------------------------------------------------------------

@role_required(*ACTIVITY_ROLES)
def report_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    coordinator = Coordinator.objects.filter(user=request.user).first()
    own_months = []
    if coordinator is not None:
        months = [month_start(today)]
        for _ in range(5):
            months.append(month_start(months[-1] - dt.timedelta(days=1)))
        reports = {r.month: r for r in MonthlyReport.objects.filter(coordinator=coordinator, month__in=months)}
        own_months = [(m, reports.get(m)) for m in months]
    others = selectors.reports_for(request.user)
    if coordinator is not None:
        others = others.exclude(coordinator=coordinator)
    organisation_months = []
    if request.user.has_role(Role.CONTRACTOR) and request.user.organisation_id:
        organisation_months = [month_start(today), month_start(month_start(today) - dt.timedelta(days=1))]
    return render(request, "activities/report_list.html", {
        "coordinator": coordinator, "own_months": own_months,
        "page": Paginator(others, 50).get_page(request.GET.get("page")), "month_label": month_label,
        "organisation_months": organisation_months,
    })


def _report_context(request: HttpRequest, coordinator_pk: int, year: int, month: int) -> dict:
    coordinator = get_visible_or_404(Coordinator, request.user, pk=coordinator_pk)
    summary = selectors.month_summary(coordinator, _month_from(year, month))
    return {"summary": summary, "coordinator": coordinator, "label": month_label(summary.month),
            "municipality": Municipality.objects.current()}


@role_required(*ACTIVITY_ROLES)
@require_http_methods(["GET", "POST"])
def report_detail(request: HttpRequest, coordinator_pk: int, year: int, month: int) -> HttpResponse:
    context = _report_context(request, coordinator_pk, year, month)
    summary = context["summary"]
    return_form = ReturnForm(request.POST if "return" in request.POST else None)
    if request.method == "POST":
        try:
            if "submit" in request.POST:
                if summary.coordinator.user_id != request.user.pk:
                    raise DomainError("報告を提出できるのは本人だけです。")
                services.report_submit(coordinator=summary.coordinator, month=summary.month, by=request.user)
                messages.success(request, f"{context['label']}の報告を提出しました。この月の活動は変更できなくなります。")
            elif "confirm" in request.POST and summary.report:
                services.report_confirm(report=summary.report, by=request.user)
                messages.success(request, "報告を確認し、市に送りました。")
            elif "accept" in request.POST and summary.report:
                services.report_accept(report=summary.report, by=request.user)
                messages.success(request, "報告を受理しました。")
            elif "return" in request.POST and summary.report:
                if not return_form.is_valid():
                    raise DomainError("差戻しの理由を入力してください。")
                services.report_return(report=summary.report, by=request.user,
                                       comment=return_form.cleaned_data["comment"])
                messages.success(request, "報告を差し戻しました。")
            else:
                raise DomainError("操作を選んでください。")
        except DomainError as error:
            messages.error(request, error.message)
        return redirect(request.path)
    user = request.user
    report = summary.report
    context |= {
        "return_form": return_form,
        "can_submit": summary.coordinator.user_id == user.pk and (report is None or report.status == ReportStatus.RETURNED)
        and summary.month <= month_start(timezone.localdate()),
        "can_confirm": report is not None and report.status == ReportStatus.SUBMITTED and user.has_role(Role.CONTRACTOR)
        and user.organisation_id == summary.coordinator.employer_id and summary.coordinator.user_id != user.pk,
        "can_accept": report is not None and report.status == ReportStatus.CONFIRMED and user.has_role(Role.CITY_STAFF),
        "can_return": report is not None and (
            (report.status == ReportStatus.SUBMITTED and user.has_role(Role.CONTRACTOR)
             and user.organisation_id == summary.coordinator.employer_id)
            or (report.status in (ReportStatus.CONFIRMED, ReportStatus.ACCEPTED) and user.has_role(Role.CITY_STAFF))
        ),
    }
    return render(request, "activities/report_detail.html", context)


def _report_rows(summary) -> list[list]:
    return [[a.date, a.area_label, a.get_function_display(), str(a.category), a.minutes,
             a.participants, a.narrative, a.follow_up_on]
            for a in summary.activities]


REPORT_HEADER = ["活動日", "区域", "機能", "活動の項目", "時間（分）", "参加人数", "内容", "次の対応日"]


@role_required(*ACTIVITY_ROLES)
def report_pdf(request: HttpRequest, coordinator_pk: int, year: int, month: int) -> HttpResponse:
    context = _report_context(request, coordinator_pk, year, month)
    filename = f"monthly-report-{coordinator_pk}-{year}{month:02d}.pdf"
    rendered = render_pdf("activities/report_pdf.html", context, filename=filename)
    return pdf_response(rendered.filename, rendered.content)


@role_required(*ACTIVITY_ROLES)
def report_xlsx(request: HttpRequest, coordinator_pk: int, year: int, month: int) -> HttpResponse:
    summary = _report_context(request, coordinator_pk, year, month)["summary"]
    totals = [[label, count, minutes] for label, count, minutes in summary.by_function]
    return exports.xlsx_response(f"monthly-report-{coordinator_pk}-{year}{month:02d}.xlsx", [
        ("集計", ["機能", "件数", "時間（分）"], [*totals, ["合計", summary.total_count, summary.total_minutes]]),
        ("活動記録", REPORT_HEADER, _report_rows(summary)),
    ])


# --- 市のダッシュボード ---------------------------------------------------------------------

IDLE_NAMES = 50  # idle areas named on the dashboard; all of them are in the table filtered to them
DASHBOARD_AREA_HEADER = ["区域", *Function.labels, "合計", "今月の記録", "区域を越えた連携（他の区域から）"]


@role_required(Role.CITY_STAFF)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The city's figures in full (chart, totals, counts); the area table and the coordinators who
    have not reported come a page at a time (a large city has thousands of rows), and the whole
    table can be downloaded."""
    today = timezone.localdate()
    idle_only = request.GET.get("idle") == "1"
    areas = selectors.idle_areas(today) if idle_only else selectors.dashboard_areas()
    if request.GET.get("export") in ("csv", "xlsx"):
        rows = ([row["area"].name, *row["counts"], row["total"], "なし" if row["idle"] else "あり", row["cross"]]
                for row in selectors.area_function_rows(list(areas), today=today))
        if request.GET["export"] == "csv":
            return exports.csv_response("activities-by-area.csv", DASHBOARD_AREA_HEADER, rows)
        return exports.xlsx_response("activities-by-area.xlsx", [("区域別・機能別", DASHBOARD_AREA_HEADER, rows)])
    board = selectors.dashboard(today=today)
    # The counts are the board's: the paginators need not count again.
    area_pages = Paginator(areas, 50)
    area_pages.count = board.idle_count if idle_only else board.area_count
    page = area_pages.get_page(request.GET.get("page"))
    idle_names = list(selectors.idle_areas(today)[:IDLE_NAMES])
    missing_pages = Paginator(selectors.coordinators_without_report(board.report_month), 50)
    missing_pages.count = board.not_submitted_count
    missing = missing_pages.get_page(request.GET.get("missing_page"))
    return render(request, "activities/dashboard.html", {
        "board": board,
        "chart": chart.stacked_bars(board.months, board.function_month_totals),
        "page": page,
        "table": selectors.area_function_rows(list(page), today=today),
        "idle_only": idle_only,
        "idle_names": idle_names,
        "idle_rest": -len(idle_names),
        "missing": missing,
        "functions": Function,
        "funding": funding.estimate_for_municipality(),
        "today": today,
        "report_month_label": month_label(board.report_month),
        "this_month_label": month_label(month_start(today)),
    })


# --- 社会資源・地域ニーズ・マッチング ----------------------------------------------------------

def _filtered_resources(request: HttpRequest):
    resources = SocialResource.objects.visible_to(request.user).select_related("area")
    q = request.GET.get("q", "").strip()
    if q:
        resources = resources.filter(Q(name__icontains=q) | Q(offers__icontains=q) | Q(contact__icontains=q))
    for field in ("provider_kind", "status"):
        if request.GET.get(field):
            resources = resources.filter(**{field: request.GET[field]})
    if request.GET.get("area", "").isdigit():
        resources = resources.filter(area_id=request.GET["area"])
    return resources


RESOURCE_HEADER = ["名称", "提供主体の種類", "区域", "提供している内容", "連絡先", "状態"]
RESOURCES = exports.Table(
    filename="social-resources", title="社会資源", header=RESOURCE_HEADER,
    row=lambda r: [r.name, r.get_provider_kind_display(), r.area.name, r.offers, r.contact, r.get_status_display()],
)


@role_required(*ACTIVITY_ROLES)
def resource_list(request: HttpRequest) -> HttpResponse:
    resources = _filtered_resources(request)
    export = exports.requested_format(request.GET)
    if export is not None:
        return exports.table_response(request, RESOURCES, resources, export)
    return render(request, "activities/resource_list.html", {
        "page": Paginator(
            selectors.with_may_change(resources, may_edit=selectors.resources_editable_by(request.user)), 30,
        ).get_page(request.GET.get("page")),
        "kinds": ProviderKind.choices, "statuses": ResourceStatus.choices,
        "areas": selectors.areas_for(request.user), "query": request.GET,
    })


@role_required(Role.COORDINATOR, Role.CONTRACTOR, Role.CITY_STAFF)
@require_http_methods(["GET", "POST"])
@submit_once
def resource_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    areas = selectors.areas_for(request.user)
    resource = get_visible_or_404(selectors.resources_editable_by(request.user), request.user, pk=pk) if pk else None
    form = SocialResourceForm(request.POST or None, instance=resource, areas=areas)
    if request.method == "POST" and form.is_valid():
        try:
            resource = services.resource_save(resource=form.save(commit=False), by=request.user)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"社会資源「{resource.name}」を保存しました。")
            return redirect("activities:resources")
    return render(request, "form_page.html", {
        "form": form, "title": "社会資源の登録" if resource is None else f"社会資源の編集：{resource.name}",
        "back_url": reverse("activities:resources"),
    })


NEED_HEADER = ["ニーズ", "区域", "把握のきっかけ", "把握した日", "状態", "つないだ社会資源"]
NEEDS = exports.Table(
    filename="needs", title="地域ニーズ", header=NEED_HEADER,
    row=lambda n: [n.title, n.area.name, n.raised_by, n.raised_on, n.get_status_display(),
                   "、".join(f"{m.resource.name}（{m.get_outcome_display()}）" for m in n.matches.all())],
)


@role_required(*ACTIVITY_ROLES)
def need_list(request: HttpRequest) -> HttpResponse:
    needs = Need.objects.visible_to(request.user).select_related("area", "recorded_by").prefetch_related(
        "matches__resource")
    q = request.GET.get("q", "").strip()
    if q:
        needs = needs.filter(Q(title__icontains=q) | Q(description__icontains=q) | Q(raised_by__icontains=q))
    if request.GET.get("status"):
        needs = needs.filter(status=request.GET["status"])
    if request.GET.get("area", "").isdigit():
        needs = needs.filter(area_id=request.GET["area"])
    export = exports.requested_format(request.GET)
    if export is not None:
        return exports.table_response(request, NEEDS, needs, export)
    # The 地域課題 a need came from (councils' model, reached through the key): linked where the user may
    # see it, in the same query.
    issues = Need._meta.get_field("community_issue").related_model._default_manager.visible_to(request.user)
    needs = needs.annotate(may_see_issue=Exists(issues.filter(pk=OuterRef("community_issue_id"))))
    return render(request, "activities/need_list.html", {
        "page": Paginator(selectors.with_may_change(
            needs, may_edit=selectors.needs_editable_by(request.user),
            may_match=selectors.needs_matchable_by(request.user),
        ), 30).get_page(request.GET.get("page")),
        "statuses": NeedStatus.choices, "areas": selectors.areas_for(request.user), "query": request.GET,
        "can_record": Coordinator.objects.filter(user=request.user).exists(),
    })


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
@submit_once
def need_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    coordinator = _own_coordinator(request.user)
    areas = selectors.areas_for(request.user)
    need = get_visible_or_404(selectors.needs_editable_by(request.user), request.user, pk=pk) if pk else None
    form = NeedForm(request.POST or None, instance=need, areas=areas)
    if request.method == "POST" and form.is_valid():
        need = services.need_save(need=form.save(commit=False), coordinator=coordinator, by=request.user)
        messages.success(request, f"地域ニーズ「{need.title}」を保存しました。")
        return redirect("activities:needs")
    return render(request, "form_page.html", {
        "form": form, "title": "地域ニーズの登録" if need is None else f"地域ニーズの編集：{need.title}",
        "back_url": reverse("activities:needs"),
    })


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
@submit_once
def match_create(request: HttpRequest, need_pk: int) -> HttpResponse:
    coordinator = _own_coordinator(request.user)
    need = get_visible_or_404(selectors.needs_matchable_by(request.user), request.user, pk=need_pk)
    resources = SocialResource.objects.visible_to(request.user).exclude(matches__need=need)
    form = MatchForm(request.POST or None, resources=resources)
    if request.method == "POST" and form.is_valid():
        match = services.match_save(match=form.save(commit=False), need=need, coordinator=coordinator,
                                    by=request.user)
        messages.success(request, f"「{need.title}」を「{match.resource.name}」につなぎました。")
        return redirect("activities:needs")
    return render(request, "form_page.html", {
        "form": form, "title": f"ニーズと社会資源をつなぐ：{need.title}", "back_url": reverse("activities:needs"),
    })




# --- 団体の月次報告 -----------------------------------------------------------------------

def _organisation_month(request: HttpRequest, organisation_pk: int, year: int, month: int):
    from municipality.models import Organisation

    user = request.user
    if not (user.is_city_wide or (user.has_role(Role.CONTRACTOR) and user.organisation_id == organisation_pk)):
        raise Http404("ページが見つかりません。")
    organisation = get_visible_or_404(Organisation, user, pk=organisation_pk)
    return selectors.organisation_month(organisation, _month_from(year, month))


def organisation_header() -> list[str]:
    """The organisation report's columns, the first one named by the municipality's term."""
    return [localise("コーディネーター"), *[f.label for f in Function], "合計", "時間（分）", "報告の状態"]


def _organisation_rows(data) -> list[list]:
    rows = [[r["coordinator"].name, *r["counts"], r["total"], r["minutes"],
             r["report"].get_status_display() if r["report"] else "未提出"] for r in data.rows]
    rows.append(["合計", *data.totals, data.total_count, data.total_minutes, ""])
    return rows


@role_required(Role.CONTRACTOR, Role.CITY_STAFF)
def organisation_report_pdf(request: HttpRequest, organisation_pk: int, year: int, month: int) -> HttpResponse:
    data = _organisation_month(request, organisation_pk, year, month)
    rendered = render_pdf("activities/organisation_report_pdf.html", {
        "data": data, "label": month_label(data.month), "header": organisation_header(),
        "rows": _organisation_rows(data), "municipality": Municipality.objects.current(),
    }, filename=f"organisation-report-{organisation_pk}-{year}{month:02d}.pdf")
    return pdf_response(rendered.filename, rendered.content)


@role_required(Role.CONTRACTOR, Role.CITY_STAFF)
def organisation_report_xlsx(request: HttpRequest, organisation_pk: int, year: int, month: int) -> HttpResponse:
    data = _organisation_month(request, organisation_pk, year, month)
    return exports.xlsx_response(f"organisation-report-{organisation_pk}-{year}{month:02d}.xlsx",
                                 [(month_label(data.month), organisation_header(), _organisation_rows(data))])
