from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from municipality.scoping import get_visible_or_404

from . import services
from .models import Notice


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    notices = Notice.objects.visible_to(request.user)[:100]
    return render(request, "reminders/notice_list.html", {"notices": notices})


@login_required
@require_POST
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    services.notice_mark_read(notice=get_visible_or_404(Notice, request.user, pk=pk))
    return redirect("reminders:list")
