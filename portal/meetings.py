"""Pages that join councils with coordinators and activities (the apps do not import each other):
inviting every coordinator to a 定例会, a coordinator's attendance history, and the path of a
地域課題 from a 地域ケア会議 to a council's agenda and on to resource development (seed 002)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from activities import services as activity_services
from activities.models import Activity, Function, Need
from activities.selectors import areas_for
from coordinators.models import Appointment, Coordinator
from coordinators.selectors import coordinators_for
from councils import selectors as council_selectors
from councils import services as council_services
from councils.models import CommunityIssue, Invitation, Meeting, Topic
from municipality.access import role_required
from municipality.errors import DomainError
from municipality.forms import JapaneseForm
from municipality.models import Area
from municipality.once import OnceFormMixin, submit_once
from municipality.roles import Role
from municipality.scoping import get_visible_or_404
from municipality.terms import term

RUNNING_ROLES = (Role.SECRETARIAT, Role.COORDINATOR, Role.CITY_STAFF)
HISTORY_ROWS = 100


@role_required(*RUNNING_ROLES)
@require_POST
def invite_coordinators(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite every coordinator of both layers in office on the meeting's day (one action for the
    secretariat of a 定例会・連絡会議). Sending it twice adds no one twice."""
    meeting = get_visible_or_404(council_selectors.meetings_run_by(request.user), request.user, pk=pk)
    if meeting.body_id is None:
        raise Http404("ページが見つかりません。")
    in_office = Appointment.objects.active_on(meeting.date).values("coordinator_id")
    coordinators = list(Coordinator.objects.filter(pk__in=in_office).select_related("user").order_by("name_kana"))
    with_login = [c for c in coordinators if c.user_id and c.user.is_active]
    try:
        added = council_services.meeting_invite_users(meeting=meeting, by=request.user, people=[
            {"user": c.user, "name": c.name, "name_kana": c.name_kana, "email": c.user.email} for c in with_login])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        text = f"在任中の{term('コーディネーター')}（第1層・第2層）{added}人を招集者に加えました。"
        if len(with_login) < len(coordinators):
            text += f"ログインのない{len(coordinators) - len(with_login)}人は「関係者を招集する」から加えてください。"
        messages.success(request, text)
    return redirect("councils:meeting", pk=meeting.pk)


@role_required(Role.COORDINATOR, Role.CONTRACTOR, Role.CITY_STAFF, Role.AUDITOR)
def coordinator_meetings(request: HttpRequest, pk: int) -> HttpResponse:
    """A coordinator's invitations and attendance: 定例会・連絡会議, 地域ケア会議, councils."""
    coordinator = get_visible_or_404(coordinators_for(request.user, day=timezone.localdate()), request.user, pk=pk)
    invitations = (Invitation.objects.filter(person__user_id=coordinator.user_id)
                   .select_related("meeting__council", "meeting__working_group", "meeting__body")
                   .order_by("-meeting__date", "-meeting__start_time")[:HISTORY_ROWS]
                   if coordinator.user_id else Invitation.objects.none())
    return render(request, "portal/coordinator_meetings.html", {"coordinator": coordinator, "invitations": invitations})


class AgendaForm(OnceFormMixin, JapaneseForm):
    meeting = forms.ModelChoiceField(label="取り上げる協議体の会議（開催前のもの）", queryset=Meeting.objects.none())
    topic = forms.ChoiceField(label="第12条の事項", choices=Topic.choices, initial=Topic.T2)


class NeedFromIssueForm(OnceFormMixin, JapaneseForm):
    area = forms.ModelChoiceField(label="地域ニーズの区域", queryset=Area.objects.none())


def _issue_forms(request: HttpRequest, issue: CommunityIssue) -> tuple[AgendaForm | None, NeedFromIssueForm | None]:
    user = request.user
    upcoming = council_selectors.meetings_run_by(user).filter(
        council__isnull=False, date__gte=timezone.localdate()).order_by("date", "start_time")[:50]
    agenda_form = None
    if user.has_role(Role.SECRETARIAT) or user.has_role(Role.CITY_STAFF) or user.has_role(Role.COORDINATOR):
        agenda_form = AgendaForm(request.POST if "agenda" in request.POST else None, auto_id="agenda_%s")
        agenda_form.fields["meeting"].queryset = Meeting.objects.filter(pk__in=[m.pk for m in upcoming])
        if not upcoming:
            agenda_form = None
    need_form = None
    if user.has_role(Role.COORDINATOR) and Coordinator.objects.filter(user=user).exists():
        need_form = NeedFromIssueForm(request.POST if "need" in request.POST else None, auto_id="need_%s",
                                      initial={"area": issue.area_id})
        need_form.fields["area"].queryset = areas_for(user)
    # No prefixes: @submit_once reads the one-time token by its plain name; the two forms' fields
    # differ, the button sent says which one it is, and their element ids are kept apart.
    return agenda_form, need_form


@role_required(*RUNNING_ROLES, Role.CONTRACTOR, Role.AUDITOR)
@require_http_methods(["GET", "POST"])
@submit_once
def issue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One 地域課題 and each step of its path: the 地域ケア会議 that found it, the council agendas
    that took it up, and the needs and resource development activities that name it."""
    issue = get_visible_or_404(CommunityIssue.objects.select_related("meeting__body", "area", "council"),
                               request.user, pk=pk)
    agenda_form, need_form = _issue_forms(request, issue)
    if request.method == "POST":
        try:
            if agenda_form is not None and "agenda" in request.POST and agenda_form.is_valid():
                item = council_services.community_issue_to_agenda(
                    issue=issue, meeting=agenda_form.cleaned_data["meeting"], topic=agenda_form.cleaned_data["topic"],
                    by=request.user)
                messages.success(request, f"「{item.meeting.title}」の議題にしました。")
                return redirect("portal:issue", pk=issue.pk)
            if need_form is not None and "need" in request.POST and need_form.is_valid():
                coordinator = Coordinator.objects.get(user=request.user)
                need = activity_services.need_save(need=Need(
                    title=issue.title, description=issue.description, area=need_form.cleaned_data["area"],
                    raised_by=f"地域ケア会議（{issue.meeting.host_name}）"[:200], raised_on=issue.meeting.date,
                    community_issue=issue), coordinator=coordinator, by=request.user)
                messages.success(request, f"地域ニーズ「{need.title}」として記録しました。")
                return redirect("portal:issue", pk=issue.pk)
        except DomainError as error:
            messages.error(request, error.message)
    runs = council_selectors.meetings_run_by(request.user)
    agenda_items = list(issue.agenda_items.select_related("meeting__council").order_by("meeting__date"))
    run_ids = set(runs.filter(pk__in=[issue.meeting_id, *[i.meeting_id for i in agenda_items]])
                  .values_list("pk", flat=True))
    needs = list(Need.objects.visible_to(request.user).filter(community_issue=issue).select_related("area"))
    activities = list(Activity.objects.visible_to(request.user).filter(
        Q(community_issue=issue) & Q(function=Function.A)).select_related("area", "category").order_by("-date")[:50])
    return render(request, "portal/community_issue.html", {
        "issue": issue, "agenda_items": agenda_items, "run_ids": run_ids, "needs": needs,
        "activities": activities, "agenda_form": agenda_form, "need_form": need_form,
    })
