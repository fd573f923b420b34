"""Public pages of meetings (meetings are public in principle), RSVP by link, the calendar feed."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from forms_pdf.views import pdf_response
from municipality.downloads import content_disposition
from municipality.errors import DomainError
from municipality.links import site_url

from . import paper_views, selectors, services
from .calendar import council_feed
from .forms import MinutesAnswerForm
from .models import Body, Council, Invitation, Meeting, MinutesConfirmation, MinutesStatus, MinutesVersion, Paper


# Public information: a browser or calendar app may reuse it for five minutes; no shared proxy
# keeps it (the page shows a signed-in user's menu, the feed's address is a secret).
@cache_control(private=True, max_age=300)
def meeting_public(request: HttpRequest, pk: int) -> HttpResponse:
    """What the public may know of a meeting: date, place, agenda; minutes once published
    (only the outline of a closed meeting)."""
    meeting = get_object_or_404(Meeting.objects.select_related("council", "working_group", "body").prefetch_related("agenda"), pk=pk)
    papers = selectors.papers_current(meeting).filter(is_public=True) if meeting.is_public else []
    current = selectors.current_minutes(meeting) if meeting.minutes_published else None
    return render(request, "councils/meeting_public.html", {
        "meeting": meeting, "papers": papers,
        "current": current, "doc": current.document.snapshot if current else None,
    })


def public_paper(request: HttpRequest, pk: int, paper_pk: int) -> HttpResponse:
    """A paper marked public of a public meeting, for everyone; any other paper is not found here."""
    paper = Paper.objects.current().filter(pk=paper_pk, meeting_id=pk, is_public=True, meeting__is_public=True).first()
    if paper is None:
        raise Http404("ページが見つかりません。")
    return paper_views.serve(paper, public=True)


def rsvp_paper(request: HttpRequest, token: str, paper_pk: int) -> HttpResponse:
    """A paper of the meeting an invitation is for, by the invitation's link (as the RSVP page)."""
    invitation = Invitation.objects.filter(token=token).only("meeting_id").first()
    paper = None if invitation is None else Paper.objects.current().filter(
        pk=paper_pk, meeting_id=invitation.meeting_id).first()
    if paper is None:
        raise Http404("この資料のリンクは無効です。")
    return paper_views.serve(paper)


def minutes_public_pdf(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """A published version of a public meeting's minutes, as issued (an earlier version too: it
    is kept, and the current one says it replaces it). A closed meeting publishes only its outline."""
    version = (MinutesVersion.objects.select_related("document", "meeting")
               .filter(meeting_id=pk, number=number, meeting__minutes_published=True, meeting__is_public=True)
               .first())
    if version is None:
        raise Http404("ページが見つかりません。")
    return pdf_response(version.document.filename, bytes(version.document.pdf))


@require_http_methods(["GET", "POST"])
def minutes_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """An attendee reads the draft minutes and confirms them or writes a correction (no login)."""
    confirmation = (MinutesConfirmation.objects.select_related("invitation__meeting__council", "invitation__meeting__body", "invitation__person")
                    .filter(token=token).first())
    if confirmation is None:
        raise Http404("この確認のリンクは無効です。")
    meeting = confirmation.invitation.meeting
    form = MinutesAnswerForm(request.POST or None, initial={"correction": confirmation.correction})
    if request.method == "POST" and form.is_valid():
        try:
            confirmation = services.minutes_confirmation_answer(
                token=token, correction=form.cleaned_data["correction"])
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "訂正の内容を受け付けました。ありがとうございました。"
                             if confirmation.correction else "「確認しました」で受け付けました。ありがとうございました。")
        return redirect(request.path)
    is_open = (meeting.minutes_status == MinutesStatus.CONFIRMING and meeting.minutes_round == confirmation.round
               and (meeting.minutes_confirm_by is None or timezone.localdate() <= meeting.minutes_confirm_by))
    return render(request, "councils/minutes_confirm.html", {
        "confirmation": confirmation, "meeting": meeting, "form": form, "is_open": is_open,
    })


@require_http_methods(["GET", "POST"])
def rsvp(request: HttpRequest, token: str) -> HttpResponse:
    invitation = Invitation.objects.select_related("meeting", "person").filter(token=token).first()
    if invitation is None:
        raise Http404("この出欠回答のリンクは無効です。")
    if request.method == "POST":
        try:
            invitation = services.rsvp(token=token, attending=request.POST.get("answer") == "yes")
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"「{invitation.get_response_display()}」で受け付けました。ありがとうございました。")
        return redirect(request.path)
    return render(request, "councils/rsvp.html", {"invitation": invitation, "meeting": invitation.meeting,
                                                  "papers": selectors.papers_current(invitation.meeting)})


@cache_control(private=True, max_age=300)
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """A council's (or another body's) meetings as an iCalendar feed behind a secret URL that calendar apps subscribe to."""
    council = Council.objects.filter(feed_token=token).first() or Body.objects.filter(feed_token=token).first()
    if council is None:
        raise Http404("カレンダーが見つかりません。")
    content = council_feed(council, lambda m: site_url(reverse("meetings:public", args=[m.pk])))
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    # Named after the council, so that a downloaded feed says whose meetings it holds.
    response["Content-Disposition"] = content_disposition(f"{council.name}.ics", as_attachment=False)
    return response
