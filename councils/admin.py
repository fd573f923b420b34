from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from activities.exports import xlsx_response
from forms_pdf.rendering import render_pdf
from forms_pdf.views import pdf_response
from municipality.admin import ScopedModelAdmin
from municipality.errors import DomainError
from municipality.wareki import format_wareki

from . import services
from .models import Council, Membership, Office, Person, Pledge, WorkingGroup


@admin.register(Council)
class CouncilAdmin(ScopedModelAdmin):
    list_display = ["name", "layer", "area", "setup_type", "uses_existing_body", "cap"]
    list_filter = ["layer", "setup_type"]
    list_select_related = ["area"]
    filter_horizontal = ["secretariat"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "name_kana", "email", "phone"]
    search_fields = ["name", "name_kana", "email"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ActiveOnFilter(admin.SimpleListFilter):
    """Members in office on a given day: ?active_on=2026-11-23 (the list offers today and 4/1)."""

    title = "在任している日"
    parameter_name = "active_on"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        today = timezone.localdate()
        april = today.replace(month=4, day=1) if today.month >= 4 else today.replace(year=today.year - 1, month=4, day=1)
        return [(today.isoformat(), f"今日（{format_wareki(today)}）"), (april.isoformat(), f"年度初め（{format_wareki(april)}）")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.value():
            return queryset
        try:
            day = dt.date.fromisoformat(self.value())
        except ValueError:
            return queryset.none()
        return queryset.filter(start__lte=day, end__gte=day)


class MembershipAddForm(forms.ModelForm):
    """Adding a member goes through the service: the cap, the term and the person's other seats."""

    end = forms.DateField(label="任期の終わり", required=False, help_text="空欄なら開始日を含む計画期間の終わり")

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
class MembershipAdmin(ScopedModelAdmin):
    list_display = ["person", "organisation", "council", "plan_period", "start", "end", "replaces", "reappointed_from"]
    list_filter = ["council", "plan_period", "organisation", ActiveOnFilter]
    search_fields = ["person__name", "person__name_kana", "organisation__name"]
    list_select_related = ["person", "organisation", "council", "plan_period", "replaces__person",
                           "reappointed_from__person"]
    autocomplete_fields = ["person", "organisation"]
    actions = ["reappoint", "export_xlsx", "export_pdf"]

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

    @admin.action(description="選択した構成員の名簿をExcelで書き出す")
    def export_xlsx(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        return xlsx_response("council-members.xlsx", [("構成員名簿", self.HEADER, self._rows(queryset))])

    @admin.action(description="選択した構成員の名簿をPDFで書き出す")
    def export_pdf(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        rendered = render_pdf("councils/roster_pdf.html", {
            "header": self.HEADER, "rows": self._rows(queryset), "today": timezone.localdate(),
        }, filename="council-members.pdf")
        return pdf_response(rendered.filename, rendered.content)


@admin.register(Office)
class OfficeAdmin(ScopedModelAdmin):
    list_display = ["council", "role", "holder", "title", "start", "end"]
    list_filter = ["council", "role"]
    list_select_related = ["council", "holder"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # appointed through the council's page actions (office_assign)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Pledge)
class PledgeAdmin(ScopedModelAdmin):
    list_display = ["person", "council", "context", "signed_on"]
    list_filter = ["council", "context"]
    list_select_related = ["person", "council"]
    autocomplete_fields = ["person"]


@admin.register(WorkingGroup)
class WorkingGroupAdmin(ScopedModelAdmin):
    list_display = ["name", "council"]
    list_select_related = ["council"]
    filter_horizontal = ["members"]


