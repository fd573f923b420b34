from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from forms_pdf.rendering import render_pdf
from forms_pdf.views import pdf_response
from municipality import exports as list_exports
from municipality.admin import (
    DateRangeListFilter,
    ExportAdminMixin,
    LargeListAdminMixin,
    OrganisationSearchFilter,
    ReadOnlyAdminMixin,
    ScopedModelAdmin,
    SearchListFilter,
    text_action,
)
from municipality.errors import DomainError
from municipality.forms import EventDateField
from municipality.wareki import format_wareki

from . import documents, exports, paper_files, services
from .models import (
    AgendaItem,
    Body,
    CommunityIssue,
    Council,
    Invitation,
    Meeting,
    Membership,
    MinutesStatus,
    Office,
    OfficeRole,
    Paper,
    Person,
    Pledge,
    WorkingGroup,
)


class OfficeForm(forms.Form):
    role = forms.ChoiceField(label="役職", choices=OfficeRole.choices)
    holder = forms.ModelChoiceField(label="就任する方", queryset=Person.objects.all())
    title = forms.CharField(label="職名（構成員以外の議長の場合は必須）", required=False, max_length=100)
    start = EventDateField(label="就任日")


@admin.register(Council)
class CouncilAdmin(ScopedModelAdmin):
    list_display = ["name", "layer", "area", "setup_type", "uses_existing_body", "cap", "term"]
    list_filter = ["layer", "setup_type"]
    list_select_related = ["area"]
    filter_horizontal = ["secretariat"]
    readonly_fields = ["feed_url", "current_offices"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_city_wide:
            # The secretariat runs the council; its rules (cap, area, who runs it) are the city's.
            fields += ["name", "layer", "area", "setup_type", "uses_existing_body", "existing_body_name", "cap",
                       "term_rule", "term_years", "secretariat"]
        return fields

    def save_model(self, request: HttpRequest, obj: Council, form: Any, change: bool) -> None:
        new_cap = obj.cap
        if change and "cap" in form.changed_data:
            obj.cap = Council.objects.get(pk=obj.pk).cap
            super().save_model(request, obj, form, change)
            try:
                services.council_set_cap(council=obj, cap=new_cap, by=request.user)
            except DomainError as error:
                messages.error(request, f"定数は変更していません：{error.message}")
            return
        super().save_model(request, obj, form, change)

    @admin.display(description="任期")
    def term(self, obj: Council) -> str:
        return obj.term_rule_label

    @admin.display(description="カレンダー配信のURL（カレンダーアプリで購読。人に知らせないでください）")
    def feed_url(self, obj: Council) -> str:
        from django.urls import reverse

        return reverse("meetings:feed", args=[obj.feed_token]) if obj.pk else "—"

    @admin.display(description="現在の議長・職務代理者")
    def current_offices(self, obj: Council) -> str:
        if not obj.pk:
            return "—"
        offices = obj.offices.filter(end__isnull=True).select_related("holder")
        return "、".join(f"{o.get_role_display()}：{o.holder}{'（' + o.title + '）' if o.title else ''}"
                        for o in offices) or "未指名"

    def get_urls(self):
        return [path("<int:pk>/office/", self.admin_site.admin_view(self.office_view),
                     name="councils_council_office"), *super().get_urls()]

    def office_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        from django.http import Http404
        from django.shortcuts import redirect

        council = self.get_queryset(request).filter(pk=pk).first()
        if council is None or not self.has_change_permission(request, council):
            raise Http404("ページが見つかりません。")
        form = OfficeForm(request.POST or None)
        form.fields["holder"].queryset = Person.objects.visible_to(request.user)
        if request.method == "POST" and form.is_valid():
            try:
                services.office_assign(council=council, by=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "指名しました。")
                return redirect("admin:councils_council_change", council.pk)
        return render(request, "admin/councils/office.html", {
            **self.admin_site.each_context(request), "title": f"{council}の議長・職務代理者の指名", "form": form,
            "opts": self.model._meta,
        })

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Body)
class BodyAdmin(ScopedModelAdmin):
    """推進員の定例会・連絡会議 and 地域ケア会議: who organises them and who runs them (the city's)."""

    list_display = ["name", "kind", "area", "organiser"]
    list_filter = ["kind"]
    list_select_related = ["area", "organiser"]
    filter_horizontal = ["secretariat"]
    readonly_fields = ["feed_url"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_city_wide:
            fields += ["kind", "name", "area", "organiser", "secretariat"]
        return fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # its meetings name it

    @admin.display(description="カレンダー配信のURL（カレンダーアプリで購読。人に知らせないでください）")
    def feed_url(self, obj: Body) -> str:
        from django.urls import reverse

        return reverse("meetings:feed", args=[obj.feed_token]) if obj.pk else "—"


@admin.register(CommunityIssue)
class CommunityIssueAdmin(ScopedModelAdmin):
    """地域課題 raised at a 地域ケア会議 (no personal data); the portal's page follows it on."""

    list_display = ["title", "meeting", "area", "council"]
    list_select_related = ["meeting", "area", "council"]
    search_fields = ["title"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # agenda items and needs name it


@admin.register(Person)
class PersonAdmin(LargeListAdminMixin, ScopedModelAdmin):
    list_display = ["name", "name_kana", "email", "phone"]
    search_fields = ["name", "name_kana", "email"]
    ordering = ["name_kana", "pk"]  # the index person_kana_order

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ActiveOnFilter(admin.SimpleListFilter):
    """Members in office on a given day: ?active_on=2026-11-23 (the list offers today and 4/1), or
    whose term has not begun yet: ?active_on=future."""

    title = "在任している日"
    parameter_name = "active_on"
    FUTURE = "future"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        today = timezone.localdate()
        april = today.replace(month=4, day=1) if today.month >= 4 else today.replace(year=today.year - 1, month=4, day=1)
        return [(today.isoformat(), f"今日（{format_wareki(today)}）"), (april.isoformat(), f"年度初め（{format_wareki(april)}）"),
                (self.FUTURE, "これから任期が始まる")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.value():
            return queryset
        if self.value() == self.FUTURE:
            return queryset.filter(start__gt=timezone.localdate())
        try:
            day = dt.date.fromisoformat(self.value())
        except ValueError:
            return queryset.none()
        return queryset.filter(start__lte=day, end__gte=day)


_EARLIER_FIELDS = {"person": "person__name", "organisation": "organisation__name", "start": "start", "end": "end"}


def _earlier_term(field: str) -> dict[str, Subquery]:
    """What the list shows of an earlier term (its str), as subqueries of the page's rows."""
    term = Membership.objects.filter(pk=OuterRef(f"{field}_id")).order_by()
    return {f"earlier_{field}_{name}": Subquery(term.values(path)[:1]) for name, path in _EARLIER_FIELDS.items()}


def _earlier_term_label(obj: Membership, field: str) -> str | None:
    """Membership.__str__ of the earlier term, from the subqueries above (None: the admin's "-")."""
    if not getattr(obj, f"{field}_id"):
        return None
    values = {name: getattr(obj, f"earlier_{field}_{name}") for name in _EARLIER_FIELDS}
    return (f"{values['person']}（{values['organisation']}、{format_wareki(values['start'])}〜"
            f"{format_wareki(values['end'])}）")


class MembershipAddForm(forms.ModelForm):
    """Adding a member goes through the service: the cap, the term and the person's other seats."""

    end = EventDateField(label="任期の終わり", required=False, help_text="空欄なら開始日を含む計画期間の終わり")

    class Meta:
        model = Membership
        fields = ["council", "person", "organisation", "start"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.created = services.membership_add(
                council=data["council"], person=data["person"], organisation=data["organisation"],
                start=data["start"], end=data.get("end"), by=self.request.user,
            )
        except DomainError as error:
            raise ValidationError(error.message) from error
        return data


@admin.register(Membership)
class MembershipAdmin(ExportAdminMixin, LargeListAdminMixin, ScopedModelAdmin):
    export_table = exports.MEMBERS
    list_display = ["person", "organisation", "council", "plan_period", "start", "end", "has_pledge",
                    "replaces_label", "reappointed_from_label"]
    # Councils are found by search (a city may have hundreds), organisations by name: a link per
    # organisation read every membership (DISTINCT) on each request.
    list_filter = ["plan_period", OrganisationSearchFilter, ActiveOnFilter]
    search_fields = ["person__name", "person__name_kana", "organisation__name", "council__name"]
    # The earlier terms (補欠, 再任) are read by subqueries of the page's rows (get_queryset): joined
    # here too, they made eleven tables, past PostgreSQL's join_collapse_limit, and a secretary's page
    # joined the whole table before narrowing it to their councils (0.4 s at 100,000 memberships
    # instead of 1 ms).
    list_select_related = ["person", "organisation", "council", "plan_period"]
    autocomplete_fields = ["person", "organisation"]
    actions = ["reappoint", "export_xlsx", "export_pdf"]
    list_per_page = 50
    # Council by council (in the order they were registered), then by the start of the term: the
    # index membership_admin_order serves it, so a page reads its 50 rows. Ordering by "council"
    # would sort the whole table by the council's own ordering (its layer, area and name).
    ordering = ["council_id", "start", "pk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        pledged = Pledge.objects.filter(person=OuterRef("person"), council=OuterRef("council"))
        return super().get_queryset(request).annotate(pledged=Exists(pledged), **_earlier_term("replaces"),
                                                      **_earlier_term("reappointed_from"))

    @admin.display(description="誓約", boolean=True)
    def has_pledge(self, obj: Membership) -> bool:
        return obj.pledged

    @admin.display(description=Membership._meta.get_field("replaces").verbose_name, ordering="replaces_id")
    def replaces_label(self, obj: Membership) -> str | None:
        return _earlier_term_label(obj, "replaces")

    @admin.display(description=Membership._meta.get_field("reappointed_from").verbose_name,
                   ordering="reappointed_from_id")
    def reappointed_from_label(self, obj: Membership) -> str | None:
        return _earlier_term_label(obj, "reappointed_from")

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any):
        if obj is None:
            kwargs["form"] = MembershipAddForm
        form = super().get_form(request, obj, **kwargs)
        form.request = request
        return form

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        return form.created if not change else super().save_form(request, form, change)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        # A term changes only through the services (leave, replace, reappoint).
        return ["council", "person", "organisation", "plan_period", "start", "end", "planned_end", "replaces",
                "reappointed_from", "left_reason"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self):
        return [path("on-date/", self.admin_site.admin_view(self.seats_on_date), name="councils_seats_on_date"),
                *super().get_urls()]

    def seats_on_date(self, request: HttpRequest) -> HttpResponse:
        """Who held which seat on a given day."""
        try:
            day = dt.date.fromisoformat(request.GET.get("date", ""))
        except ValueError:
            day = timezone.localdate()
        rows = (self.get_queryset(request).filter(start__lte=day, end__gte=day)
                .select_related("council", "organisation", "person").order_by("council", "organisation__name"))
        return render(request, "admin/councils/seats_on_date.html", {
            **self.admin_site.each_context(request), "title": f"{format_wareki(day)}の構成員", "day": day,
            "rows": rows, "opts": self.model._meta,
        })

    @admin.action(description="選択した構成員を次の計画期間に再任する", permissions=["add"])
    def reappoint(self, request: HttpRequest, queryset: QuerySet) -> None:
        try:
            created = services.memberships_reappoint(memberships=list(queryset), by=request.user)
        except DomainError as error:
            messages.error(request, f"再任できませんでした（だれも再任していません）：{error.message}")
        else:
            messages.success(request, f"{len(created)}人を再任しました。")

    HEADER = ["協議体", "氏名", "選出団体", "計画期間", "任期の始まり", "任期の終わり", "補欠", "再任"]

    def _rows(self, queryset: QuerySet) -> list[list]:
        return [[m.council.name, m.person.name, m.organisation.name, str(m.plan_period), format_wareki(m.start),
                 format_wareki(m.end), "補欠" if m.replaces_id else "", "再任" if m.reappointed_from_id else ""]
                for m in queryset.order_by("council", "start", "person__name_kana")]

    @admin.action(description="選択した構成員の名簿をPDFで書き出す")
    def export_pdf(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        rendered = render_pdf("councils/roster_pdf.html", {
            "header": self.HEADER, "rows": self._rows(queryset), "today": timezone.localdate(),
        }, filename="council-members.pdf")
        return pdf_response(rendered.filename, rendered.content)


class CouncilSearchFilter(SearchListFilter):
    """Narrow by council: a part of its name (a link per council read every row on each request)."""

    title = "協議体"
    parameter_name = "council"
    label = "協議体名（一部でも可）"
    help_text = "協議体の名称の一部を入力してください。"

    def matching(self, value: str) -> Q:
        return Q(council__in=Council.objects.filter(name__contains=value).values("pk"))


@admin.register(Office)
class OfficeAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Offices are assigned from the council's page (office_assign); history is read only."""

    list_display = ["council", "role", "holder", "title", "start", "end"]
    list_filter = [CouncilSearchFilter, "role"]
    list_select_related = ["council", "holder"]


@admin.register(Pledge)
class PledgeAdmin(ExportAdminMixin, ScopedModelAdmin):
    export_table = exports.PLEDGES
    list_display = ["person", "council", "context", "signed_on"]
    list_filter = [CouncilSearchFilter, "context"]
    list_select_related = ["person", "council"]
    autocomplete_fields = ["person"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a signed pledge is a record


class WorkingGroupForm(forms.ModelForm):
    class Meta:
        model = WorkingGroup
        fields = ["council", "name", "purpose", "members"]

    def clean(self):
        data = super().clean()
        council = data.get("council")
        if council and any(m.council_id != council.pk for m in data.get("members", [])):
            raise ValidationError("部会員は、その協議体の構成員から選んでください。")
        return data


@admin.register(WorkingGroup)
class WorkingGroupAdmin(ScopedModelAdmin):
    form = WorkingGroupForm
    list_display = ["name", "council"]
    list_select_related = ["council"]
    filter_horizontal = ["members"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # its meetings name it




EVENT_FIELDS = {"title", "date", "start_time", "end_time", "place"}


class AgendaInline(admin.TabularInline):
    model = AgendaItem
    extra = 1
    fields = ["order", "title", "topic", "taken_up_issues"]
    readonly_fields = ["taken_up_issues"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).prefetch_related("regional_issues")

    @admin.display(description="地域の課題")
    def taken_up_issues(self, obj: AgendaItem) -> str:
        # The case side links an issue to the item (its admin page); the reverse relation shows it here
        # without this app importing the case app. A regional issue's text form is its number (it
        # reaches the audit log); here its title helps.
        if obj.pk is None:
            return "－"
        return "、".join(f"{issue.title}（{format_wareki(issue.raised_on)}）" for issue in obj.regional_issues.all()) or "－"


class InvitationInline(admin.TabularInline):
    """Who is invited and how they answered; invitations are made by the services (members) and the
    portal's 関係者 form, attendance on its own page."""

    model = Invitation
    fields = ["person", "kind", "response", "mailed_at", "attended"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("person", "meeting")


@admin.register(Meeting)
class MeetingAdmin(ExportAdminMixin, LargeListAdminMixin, ScopedModelAdmin):
    export_table = exports.MEETINGS
    list_display = ["date", "title", "host", "kind_of_body", "place", "is_public", "minutes_status", "minutes_published"]
    # A range of dates rather than the date drill-down, which read every meeting's date on each request.
    list_filter = ["is_public", "minutes_published", ("date", DateRangeListFilter)]
    search_fields = ["title", "council__name", "body__name", "place"]
    list_select_related = ["council", "working_group", "body"]
    ordering = ["-date", "-start_time", "-pk"]  # the index meeting_admin_order, read backwards
    inlines = [AgendaInline, InvitationInline]
    fieldsets = [
        (None, {"fields": ["council", "working_group", "body", "title", "date", "start_time", "end_time", "place"]}),
        ("公開", {"fields": ["is_public", "closed_reason", "public_seats"]}),
        ("開催前のリマインダーと出欠の連絡先", {"fields": ["reminders_off", "reminder_days", "contact_name",
                                                   "contact_phone", "contact_email"]}),
        ("議事録", {"fields": ["minutes", "decisions", "outline", "minutes_status", "minutes_confirm_by",
                            "minutes_published"],
                 "description": "出席者への確認依頼・承認・公表は、ポータルの会議のページで行います。"}),
    ]
    readonly_fields = ["minutes_status", "minutes_confirm_by", "minutes_published"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.minutes_status == MinutesStatus.APPROVED:
            # Approved minutes are an issued document: corrected only as a new version (portal).
            fields += ["minutes", "decisions", "outline"]
        return fields
    actions = ["invite_members", "mail_invitations", "notice_pdf", "letters_pdf", "minutes_pdf", "publish",
               "attendance_csv", "attendance_csv_cp932", "attendance_xlsx"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # its invitations, answers and attendance are history (Invitation.meeting is PROTECT)

    @admin.display(description="会議体", ordering="council__name")
    def host(self, obj: Meeting) -> str:
        return obj.host_name

    @admin.display(description="種類")
    def kind_of_body(self, obj: Meeting) -> str:
        return obj.body_kind_label

    def save_model(self, request: HttpRequest, obj: Meeting, form: Any, change: bool) -> None:
        if change and set(form.changed_data) & EVENT_FIELDS:
            obj.sequence += 1  # calendar apps replace the event; the notice is mailed again
        super().save_model(request, obj, form, change)
        if "date" in form.changed_data and obj.date < timezone.localdate():
            # A warning, not a refusal: a meeting held earlier may be recorded after the fact.
            messages.warning(request, f"開催日（{format_wareki(obj.date)}）は過去の日付です。このまま保存しました。"
                                      "開催通知は送れません。日付の誤りでしたら直してください。")

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if change and any(f.has_changed() for f in formsets if f.model is AgendaItem):
            services.meeting_agenda_changed(meeting=form.instance, by=request.user)

    def get_urls(self):
        return [path("<int:pk>/attendance/", self.admin_site.admin_view(self.attendance_view),
                     name="councils_meeting_attendance"), *super().get_urls()]

    def attendance_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Tick who attended; recorded through the service (not before the meeting)."""
        from django.http import Http404
        from django.shortcuts import redirect

        meeting = self.get_queryset(request).filter(pk=pk).first()
        if meeting is None or not self.has_change_permission(request, meeting):
            raise Http404("ページが見つかりません。")
        invitations = meeting.invitations.select_related("person")
        if request.method == "POST":
            try:
                services.attendance_record(meeting=meeting, by=request.user, attended_person_ids=[
                    int(v) for v in request.POST.getlist("attended") if v.isdigit()])
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, "出席を記録しました。")
                return redirect("admin:councils_meeting_change", meeting.pk)
        return render(request, "admin/councils/attendance.html", {
            **self.admin_site.each_context(request), "title": f"{meeting}の出席", "meeting": meeting,
            "invitations": invitations, "opts": self.model._meta,
        })

    @admin.action(description="構成員を招集者に加える（会議の日に在任している構成員）", permissions=["change"])
    def invite_members(self, request: HttpRequest, queryset: QuerySet) -> None:
        for meeting in queryset:
            added = services.meeting_invite_members(meeting=meeting, by=request.user)
            messages.success(request, f"{meeting}：{added}人を招集者に加えました。")

    @admin.action(description="開催通知をメールで送る（カレンダー添付・出欠回答リンク付き）", permissions=["change"])
    def mail_invitations(self, request: HttpRequest, queryset: QuerySet) -> None:
        for meeting in queryset:
            try:
                queued, without = services.invitations_send(meeting=meeting, by=request.user)
            except DomainError as error:
                messages.error(request, error.message)
                continue
            messages.success(request, f"{meeting}：{queued}人あての開催通知メールを送信します（状況は「メール送信の記録」で確認できます）。"
                                      f"メールアドレスのない方 {without}人には郵送用の通知を印刷してください。")

    @admin.action(description="開催通知（PDF）")
    def notice_pdf(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        rendered = documents.notice_pdf(queryset.first())
        services.papers_mark_sent(meeting=queryset.first())  # printed to be sent: its papers are history now
        return pdf_response(rendered.filename, rendered.content)

    @admin.action(description="メールアドレスのない方への開催通知（郵送用PDF、1人1枚）")
    def letters_pdf(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        rendered = documents.letters_pdf(queryset.first())
        services.papers_mark_sent(meeting=queryset.first())  # printed to be sent: its papers are history now
        return pdf_response(rendered.filename, rendered.content)

    @admin.action(description="議事録（PDF）")
    def minutes_pdf(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        rendered = documents.minutes_pdf(queryset.first())
        return pdf_response(rendered.filename, rendered.content)

    @admin.action(description="選択した会議の出欠と出席をCSVで書き出す")
    def attendance_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        return list_exports.table_response(request, exports.ATTENDANCE, exports.attendance_of(queryset),
                                           list_exports.CSV)

    @admin.action(description="選択した会議の出欠と出席をCSV（Excel用 Shift_JIS）で書き出す")
    def attendance_csv_cp932(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        return list_exports.table_response(request, exports.ATTENDANCE, exports.attendance_of(queryset),
                                           list_exports.CSV_CP932)

    @admin.action(description="選択した会議の出欠と出席をExcel（xlsx）で書き出す")
    def attendance_xlsx(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        return list_exports.table_response(request, exports.ATTENDANCE, exports.attendance_of(queryset),
                                           list_exports.XLSX_FORMAT)

    @admin.action(description="議事録を公表する（非公開の会議は議事要旨のみ）", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet) -> None:
        for meeting in queryset:
            try:
                services.minutes_publish(meeting=meeting, by=request.user)
                messages.success(request, f"{meeting}の議事録を公表しました。")
            except DomainError as error:
                messages.error(request, f"{meeting}：{error.message}")


class PaperAdminForm(forms.ModelForm):
    upload = forms.FileField(label="ファイル", allow_empty_file=False, max_length=200,
                             help_text="PDF、Excel（xlsx）、Word（docx）、画像（PNG・JPEG）。中身で種類を確かめます")

    class Meta:
        model = Paper
        fields = ["meeting", "title", "is_public"]

    def clean(self) -> dict:
        data = super().clean()
        upload, meeting = data.get("upload"), data.get("meeting")
        if upload is not None:
            # The same checks as the service, shown on the form (the service checks them again).
            try:
                if upload.size > paper_files.max_bytes():
                    raise DomainError(f"ファイルが大きすぎます（{paper_files.size_text(upload.size)}）。"
                                      f"1つの資料は {paper_files.size_text(paper_files.max_bytes())} までです。")
                paper_files.identify(upload.read(paper_files.max_bytes() + 1), upload.name or "")
                upload.seek(0)
            except DomainError as error:
                self.add_error("upload", error.message)
        if meeting is not None and data.get("is_public") and not meeting.is_public:
            self.add_error("is_public", "非公開の会議の資料は公開できません。")
        return data


@admin.register(Paper)
class PaperAdmin(ScopedModelAdmin):
    """Papers are added here or on the portal's meeting page (which also attaches them to an agenda item
    and replaces them); once added a paper does not change, and one sent with a notice is never deleted."""

    form = PaperAdminForm
    list_display = ["title", "meeting", "kind", "size_display", "is_public", "status", "sent_at"]
    list_filter = ["status", "kind", "is_public"]
    search_fields = ["title", "original_name", "meeting__title"]
    list_select_related = ["meeting"]
    raw_id_fields = ["meeting"]
    readonly_fields = ["meeting", "agenda_item", "title", "kind", "original_name", "size", "sha256", "is_public",
                       "status", "replaces", "uploaded_at", "uploaded_by", "sent_at", "withdrawn_at",
                       "withdrawn_reason"]
    actions = ["withdraw"]

    @admin.display(description="大きさ")
    def size_display(self, obj: Paper) -> str:
        return obj.size_text

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["meeting", "title", "is_public", "upload"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a paper does not change; it is replaced (portal) or withdrawn (the action)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # removal goes through the action: deleted before sending, recorded after

    def save_model(self, request: HttpRequest, obj: Paper, form: Any, change: bool) -> None:
        paper = services.paper_add(meeting=form.cleaned_data["meeting"], upload=form.cleaned_data["upload"],
                                   title=form.cleaned_data["title"], is_public=form.cleaned_data["is_public"],
                                   by=request.user)
        obj.pk, obj.__dict__ = paper.pk, {**obj.__dict__, **paper.__dict__}

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # no relations beyond what the service saved

    def has_withdraw_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("councils.add_paper")

    @admin.action(description="選択した資料を取り下げる（送付前の資料は削除）", permissions=["withdraw"])
    def withdraw(self, request: HttpRequest, queryset: QuerySet) -> Any:
        return text_action(self, request, queryset, title="資料の取り下げ", label="取り下げの理由",
                           call=lambda paper, reason: services.paper_remove(paper=paper, reason=reason, by=request.user),
                           done="取り下げました（送付前の資料は削除しました）", max_length=300)
