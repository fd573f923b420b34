"""The secretariat's pages in the portal: a 第2層 council is run by its coordinator here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from forms_pdf.views import pdf_response
from municipality import exports as list_exports
from municipality.access import role_required
from municipality.errors import DomainError
from municipality.links import site_url
from municipality.once import submit_once
from municipality.roles import Role
from municipality.scoping import get_visible_or_404
from municipality.wareki import format_wareki
from reminders.models import Reason
from reminders.selectors import latest_deliveries

from . import documents, exports, paper_views, selectors, services
from .forms import (
    CommunityIssueForm,
    GuestForm,
    MeetingForm,
    MemberForm,
    MinutesApproveForm,
    MinutesForm,
    MinutesSendForm,
    MinutesStepForm,
    PaperForm,
    PaperRemoveForm,
)
from .models import BodyKind, Meeting, MinutesStatus

RUNNING_ROLES = (Role.SECRETARIAT, Role.COORDINATOR, Role.CITY_STAFF)


def _meeting(request: HttpRequest, pk: int) -> Meeting:
    return get_visible_or_404(selectors.meetings_run_by(request.user), request.user, pk=pk)


@role_required(*RUNNING_ROLES)
def council_list(request: HttpRequest) -> HttpResponse:
    """The councils this user runs, 50 a page, narrowed by a part of the name (city staff run
    every council: thousands in a large city)."""
    councils = selectors.councils_run_by(request.user).select_related("area")
    query = request.GET.get("q", "").strip()[:100]
    if query:
        councils = councils.filter(name__icontains=query)
    return render(request, "councils/portal_council_list.html", {
        "page": Paginator(councils, 50).get_page(request.GET.get("page")), "query": query,
        "bodies": selectors.bodies_run_by(request.user).select_related("area", "organiser")[:50],
    })


MEETING_KINDS = {
    "council": ("協議体", Q(council__isnull=False, working_group__isnull=True)),
    "working_group": ("作業部会", Q(working_group__isnull=False)),
    **{kind.value: (kind.label, Q(body__kind=kind.value)) for kind in BodyKind},
}


@role_required(*RUNNING_ROLES)
def meeting_list(request: HttpRequest) -> HttpResponse:
    """Every meeting of every body the user runs, newest first, 50 a page, narrowed by the kind of
    body: the same number of queries whatever the number of meetings."""
    meetings = selectors.meetings_run_by(request.user).order_by("-date", "-start_time", "-pk")
    kind = request.GET.get("kind", "")
    if kind in MEETING_KINDS:
        meetings = meetings.filter(MEETING_KINDS[kind][1])
    return render(request, "councils/portal_meeting_list.html", {
        "page": Paginator(meetings, 50).get_page(request.GET.get("page")), "kind": kind,
        "kinds": [(value, label) for value, (label, _) in MEETING_KINDS.items()],
    })


@role_required(*RUNNING_ROLES)
def body_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A 定例会・連絡会議 or 地域ケア会議: its meetings, its calendar feed."""
    body = get_visible_or_404(selectors.bodies_run_by(request.user), request.user, pk=pk)
    return render(request, "councils/portal_body_detail.html", {
        "body": body, "meetings": body.meetings.order_by("-date", "-start_time")[:20],
        "feed_url": site_url(reverse("meetings:feed", args=[body.feed_token])),
    })


@role_required(*RUNNING_ROLES)
def council_detail(request: HttpRequest, pk: int) -> HttpResponse:
    council = get_visible_or_404(selectors.councils_run_by(request.user), request.user, pk=pk)
    today = timezone.localdate()
    export = list_exports.requested_format(request.GET)
    if export is not None:
        # The page's lists: its members (today's and those whose term is still to come), or its meetings.
        if request.GET.get("list") == "meetings":
            meetings = council.meetings.order_by("-date")[:20]  # as many as the page shows
            return list_exports.table_response(request, exports.MEETINGS, meetings, export)
        shown = council.memberships.filter(Q(start__lte=today, end__gte=today) | Q(start__gt=today))
        return list_exports.table_response(request, exports.MEMBERS,
                                           shown.order_by("start", "organisation__name", "pk"), export)
    members = council.memberships.active_on(today).select_related("person", "organisation").order_by(
        "organisation__name")
    unsigned = {m.pk for m in selectors.members_without_pledge(council, today)}
    # A member added ahead of their term is not counted today, but the secretariat must see them.
    upcoming = council.memberships.filter(start__gt=today).select_related("person", "organisation").order_by(
        "start", "organisation__name")
    return render(request, "councils/portal_council_detail.html", {
        "council": council, "members": members, "unsigned": unsigned, "today": today, "upcoming": upcoming,
        "offices": council.offices.filter(end__isnull=True).select_related("holder"),
        "meetings": council.meetings.order_by("-date")[:20],
        "feed_url": site_url(reverse("meetings:feed", args=[council.feed_token])),
        "member_links": list_exports.export_links(QueryDict(mutable=True)),
        "meeting_links": list_exports.export_links(QueryDict("list=meetings", mutable=True)),
    })


@role_required(*RUNNING_ROLES)
@require_http_methods(["GET", "POST"])
@submit_once
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A new member takes a seat (the cap, the term and the person's other seats are checked)."""
    council = get_visible_or_404(selectors.councils_run_by(request.user), request.user, pk=pk)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.membership_add_new_person(
                council=council, person_values=form.person_values(), organisation=form.cleaned_data["organisation"],
                start=form.cleaned_data["start"], by=request.user)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if membership.start > timezone.localdate():
                messages.success(request, f"{membership.person.name}さんを構成員に登録しました。任期は"
                                 f"{format_wareki(membership.start)}から始まります。それまでは「これから任期が"
                                 "始まる構成員」に表示されます。")
            else:
                messages.success(request, f"{membership.person.name}さんを構成員に登録しました。")
            return redirect("councils:detail", pk=council.pk)
    return render(request, "form_page.html", {
        "form": form, "title": f"構成員の登録（{council.name}）", "button": "登録する",
        "back_url": reverse("councils:detail", args=[council.pk]),
    })


@role_required(*RUNNING_ROLES)
@require_http_methods(["GET", "POST"])
@submit_once
def guest_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Invite a non-member 関係者 (第14条1項3号) to a meeting."""
    meeting = _meeting(request, pk)
    form = GuestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        invitation = services.meeting_invite_new_guest(meeting=meeting, person_values=form.person_values(),
                                                       by=request.user)
        messages.success(request, f"{invitation.person.name}さんを関係者として招集しました。")
        return redirect("councils:meeting", pk=meeting.pk)
    return render(request, "form_page.html", {
        "form": form, "title": f"関係者の招集（{meeting.title}）", "button": "招集する",
        "back_url": reverse("councils:meeting", args=[meeting.pk]),
    })


@role_required(*RUNNING_ROLES)
@require_http_methods(["GET", "POST"])
@submit_once
def meeting_create(request: HttpRequest, council_pk: int | None = None, body_pk: int | None = None) -> HttpResponse:
    council = body = None
    if body_pk is not None:
        body = get_visible_or_404(selectors.bodies_run_by(request.user), request.user, pk=body_pk)
    else:
        council = get_visible_or_404(selectors.councils_run_by(request.user), request.user, pk=council_pk)
    form = MeetingForm(request.POST or None, initial={"is_public": True})
    if request.method == "POST" and form.is_valid():
        meeting, invited = services.meeting_create(meeting=form.save(commit=False), council=council, body=body,
                                                   agenda=form.agenda(), by=request.user)
        if council is not None:
            messages.success(request, f"会議を登録し、構成員 {invited}人を招集者にしました。")
        else:
            messages.success(request, "会議を登録しました。次に招集する人を加えてください。")
        if meeting.date < timezone.localdate():
            messages.warning(request, f"開催日（{format_wareki(meeting.date)}）は過去の日付です。開催通知は送れません。")
        return redirect("councils:meeting", pk=meeting.pk)
    return render(request, "councils/portal_meeting_form.html", {"form": form, "council": council, "body": body,
                                                                  "host": council or body})


@role_required(*RUNNING_ROLES)
@require_http_methods(["GET", "POST"])
@submit_once
def issue_raise(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a 地域課題 found at this 地域ケア会議 (no personal data)."""
    meeting = _meeting(request, pk)
    if not meeting.is_care_conference:
        from django.http import Http404

        raise Http404("ページが見つかりません。")
    form = CommunityIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issue = services.community_issue_raise(
                meeting=meeting, title=form.cleaned_data["title"], description=form.cleaned_data["description"],
                area_id=form.cleaned_data["area"].pk if form.cleaned_data["area"] else None,
                council=form.cleaned_data["council"], by=request.user)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"地域課題「{issue.title}」を登録しました。")
            return redirect("councils:meeting", pk=meeting.pk)
    return render(request, "form_page.html", {
        "form": form, "title": f"地域課題の登録（{meeting.title}）", "button": "登録する",
        "back_url": reverse("councils:meeting", args=[meeting.pk]),
    })


@role_required(*RUNNING_ROLES)
@require_http_methods(["GET", "POST"])
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _meeting(request, pk)
    minutes_posted = "save_minutes" in request.POST
    form = MinutesForm(request.POST if minutes_posted else None, instance=meeting)
    if request.method == "POST":
        try:
            if "send" in request.POST:
                queued, without = services.invitations_send(meeting=meeting, by=request.user)
                if queued:
                    messages.success(request, f"{queued}人あての開催通知メールを送信します（送信の状況は「通知」の欄に出ます）。"
                                              f"メールのない方 {without}人には郵送用の通知を印刷してください。")
                else:
                    messages.warning(request, "新たに送る開催通知はありませんでした。「メール送信できず」の方は、"
                                              "メールアドレスを確認して直してから、もう一度送ってください。")
            elif "attendance" in request.POST:
                services.attendance_record(meeting=meeting, by=request.user, attended_person_ids=[
                    int(v) for v in request.POST.getlist("attended") if v.isdigit()])
                messages.success(request, "出席を記録しました。")
            elif "save_minutes" in request.POST and form.is_valid():
                services.minutes_save(meeting=meeting, by=request.user, **form.cleaned_data)
                messages.success(request, "議事録を保存しました。")
        except DomainError as error:
            messages.error(request, error.message)
        return redirect(request.path)
    export = list_exports.requested_format(request.GET)
    if export is not None:
        invitees = exports.attendance_of(Meeting.objects.filter(pk=meeting.pk))
        return list_exports.table_response(request, exports.ATTENDANCE, invitees, export)
    return _meeting_page(request, meeting, form)


def _meeting_page(request: HttpRequest, meeting: Meeting, form: MinutesForm, **forms: Any) -> HttpResponse:
    invitations = list(meeting.invitations.select_related("person"))
    mails = latest_deliveries(reason=Reason.INVITATION, object_keys=[f"councils.invitation:{i.pk}" for i in invitations])
    for invitation in invitations:
        invitation.delivery = mails.get(f"councils.invitation:{invitation.pk}")
    unsent = len(selectors.awaiting_mail(meeting, invitations))
    versions = list(meeting.minutes_versions.select_related("chair__holder").order_by("-number"))
    confirmations = list(selectors.minutes_confirmations(meeting))
    return render(request, "councils/portal_meeting_detail.html", {
        "meeting": meeting, "form": form, "unsent": unsent, "versions": versions, "confirmations": confirmations,
        "send_form": MinutesSendForm(initial={"confirm_by": timezone.localdate() + dt.timedelta(days=7)}),
        "approve_form": MinutesApproveForm(), "publish_form": MinutesStepForm(), "correct_form": MinutesStepForm(),
        **forms, "status": MinutesStatus,
        "invitations": invitations,
        "agenda": meeting.agenda.select_related("community_issue"),
        "issues": meeting.community_issues.all() if meeting.is_care_conference else [],
        "held": meeting.date <= timezone.localdate(),
        "papers": selectors.papers_history(meeting),
        "export_links": list_exports.export_links(QueryDict(mutable=True)),
    })


@role_required(*RUNNING_ROLES)
def meeting_pdf(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    meeting = _meeting(request, pk)
    render_document = {"notice": documents.notice_pdf, "letters": documents.letters_pdf,
                       "minutes": documents.minutes_pdf}.get(kind)
    if render_document is None:
        from django.http import Http404

        raise Http404("ページが見つかりません。")
    rendered = render_document(meeting)
    if kind in ("notice", "letters"):
        services.papers_mark_sent(meeting=meeting)  # printed to be sent: its papers are history now
    return pdf_response(rendered.filename, rendered.content)


# --- 資料 ------------------------------------------------------------------------------

@role_required(*RUNNING_ROLES)
@require_http_methods(["GET", "POST"])
@submit_once
def paper_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a paper for the meeting (or one of its agenda items), or a replacement of one."""
    meeting = _meeting(request, pk)
    form = PaperForm(request.POST or None, request.FILES or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            paper = services.paper_add(
                meeting=meeting, upload=data["file"], title=data["title"], agenda_item=data["agenda_item"],
                is_public=bool(data.get("is_public")), replaces=data["replaces"], reason=data["reason"],
                by=request.user)
        except DomainError as error:
            form.add_error("file", error.message)
        else:
            messages.success(request, f"資料「{paper.title}」（{paper.get_kind_display()}、{paper.size_text}）を登録しました。")
            return redirect(reverse("councils:meeting", args=[meeting.pk]) + "#papers")
    return render(request, "councils/portal_paper_form.html", {"form": form, "meeting": meeting})


@role_required(*RUNNING_ROLES)
def paper_download(request: HttpRequest, pk: int, paper_pk: int) -> HttpResponse:
    """Any paper of a meeting the user runs, replaced and withdrawn ones included (the record)."""
    meeting = _meeting(request, pk)
    paper = selectors.papers_history(meeting).filter(pk=paper_pk).first()
    if paper is None:
        raise Http404("ページが見つかりません。")
    return paper_views.serve(paper)


@role_required(*RUNNING_ROLES)
def paper_remove(request: HttpRequest, pk: int, paper_pk: int) -> HttpResponse:
    """Take a paper back: deleted before a notice carried it, marked 取り下げ (and kept) after."""
    meeting = _meeting(request, pk)
    paper = selectors.papers_history(meeting).filter(pk=paper_pk).first()
    if paper is None:
        raise Http404("ページが見つかりません。")
    if request.method != "POST":  # after the look-up: a paper outside the user's meetings is not found
        return HttpResponseNotAllowed(["POST"])
    form = PaperRemoveForm(request.POST)
    form.is_valid()
    try:
        kept = services.paper_remove(paper=paper, reason=form.cleaned_data.get("reason", ""), by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"資料「{paper.title}」を取り下げました（送付済みのため記録として残します）。" if kept
                         else f"資料「{paper.title}」を削除しました。")
    return redirect(reverse("councils:meeting", args=[meeting.pk]) + "#papers")
@role_required(*RUNNING_ROLES)
@require_POST
@submit_once
def minutes_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """One step of the minutes: send for confirmation, approve, publish, open a correction. Each
    form carries a one-time token (a double click does it once); a refusal saves nothing."""
    meeting = _meeting(request, pk)
    forms = {"send": MinutesSendForm, "approve": MinutesApproveForm, "publish": MinutesStepForm,
             "correct": MinutesStepForm}
    if step not in forms:
        from django.http import Http404

        raise Http404("ページが見つかりません。")
    form = forms[step](request.POST)
    # A refusal shows the meeting's page again (not a redirect): nothing was saved, so the one-time
    # token is released and the corrected form can be sent again.
    refused = f"{step}_form"  # the page shows this form with what was sent
    if not form.is_valid():
        return _meeting_page(request, meeting, MinutesForm(instance=meeting), **{refused: form})
    try:
        if step == "send":
            queued, without = services.minutes_send_for_confirmation(
                meeting=meeting, confirm_by=form.cleaned_data["confirm_by"], by=request.user)
            messages.success(request, f"議事録（案）の確認を出席者 {queued}人にメールで依頼しました。"
                                      + (f"メールのない方 {without}人には、紙で確認をお願いしてください。" if without else ""))
        elif step == "approve":
            version = services.minutes_approve(meeting=meeting, approved_as=form.cleaned_data["approved_as"],
                                               correction_reason=form.cleaned_data["correction_reason"],
                                               by=request.user)
            messages.success(request, f"議事録 第{version.number}版を承認し、PDFを発行しました。")
        elif step == "publish":
            services.minutes_publish(meeting=meeting, by=request.user)
            messages.success(request, "議事録を公表しました。")
        else:
            services.minutes_correct(meeting=meeting, by=request.user)
            messages.success(request, "訂正版を作ります。議事録を直してから、もう一度出席者に確認を依頼してください。")
    except DomainError as error:
        messages.error(request, error.message)
        return _meeting_page(request, _meeting(request, pk), MinutesForm(instance=meeting), **{refused: form})
    return redirect(reverse("councils:meeting", args=[meeting.pk]) + "#minutes")


@role_required(*RUNNING_ROLES)
def minutes_version_pdf(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """An approved version of the minutes exactly as it was issued (the stored bytes)."""
    meeting = _meeting(request, pk)
    version = meeting.minutes_versions.select_related("document").filter(number=number).first()
    if version is None:
        from django.http import Http404

        raise Http404("ページが見つかりません。")
    return pdf_response(version.document.filename, bytes(version.document.pdf))
