"""重層的支援会議 on a 地域生活課題 (seed 003 3.会議内容③; issue 13, item 7): a meeting of the case
team without an individual case, on a gap in the area's resources, which can raise a 地域の課題.

Who sees what is answered by access.area_conferences_visible_to: the team and the attendees, and
city-wide users (read only); reads are logged like a case record's, though nothing here names anyone.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from forms_pdf.rendering import render_pdf
from forms_pdf.views import pdf_response
from municipality.errors import DomainError
from municipality.models import Municipality
from municipality.once import submit_once

from . import selectors, services
from .access import (
    area_conference_visible_or_404,
    area_conferences_visible_to,
    log_reads,
    may_handle_cases,
    may_record_area_conference,
)
from .forms import AreaConferenceForm, RegionalIssueForm


def _readers_only(view):
    """Case workers, and city-wide users who read the records; everyone else: 404."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not (may_handle_cases(request.user) or request.user.is_city_wide):
            raise Http404("ページが見つかりません。")
        return view(request, *args, **kwargs)

    return wrapped


@_readers_only
def area_conference_list(request: HttpRequest) -> HttpResponse:
    conferences = area_conferences_visible_to(request.user).select_related("area", "organisation")
    page = Paginator(conferences, 50).get_page(request.GET.get("page"))
    log_reads(request.user, list(page), fields=["held_on", "area", "issue"], purpose="重層的支援会議（地域生活課題）の一覧")
    return render(request, "consultations/area_conference_list.html", {
        "page": page, "may_record": may_record_area_conference(request.user)})


@_readers_only
@require_http_methods(["GET", "POST"])
@submit_once
def area_conference_create(request: HttpRequest) -> HttpResponse:
    if not may_record_area_conference(request.user):
        raise Http404("ページが見つかりません。")
    form = AreaConferenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            conference = services.area_conference_record(
                held_on=d["held_on"], area=d["area"], issue=d["issue"], decisions=d["decisions"],
                attendees=d["attendees"], agencies=d["agencies"], by=request.user)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "重層的支援会議（地域生活課題）を記録しました。")
            return redirect("cases:area_conference_detail", pk=conference.pk)
    return render(request, "form_page.html", {"form": form, "title": "重層的支援会議（地域生活課題）の記録",
                                              "button": "記録する"})


@_readers_only
def area_conference_detail(request: HttpRequest, pk: int) -> HttpResponse:
    conference = area_conference_visible_or_404(request.user, pk)
    return render(request, "consultations/area_conference_detail.html", {
        "c": conference, **selectors.area_conference_record(conference),
        "may_raise": may_handle_cases(request.user)})


@_readers_only
def area_conference_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    conference = area_conference_visible_or_404(request.user, pk, purpose="PDFの出力（重層的支援会議・地域生活課題）")
    rendered = render_pdf("consultations/area_conference_pdf.html", {
        "c": conference, "municipality": Municipality.objects.current(), **selectors.area_conference_record(conference),
    }, filename=f"area-conference-{conference.pk}.pdf")
    return pdf_response(rendered.filename, rendered.content)


@_readers_only
@require_http_methods(["GET", "POST"])
@submit_once
def area_conference_regional_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """地域の課題 raised from the meeting (seed 003 ③: 地域の課題として位置付け…). Case workers of the
    team and the attendees; city staff read only."""
    if not may_handle_cases(request.user):
        raise Http404("ページが見つかりません。")
    conference = area_conference_visible_or_404(request.user, pk, purpose="地域の課題の提起")
    form = RegionalIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.regional_issue_raise(title=form.cleaned_data["title"], description=form.cleaned_data["description"],
                                          by=request.user, area_conference=conference)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "地域の課題を提起しました。")
            return redirect("cases:area_conference_detail", pk=conference.pk)
    return render(request, "form_page.html", {"form": form, "title": f"地域の課題の提起（{conference}）",
                                              "button": "提起する"})
