from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from municipality.scoping import get_visible_or_404

from . import services
from .models import Notice


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    """The signed-in user's notices, newest first; ?unread=1 shows the unread ones only."""
    notices = Notice.objects.visible_to(request.user)
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        notices = notices.unread()
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    return render(request, "reminders/notice_list.html", {"page": page, "unread_only": unread_only})


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("reminders:list")


@login_required
@require_POST
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    services.notice_mark_read(notice=get_visible_or_404(Notice, request.user, pk=pk))
    return _back(request)


@login_required
@require_POST
def notice_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notices_mark_all_read(user=request.user)
    messages.success(request, f"{count}件のお知らせを既読にしました。")
    return _back(request)
