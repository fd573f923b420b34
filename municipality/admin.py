from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from auditlog.admin import LogEntryAdmin as AuditlogLogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import build_q_object_from_lookup_parameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from municipality.terms import localise, term

from . import audit, duties, exports
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


#: A list whose table (or scope) holds at least this many rows, by PostgreSQL's statistics, is not
#: counted exactly when nothing narrows it: the page says "約" (about) before the estimate.
ESTIMATE_FROM_ROWS = 10_000


class EstimatedCountPaginator(Paginator):
    """Django's paginator, but the count of a large list that no filter or search narrows comes from
    PostgreSQL's statistics instead of a ``COUNT(*)`` that reads the whole table on every page.

    ``unfiltered`` says that the list is the admin's whole queryset (the user narrowed nothing). A
    queryset without conditions (city staff's lists) reads ``pg_class.reltuples`` and counts
    exactly, in the same statement, only a table smaller than ESTIMATE_FROM_ROWS. One with
    conditions (a secretary's scope, the outbox without case reminders) is counted up to
    ESTIMATE_FROM_ROWS rows (exact below: a scope is usually small, and the planner's guess for it
    can be far off); past that, the planner's estimate is shown. A filtered or searched list, and
    every list on another database, is counted exactly. ``estimated`` tells the template to print 約.
    """

    def __init__(self, object_list: Any, per_page: int, orphans: int = 0, allow_empty_first_page: bool = True,
                 *, unfiltered: bool = False) -> None:
        super().__init__(object_list, per_page, orphans, allow_empty_first_page)
        self.unfiltered = unfiltered
        self.estimated = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if self.unfiltered and isinstance(queryset, models.QuerySet):
            connection = connections[queryset.db]
            if connection.vendor == "postgresql":
                return self._count_large(queryset, connection)
        return super().count

    def _count_large(self, queryset: models.QuerySet, connection: Any) -> int:
        table = connection.ops.quote_name(queryset.model._meta.db_table)
        rows = queryset.order_by().values("pk")
        with connection.cursor() as cursor:
            if not queryset.query.where:
                # reltuples is -1 until the table is first analysed: then it counts.
                cursor.execute(
                    f"SELECT CASE WHEN c.reltuples >= %s THEN c.reltuples::bigint "
                    f"ELSE (SELECT COUNT(*) FROM {table}) END, c.reltuples >= %s "
                    f"FROM pg_class c WHERE c.oid = %s::regclass",
                    [ESTIMATE_FROM_ROWS, ESTIMATE_FROM_ROWS, table])
                count, self.estimated = cursor.fetchone()
                return int(count)
            counted = rows[:ESTIMATE_FROM_ROWS].count()  # reads at most ESTIMATE_FROM_ROWS rows
            if counted < ESTIMATE_FROM_ROWS:
                return counted
            sql, params = rows.query.sql_with_params()
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
        self.estimated = True
        return max(int(plan[0]["Plan"]["Plan Rows"]), ESTIMATE_FROM_ROWS)


class LinkOnceChangeList(ChangeList):
    """Django's list, but the link of each row is the URL of the first row with its id put in:
    resolving the change view's URL once per page instead of once per row and column."""

    def url_for_result(self, result: Any) -> str:
        pk = getattr(result, self.pk_attname)
        if not isinstance(pk, int):
            return super().url_for_result(result)
        if self._change_url is None:
            # ".../activity/123/change/": what comes before and after the id.
            self._change_url = tuple(super().url_for_result(result).rsplit(f"/{pk}/", 1))
        head, tail = self._change_url
        return f"{head}/{pk}/{tail}"

    _change_url: tuple[str, ...] | None = None


class LargeListAdminMixin:
    """For admin lists over tables that grow large (activities, memberships, the outbox, the audit
    log …): no COUNT of the whole table on each request (the estimated count above, and no second
    count of the unfiltered list), and no facet counts, which would count every filter's choices."""

    paginator = EstimatedCountPaginator
    # 50 rows a page, as on the portal's lists: Django's 100 made each page pay twice its cost per
    # cell (the admin's own Python, most of a list's time once the queries read along indexes).
    list_per_page = 50
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    class Media:
        css = {"all": ["css/admin_filters.css"]}

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return LinkOnceChangeList

    def get_empty_value_display(self) -> str:
        # Asked once per cell (450 times a page): the same text each time.
        if self._empty_value_display is None:
            self._empty_value_display = super().get_empty_value_display()  # type: ignore[misc]
        return self._empty_value_display

    _empty_value_display: str | None = None

    def action_checkbox(self, obj: Any) -> str:
        # Django's markup, written directly: rendering a CheckboxInput through the form templates for
        # each row cost more than the rest of the row.
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html('<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
                           helpers.ACTION_CHECKBOX_NAME, str(obj.pk), label)

    def get_paginator(self, request: HttpRequest, queryset: models.QuerySet, per_page: int, orphans: int = 0,
                      allow_empty_first_page: bool = True) -> Paginator:
        # The changelist only adds the user's filters and search to the admin's queryset: the same
        # conditions mean that nothing narrowed it.
        root = self.get_queryset(request)  # type: ignore[attr-defined]
        unfiltered = queryset.query.where == root.query.where and not queryset.query.distinct
        return self.paginator(queryset, per_page, orphans, allow_empty_first_page, unfiltered=unfiltered)


class ExportAdminMixin:
    """A list that downloads as CSV, CSV for Japanese Excel (CP932) and xlsx (municipality/exports.py).

    Two ways, both over the changelist's own queryset (the admin's get_queryset, then the user's
    filters and search, in the list's order), never more than the list shows: the three actions, for
    the rows ticked (or all of the filtered list), and the three links above the list, for the whole
    filtered list (``?_export=csv`` on the changelist itself, so the access is the list's)."""

    export_table: exports.Table | None = None

    EXPORT_VAR = "_export"

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        if self.export_table is not None and "_popup" not in request.GET:
            for name in ("export_csv", "export_csv_cp932", "export_xlsx"):
                actions.setdefault(name, self.get_action(name))  # type: ignore[attr-defined]
        return actions

    @admin.action(description="選択した行をCSVで書き出す")
    def export_csv(self, request: HttpRequest, queryset: models.QuerySet) -> Any:
        return self.export_response(request, queryset, exports.CSV)

    @admin.action(description="選択した行をCSV（Excel用 Shift_JIS）で書き出す")
    def export_csv_cp932(self, request: HttpRequest, queryset: models.QuerySet) -> Any:
        return self.export_response(request, queryset, exports.CSV_CP932)

    @admin.action(description="選択した行をExcel（xlsx）で書き出す")
    def export_xlsx(self, request: HttpRequest, queryset: models.QuerySet) -> Any:
        return self.export_response(request, queryset, exports.XLSX_FORMAT)

    def export_response(self, request: HttpRequest, queryset: models.QuerySet, export_format: str) -> Any:
        assert self.export_table is not None
        return exports.table_response(request, self.export_table, queryset, export_format)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        if self.export_table is None:
            return super().changelist_view(request, extra_context)  # type: ignore[misc]
        export_format = request.GET.get(self.EXPORT_VAR)
        if export_format is None:
            links = exports.export_links(request.GET, name=self.EXPORT_VAR, drop=("p", "e"))
            extra_context = {**(extra_context or {}), "export_links": [] if "_popup" in request.GET else links}
            return super().changelist_view(request, extra_context)  # type: ignore[misc]
        if not self.has_view_or_change_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        if export_format not in exports.FORMATS:
            raise Http404("ページが見つかりません。")
        original, params = request.GET, request.GET.copy()
        del params[self.EXPORT_VAR]
        request.GET = params  # type: ignore[assignment]  # the list's own query, as its links make it
        try:
            changelist = self.get_changelist_instance(request)  # type: ignore[attr-defined]
        except IncorrectLookupParameters:
            # As the list itself answers a filter it cannot apply: back to the list, which says so.
            return HttpResponseRedirect(request.path + "?e=1")
        finally:
            request.GET = original
        return self.export_response(request, changelist.get_queryset(request), export_format)


class SearchListFilter(admin.SimpleListFilter):
    """A filter over many choices (thousands of areas or organisations): a text box, instead of a
    link per choice on every page. Subclasses name the title, the parameter, the box's label and
    ``matching(value)``: the rows' condition."""

    template = "admin/search_filter.html"
    label = "名称またはコード"
    help_text = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return []

    def has_output(self) -> bool:
        return True

    def value(self) -> str | None:
        value = super().value()
        return value.strip() if value and value.strip() else None

    def matching(self, value: str) -> Q:
        raise NotImplementedError

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        value = self.value()
        return queryset.filter(self.matching(value)) if value else queryset

    def choices(self, changelist: Any) -> Any:
        # The box is a form of its own: it carries the list's other parameters along.
        self.hidden_params = [(name, value) for name, value in changelist.params.items()
                              if name != self.parameter_name]
        yield {"selected": self.value() is None, "display": "すべて",
               "query_string": changelist.get_query_string(remove=[self.parameter_name])}


class AreaSearchFilter(SearchListFilter):
    """Narrow by area: its code exactly, or a part of its name (?area=地区3)."""

    title = "区域"
    parameter_name = "area"
    label = "区域名または区域コード"
    help_text = "区域名の一部、または区域コードを入力してください。"
    field_path = "area"

    #: Up to this many matching areas are looked up first and named by id.
    LOOKED_UP = 100

    def matching(self, value: str) -> Q:
        # The areas first (one small query), then the rows by area id: with one area (a code, a
        # whole name) its page reads 50 rows along an index of (area, newest first); as a subquery
        # the planner guessed the area's share and walked the whole list's order to find them.
        areas = Area.objects.filter(Q(code=value) | Q(name__contains=value)).order_by().values_list("pk", flat=True)
        found = list(areas[:self.LOOKED_UP + 1])
        return Q(**{f"{self.field_path}__in": found if len(found) <= self.LOOKED_UP else areas})


class OrganisationSearchFilter(SearchListFilter):
    """Narrow by organisation: a part of its name or of its reading (?organisation=社会福祉協議会)."""

    title = "団体"
    parameter_name = "organisation"
    label = "団体名（一部でも可）"
    help_text = "団体名またはふりがなの一部を入力してください。"
    field_path = "organisation"

    def matching(self, value: str) -> Q:
        organisations = Organisation.objects.filter(Q(name__contains=value) | Q(name_kana__contains=value)).values("pk")
        return Q(**{f"{self.field_path}__in": organisations})


def search_filter(base: type[SearchListFilter], field_path: str, *, title: str | None = None,
                  parameter_name: str | None = None) -> type[SearchListFilter]:
    """``base`` over another path (``search_filter(AreaSearchFilter, "parent", title="上位の区域")``)."""
    return type(base.__name__, (base,), {
        "field_path": field_path, "title": title or base.title,
        "parameter_name": parameter_name or base.parameter_name, "__module__": base.__module__,
    })


class IndexedValuesFilter(admin.AllValuesFieldListFilter):
    """Django's link per value of a column (the areas' 層), but the values are found along an index
    on that column, one probe per value (PostgreSQL, a column without NULL of an admin that shows
    every row), instead of a DISTINCT that reads every row on each request."""

    def __init__(self, field: Any, request: HttpRequest, params: dict, model: Any, model_admin: Any,
                 field_path: str) -> None:
        super().__init__(field, request, params, model, model_admin, field_path)
        queryset = model_admin.get_queryset(request)
        connection = connections[queryset.db]
        if connection.vendor != "postgresql" or field.null or field_path != field.name or queryset.query.where:
            return
        table = connection.ops.quote_name(model._meta.db_table)
        column = connection.ops.quote_name(field.column)
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH RECURSIVE found(value) AS ("
                f" (SELECT {column} FROM {table} ORDER BY {column} LIMIT 1)"
                f" UNION ALL SELECT (SELECT {column} FROM {table} WHERE {column} > found.value"
                f" ORDER BY {column} LIMIT 1) FROM found WHERE found.value IS NOT NULL"
                f") SELECT value FROM found WHERE value IS NOT NULL")
            self.lookup_choices = [row[0] for row in cursor.fetchall()]


class DateRangeListFilter(admin.DateFieldListFilter):
    """Django's date links (今日, 過去7日間, 今月, 今年) and a from–to pair of date boxes, instead of the
    date drill-down, which reads every row's date (``DISTINCT DATE_TRUNC``) on each request."""

    template = "admin/date_range_filter.html"

    def __init__(self, field: Any, request: HttpRequest, params: dict, model: Any, model_admin: Any,
                 field_path: str) -> None:
        # A datetime compares by its local date, so that the day in the second box is included.
        on_date = "__date" if isinstance(field, models.DateTimeField) else ""
        self.lookup_kwarg_from = f"{field_path}{on_date}__gte"
        self.lookup_kwarg_to = f"{field_path}{on_date}__lte"
        super().__init__(field, request, params, model, model_admin, field_path)

    def expected_parameters(self) -> list[str]:
        return [*super().expected_parameters(), self.lookup_kwarg_from, self.lookup_kwarg_to]

    def choices(self, changelist: Any) -> Any:
        self.hidden_params = [(name, value) for name, value in changelist.params.items()
                              if not name.startswith(self.field_generic)]
        self.value_from = self.date_params.get(self.lookup_kwarg_from, "")
        self.value_to = self.date_params.get(self.lookup_kwarg_to, "")
        yield from super().choices(changelist)


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
        (term("コーディネーターと区域"), {
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


class UpperAreaFilter(AreaSearchFilter):
    """Filter by the upper area, found by its name or code (a city may have thousands of areas)."""

    title = "上位の区域"
    parameter_name = "parent"
    field_path = "parent"


@admin.register(Area)
class AreaAdmin(LargeListAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "layer_label", "parent", "boundary_basis", "support_center", "is_active"]
    list_display_links = ["code", "name"]
    list_filter = [("layer", IndexedValuesFilter), "is_active", UpperAreaFilter]
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
class OrganisationAdmin(LargeListAdminMixin, ScopedModelAdmin):
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


class RoleListFilter(admin.RelatedFieldListFilter):
    """The roles (groups) of the user list's filter, the coordinator's by the municipality's term."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list:
        return [(pk, localise(str(name))) for pk, name in super().field_choices(field, request, model_admin)]


@admin.register(User)
class UserAdmin(LargeListAdminMixin, ScopedModelAdmin, DjangoUserAdmin):
    list_display = ["username", "name", "organisation", "role_labels", "is_staff", "is_active"]
    # No filter by organisation: with thousands of them a list of links helps nobody; search instead.
    list_filter = [("groups", RoleListFilter), "is_active", "is_staff"]
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
        return "、".join(localise(group.name) for group in obj.groups.all())

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
            formfield = super().formfield_for_manytomany(db_field, request, **kwargs)
            formfield.label_from_instance = lambda group: localise(group.name)  # the role コーディネーター by its term
            return formfield
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


class AuditActionFilter(admin.SimpleListFilter):
    """操作 in Japanese (auditlog's own filter names them in English)."""

    title = "操作"
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[int, str]]:
        return [(value, label if value != LogEntry.Action.ACCESS else "閲覧・出力・提供")
                for value, label in audit.ACTION_LABELS.items()]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        value = self.value()
        return queryset.filter(action=int(value)) if value in {str(v) for v in audit.ACTION_LABELS} else queryset


class ResourceTypeFilter(admin.SimpleListFilter):
    """Filter by the kind of record, named in Japanese: the kinds the audit log registers (reading
    which kinds occur in the log would read the whole log on each request), in one drop-down
    rather than a link per kind."""

    title = "対象の種類"
    parameter_name = "resource_type"
    template = "admin/select_filter.html"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[int, str]]:
        from auditlog.registry import auditlog

        types = ContentType.objects.get_for_models(*auditlog.get_models())
        named = [(ct.pk, f"{model._meta.verbose_name}（{model._meta.app_config.verbose_name}）")
                 for model, ct in types.items()]
        return sorted(named, key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        value = self.value()
        return queryset.filter(content_type_id=int(value)) if value and value.isdigit() else queryset

    def choices(self, changelist: Any) -> Any:
        self.hidden_params = [(name, value) for name, value in changelist.params.items()
                              if name != self.parameter_name]
        yield from super().choices(changelist)


class ActorSearchFilter(SearchListFilter):
    """誰が: a part of the name or the login name (a link per user would list thousands)."""

    title = "誰が"
    parameter_name = "actor"
    label = "氏名またはログイン名（一部でも可）"
    help_text = "操作した人の氏名またはログイン名の一部を入力してください。"

    #: Up to this many matching people are looked up first and named by id.
    LOOKED_UP = 100

    def matching(self, value: str) -> Q:
        # The people first (a small table), then the entries by actor id along the actor's index.
        people = User.objects.filter(Q(username__icontains=value) | Q(name__contains=value)).order_by().values_list(
            "pk", flat=True)
        found = list(people[:self.LOOKED_UP + 1])
        return Q(actor_id__in=found if len(found) <= self.LOOKED_UP else people)


class TimestampRangeFilter(DateRangeListFilter):
    """The date range over the entry's time as a range of instants (local midnight to midnight), so
    that PostgreSQL reads it along the timestamp's index; a date cast per row would read every entry."""

    def __init__(self, field: Any, request: HttpRequest, params: dict, model: Any, model_admin: Any,
                 field_path: str) -> None:
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = "日時"

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        import datetime as dt

        from django.utils import timezone

        bounds = {}
        for name, lookup, shift in ((self.lookup_kwarg_from, "gte", 0), (self.lookup_kwarg_to, "lt", 1)):
            text = self.date_params.get(name)
            if not text:
                continue
            try:
                day = dt.date.fromisoformat(str(text[-1] if isinstance(text, list) else text))
            except ValueError:
                continue  # the form's own check reports it
            moment = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=shift), dt.time()))
            bounds[f"{self.field_path}__{lookup}"] = moment
        others = {key: value for key, value in self.used_parameters.items()
                  if key not in (self.lookup_kwarg_from, self.lookup_kwarg_to)}
        return queryset.filter(build_q_object_from_lookup_parameters(others), **bounds)


class AuditChangeList(LinkOnceChangeList):
    """The page's entries get their texts prepared together: the roles of the people and the names
    of records an entry refers to by id are read once for the page, not once per row."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        names = audit.Names()
        for entry in self.result_list:
            audit.want_names(entry, names)
        names.load()
        for entry in self.result_list:
            entry.audit_names = names


@admin.register(LogEntry)
class LogEntryAdmin(LargeListAdminMixin, ReadOnlyAdminMixin, AuditlogLogEntryAdmin):
    """The audit log: viewable with auditlog.view_logentry (the 監査 role), editable by no one.
    Shown in Japanese (municipality/audit.py); the stored entry is shown as it is under 記録そのもの."""

    # A range of dates rather than the date drill-down, which read every entry's time on each request.
    date_hierarchy = None
    list_display = ["when", "operation", "target", "who", "what"]
    list_display_links = ["when"]
    list_filter = [AuditActionFilter, ResourceTypeFilter, ActorSearchFilter, ("timestamp", TimestampRangeFilter)]
    # The object's id exactly, or a part of its text (auditlog searched the changes' JSON too: every entry read).
    search_fields = ["=object_pk", "object_repr"]
    search_help_text = "対象のID（数字）、または対象の名称・番号の一部（例：R8-0012）で検索します。"
    list_select_related = ["content_type", "actor"]
    readonly_fields = ["when", "operation", "target", "who", "purpose", "what_detail", "cid_label", "raw_json"]
    fieldsets = [
        (None, {"fields": ["when", "operation", "target", "who", "purpose"]}),
        ("内容", {"fields": ["what_detail"]}),
        ("記録そのもの（JSON）", {"classes": ["collapse"], "fields": ["cid_label", "raw_json"]}),
    ]

    # Only the 監査 role reads the log (it records who read which case): no superuser bypass.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.has_role(Role.AUDITOR)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def get_queryset(self, request: HttpRequest) -> models.QuerySet:
        return super().get_queryset(request).select_related("content_type", "actor").prefetch_related(
            "actor__groups")

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return AuditChangeList

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        return super().changelist_view(request, {"title": "監査ログ", **(extra_context or {})})

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict | None = None) -> Any:
        return super().change_view(request, object_id, form_url, {"title": "監査ログの記録", **(extra_context or {})})

    def get_search_results(self, request: HttpRequest, queryset: models.QuerySet,
                           search_term: str) -> tuple[models.QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        if term.isdigit():
            return queryset.filter(object_pk=term), False
        return queryset.filter(object_repr__icontains=term), False

    @admin.display(description="日時", ordering="timestamp")
    def when(self, obj: LogEntry) -> str:
        return audit.when(obj.timestamp)

    @admin.display(description="操作")
    def operation(self, obj: LogEntry) -> str:
        return audit.operation(obj)

    @admin.display(description="対象")
    def target(self, obj: LogEntry) -> str:
        return audit.target(obj)

    @admin.display(description="誰が")
    def who(self, obj: LogEntry) -> str:
        return audit.actor(obj)

    @admin.display(description="目的")
    def purpose(self, obj: LogEntry) -> str:
        return audit.purpose(obj) or "—"

    def _lines(self, obj: LogEntry) -> list[str]:
        names = getattr(obj, "audit_names", None)
        if names is None:
            names = audit.Names()
            audit.want_names(obj, names)
            names.load()
        return audit.reads(obj) or [str(change) for change in audit.changes(obj, names)]

    #: The list shows this many lines of an entry; its page shows all.
    LIST_LINES = 3

    @admin.display(description="内容")
    def what(self, obj: LogEntry) -> str:
        lines = self._lines(obj)
        shown = lines[:self.LIST_LINES]
        more = f"ほか{len(lines) - len(shown)}項目" if len(lines) > len(shown) else ""
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in [*shown, more] if line))

    @admin.display(description="変更・閲覧の内容")
    def what_detail(self, obj: LogEntry) -> str:
        lines = self._lines(obj)
        if not lines:
            return "—"
        return format_html("<ul class=\"audit-changes\">{}</ul>",
                           format_html_join("", "<li>{}</li>", ((line,) for line in lines)))

    @admin.display(description="要求ID")
    def cid_label(self, obj: LogEntry) -> str:
        if not obj.cid:
            return "—"
        url = reverse("admin:auditlog_logentry_changelist") + "?" + urlencode({"cid": obj.cid})
        return format_html('{} <a href="{}">同じ要求の記録を見る</a>', obj.cid, url)

    @admin.display(description="記録")
    def raw_json(self, obj: LogEntry) -> str:
        return format_html("<pre class=\"audit-raw\">{}</pre>", audit.raw(obj))

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        return lookup == "cid" or super().lookup_allowed(lookup, value, request)

    def get_actions(self, request: HttpRequest) -> dict:
        return {}


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["hostname", "last_seen"]
