from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from auditlog.admin import LogEntryAdmin as AuditlogLogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from . import duties
from .errors import DomainError
from .models import Area, Municipality, Organisation, PlanPeriod, User, WorkerHeartbeat
from .roles import PRIVILEGED_ROLES, Role
from .scoping import ScopedQuerySet
from .validators import validate_event_date


def run_each(request: HttpRequest, objects: Iterable[Any], call: Callable[[Any], object], done: str) -> None:
    """Call a service for each selected object; report each refusal with its Japanese message."""
    succeeded = 0
    for obj in objects:
        try:
            call(obj)
            succeeded += 1
        except DomainError as error:
            messages.error(request, f"{obj}：{error.message}")
    if succeeded:
        messages.success(request, f"{succeeded}件を{done}。")


def text_action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: models.QuerySet, *, title: str,
                label: str, call: Callable[[Any, str], object], done: str, max_length: int) -> TemplateResponse | None:
    """An admin action that first asks for a text (a reason or a comment) on a page of its own."""
    if "apply" in request.POST:
        text = request.POST.get("text", "").strip()
        if len(text) > max_length:
            messages.error(request, f"{label}は{max_length:,}文字以内で入力してください。")
        elif text:
            run_each(request, queryset, lambda obj: call(obj, text), done)
            return None
        else:
            messages.error(request, f"{label}を入力してください。")
    return TemplateResponse(request, "admin/text_action.html", {
        **modeladmin.admin_site.each_context(request),
        "title": title, "label": label, "objects": queryset, "opts": modeladmin.model._meta,
        "action": request.POST.get("action"), "text": request.POST.get("text", ""),
    })


class ReadOnlyAdminMixin:
    """Records that change only through services (or never): no add, change or delete here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class DateRangeAdminMixin:
    """For admin pages of models that are not ours (Celery beat's schedules): their date fields get
    the range check that every model field of ours carries."""

    def formfield_for_dbfield(self, db_field: models.Field, request: HttpRequest, **kwargs: Any):  # type: ignore[no-untyped-def]
        field = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        if isinstance(db_field, models.DateField) and field is not None and validate_event_date not in field.validators:
            field.validators.append(validate_event_date)
        return field


class ScopedModelAdmin(admin.ModelAdmin):
    """An admin page that shows only what the user's scope allows (see scoping.py).

    An object outside the scope answers 404, exactly as in the portal; choices of
    related objects are limited the same way.
    """

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        queryset = super().get_queryset(request)
        if isinstance(queryset, ScopedQuerySet):
            queryset = queryset.visible_to(request.user)
        return queryset

    def _get_obj_does_not_exist_redirect(self, request: HttpRequest, opts: Any, object_id: str) -> Any:
        raise Http404("ページが見つかりません。")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._limit_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._limit_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @staticmethod
    def _limit_choices(db_field: Any, request: HttpRequest, kwargs: dict[str, Any]) -> None:
        if "queryset" in kwargs:
            return
        queryset = db_field.remote_field.model._default_manager.all()
        if isinstance(queryset, ScopedQuerySet):
            kwargs["queryset"] = queryset.visible_to(request.user)


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    """One row: the list opens the settings themselves; nobody adds or deletes it."""

    fieldsets = [
        (None, {"fields": ["name", "mayor_title", "certificate_department"]}),
        ("コーディネーターと区域", {
            "fields": ["coordinator_term", "second_layer_basis", "required_training_within_days"],
        }),
        ("計画と報告", {"fields": ["plan_name", "report_due_day"]}),
        ("標準額の算定", {"fields": ["is_designated_city", "ward_count"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        if str(object_id) == str(Municipality.SINGLETON_PK):
            return Municipality.objects.current()  # created with placeholders if still missing
        return None

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        return HttpResponseRedirect(
            reverse("admin:municipality_municipality_change", args=[Municipality.SINGLETON_PK])
        )


@admin.register(PlanPeriod)
class PlanPeriodAdmin(admin.ModelAdmin):
    list_display = ["__str__", "start", "end"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class UpperAreaFilter(admin.SimpleListFilter):
    """Filter by an upper area of 第1層 or 第2層 (deeper areas are too many to list)."""

    title = "上位の区域"
    parameter_name = "parent"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[int, str]]:
        return [(area.pk, str(area)) for area in Area.objects.filter(layer__lte=2)]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.filter(parent_id=self.value()) if self.value() else queryset


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "layer_label", "parent", "boundary_basis", "support_center", "is_active"]
    list_display_links = ["code", "name"]
    list_filter = ["layer", "is_active", UpperAreaFilter]
    autocomplete_fields = ["parent"]
    search_fields = ["code", "name", "support_center"]
    list_select_related = ["parent"]
    ordering = ["layer", "sort_order", "code"]

    @admin.display(description="層", ordering="layer")
    def layer_label(self, obj: Area) -> str:
        return obj.layer_label

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Areas are referenced by history (who covered which area when); retire with 使用中.
        return False


@admin.register(Organisation)
class OrganisationAdmin(ScopedModelAdmin):
    list_display = ["name", "legal_form", "is_city_department", "representative_title", "representative_name"]
    list_filter = ["legal_form", "is_city_department"]
    search_fields = ["name", "name_kana", "address"]
    fieldsets = [
        (None, {"fields": ["name", "name_kana", "legal_form", "is_city_department"]}),
        ("所在地・代表者", {"fields": ["address", "representative_title", "representative_name"]}),
        ("連絡先", {"fields": ["phone", "email"]}),
    ]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(ScopedModelAdmin, DjangoUserAdmin):
    list_display = ["username", "name", "organisation", "role_labels", "is_staff", "is_active"]
    # No filter by organisation: with thousands of them a list of links helps nobody; search instead.
    list_filter = ["groups", "is_active", "is_staff"]
    search_fields = ["username", "name", "name_kana", "email", "organisation__name"]
    list_select_related = ["organisation"]
    filter_horizontal = ["groups"]
    autocomplete_fields = ["organisation", "areas"]
    ordering = ["username"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("本人", {"fields": ["name", "name_kana", "email", "job_title"]}),
        ("所属と役割", {"fields": ["organisation", "areas", "groups"]}),
        ("権限", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("記録", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "name", "email", "password1", "password2"]}),
        ("所属と役割", {"fields": ["organisation", "areas", "groups"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="役割")
    def role_labels(self, obj: User) -> str:
        return "、".join(group.name for group in obj.groups.all())

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only a superuser may hand out superuser rights.
            fields.append("is_superuser")
            if obj is not None and obj.pk == request.user.pk:
                # Nobody widens their own rights.
                fields += ["groups", "is_staff", "is_active"]
        return fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Case workers, auditors and superusers: only a superuser changes them, their password included
        # (Django's password view asks this too), so that nobody below gives themselves case access.
        if obj is not None and not duties.may_manage_privileged(request.user) and duties.is_privileged(obj):
            return False
        return super().has_change_permission(request, obj)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "groups":
            queryset = Group.objects.order_by("name")
            if not duties.may_manage_privileged(request.user):
                queryset = queryset.exclude(name__in=[role.value for role in PRIVILEGED_ROLES])
            kwargs.update(queryset=queryset, label="役割", help_text=(
                "" if duties.may_manage_privileged(request.user)
                else "相談支援員・監査の役割は、システム管理者（スーパーユーザー）だけが付与できます。"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # The choices above already refuse a privileged role; this holds even if they are bypassed.
        if not duties.may_manage_privileged(request.user) and duties.is_privileged(form.instance):
            raise PermissionDenied("相談支援員・監査の役割は、システム管理者だけが付与できます。")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # People are referenced by history and the audit log: deactivate instead.
        return False


# Roles are groups whose permissions are declared in code (roles.py) and set by
# sync_roles after every migrate: editing them here would be silently undone.
admin.site.unregister(Group)
admin.site.unregister(LogEntry)


class ResourceTypeFilter(admin.SimpleListFilter):
    """Filter by the kind of record, named in Japanese."""

    title = "記録の種類"
    parameter_name = "resource_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[int, str]]:
        types = ContentType.objects.filter(
            pk__in=LogEntry.objects.values("content_type_id").distinct()
        )
        named = [(ct.pk, str(ct.model_class()._meta.verbose_name) if ct.model_class() else ct.model) for ct in types]
        return sorted(named, key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.filter(content_type_id=self.value()) if self.value() else queryset


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdminMixin, AuditlogLogEntryAdmin):
    """The audit log: viewable with auditlog.view_logentry (the 監査 role), editable by no one."""

    list_filter = ["action", ResourceTypeFilter]

    # Only the 監査 role reads the log (it records who read which case): no superuser bypass.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.has_role(Role.AUDITOR)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    @admin.display(description="操作した人")
    def user_url(self, obj: LogEntry) -> str:
        return super().user_url(obj) if obj.actor_id else "システム（コマンド・定期処理）"

    @admin.display(description="変更した項目")
    def msg_short(self, obj: LogEntry) -> str:
        if obj.action in (LogEntry.Action.DELETE, LogEntry.Action.ACCESS):
            return ""
        model = obj.content_type.model_class()
        labels = []
        for name in obj.changes_dict:
            try:
                labels.append(str(model._meta.get_field(name).verbose_name))
            except Exception:
                labels.append(name)
        text = "、".join(labels)
        return f"{len(labels)}項目：{text[:60]}{'…' if len(text) > 60 else ''}"

    def get_actions(self, request: HttpRequest) -> dict:
        return {}


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["hostname", "last_seen"]
