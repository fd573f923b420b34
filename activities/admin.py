from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from municipality.admin import (
    AreaSearchFilter,
    DateRangeListFilter,
    ExportAdminMixin,
    LargeListAdminMixin,
    ScopedModelAdmin,
    run_each,
    text_action,
)
from municipality.forms import max_length_of

from . import exports, services
from .models import Activity, ActivityCategory, Match, MonthlyReport, Need, ReportEvent, SocialResource


@admin.register(ActivityCategory)
class ActivityCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "function", "sort_order", "is_active"]
    list_filter = ["function", "is_active"]
    list_editable = ["sort_order", "is_active"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # retire an item with 使用中 so past activities keep it


@admin.register(Activity)
class ActivityAdmin(ExportAdminMixin, LargeListAdminMixin, ScopedModelAdmin):
    export_table = exports.ACTIVITIES
    list_display = ["date", "coordinator", "area", "cross_area", "function", "category", "minutes", "participants"]
    # Areas are found by name or code (a city has thousands of 第3層 areas), dates by a range: the
    # date drill-down read every activity's date on each request.
    list_filter = ["function", "cross_area", AreaSearchFilter, ("date", DateRangeListFilter)]
    search_fields = ["narrative", "coordinator__name"]
    list_select_related = ["coordinator", "area", "category"]
    readonly_fields = ["home_area"]
    # Newest first, read backwards along the index on (date, id): a page reads its 50 rows.
    ordering = ["-date", "-pk"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # coordinators record their own work in the portal

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReportEventInline(admin.TabularInline):
    model = ReportEvent
    fields = ["at", "action", "actor", "comment"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MonthlyReport)
class MonthlyReportAdmin(LargeListAdminMixin, ScopedModelAdmin):
    list_display = ["month", "coordinator", "status"]
    list_filter = ["status", "month"]
    search_fields = ["coordinator__name"]
    list_select_related = ["coordinator"]
    readonly_fields = ["coordinator", "month", "status", "comment"]
    inlines = [ReportEventInline]
    actions = ["accept", "send_back"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="選択した報告を受理する", permissions=["decide"])
    def accept(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_each(request, queryset, lambda r: services.report_accept(report=r, by=request.user), "受理しました")

    @admin.action(description="選択した報告を差し戻す・再開する（理由を入力）", permissions=["decide"])
    def send_back(self, request: HttpRequest, queryset: QuerySet):
        return text_action(
            self, request, queryset, title="月次報告の差戻し", label="差戻しの理由",
            call=lambda r, text: services.report_return(report=r, by=request.user, comment=text),
            done="差し戻しました", max_length=max_length_of(MonthlyReport, "comment"),
        )

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("activities.change_monthlyreport")


@admin.register(SocialResource)
class SocialResourceAdmin(ScopedModelAdmin):
    list_display = ["name", "provider_kind", "area", "status", "is_public"]
    list_filter = ["provider_kind", "status", "is_public", AreaSearchFilter]
    search_fields = ["name", "offers", "contact", "public_window"]
    list_select_related = ["area"]
    fieldsets = [
        (None, {"fields": ["name", "provider_kind", "area", "offers", "contact", "status", "registered_by"]}),
        ("社会資源一覧（公開）", {
            "fields": ["is_public", "public_description", "public_window", "public_phone"],
            "description": "公開すると、ログインしない住民の方も見られる一覧とPDFに、名称・種類・区域とこの欄の内容だけが"
                           "表示されます（上の「提供している内容」「連絡先」は表示されません）。",
        }),
    ]

    def save_model(self, request: HttpRequest, obj: SocialResource, form: Any, change: bool) -> None:
        services.resource_save(resource=obj, by=request.user)  # the form's clean checked the public fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # named by recorded activities and matches: end it with its status


@admin.register(Need)
class NeedAdmin(ScopedModelAdmin):
    list_display = ["title", "area", "raised_on", "status"]
    list_filter = ["status", AreaSearchFilter]
    search_fields = ["title", "description", "raised_by"]
    list_select_related = ["area"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a need and its matches are history: close it with its status


@admin.register(Match)
class MatchAdmin(ScopedModelAdmin):
    list_display = ["need", "resource", "matched_on", "outcome"]
    list_filter = ["outcome"]
    list_select_related = ["need", "resource"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a match and its outcome are a record
