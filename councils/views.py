"""Public pages of meetings (meetings are public in principle), RSVP by link, the calendar feed."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_http_methods

from municipality.downloads import content_disposition
from municipality.errors import DomainError
from municipality.links import site_url

from . import services
from .calendar import council_feed
from .models import Body, Council, Invitation, Meeting


# Public information: a browser or calendar app may reuse it for five minutes; no shared proxy
# keeps it (the page shows a signed-in user's menu, the feed's address is a secret).
@cache_control(private=True, max_age=300)
def meeting_public(request: HttpRequest, pk: int) -> HttpResponse:
    """What the public may know of a meeting: date, place, agenda; minutes once published
    (only the outline of a closed meeting)."""
    meeting = get_object_or_404(Meeting.objects.select_related("council", "working_group", "body").prefetch_related("agenda"), pk=pk)
    return render(request, "councils/meeting_public.html", {"meeting": meeting})


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
    return render(request, "councils/rsvp.html", {"invitation": invitation, "meeting": invitation.meeting})


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
