"""Reads of the activity log, reports and dashboard; each in a fixed number of queries."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, DateField, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from coordinators.models import Appointment, Contract, Coordinator
from municipality.models import Area, Municipality
from municipality.roles import Role
from municipality.wareki import fiscal_year, fiscal_year_bounds

from .models import (
    Activity,
    ActivityCount,
    Function,
    MonthlyReport,
    Need,
    NeedStatus,
    ReportStatus,
    SocialResource,
    month_start,
)
from .services import areas_of

# --- What a user may change (the pages that change it and the links to them use these) -----

def areas_for(user) -> QuerySet[Area]:
    """Areas a user may register resources and needs in (seeing an area's data is not enough)."""
    if user.is_city_wide:
        return Area.objects.filter(layer__gte=2, is_active=True)
    today = timezone.localdate()
    coordinator = Coordinator.objects.filter(user=user).first()
    if coordinator is not None:
        return Area.objects.filter(pk__in=[a.pk for a in areas_of(coordinator, today)])
    in_force = Contract.objects.in_force_on(today).filter(organisation_id=user.organisation_id)
    return Area.objects.filter(contracts__in=in_force).distinct()


def resources_editable_by(user) -> QuerySet[SocialResource]:
    """The resources a user may edit: visible, and in an area the user works in."""
    return SocialResource.objects.visible_to(user).filter(area__in=areas_for(user))


def _own_coordinator(user) -> Coordinator | None:
    if not (user.is_superuser or user.has_role(Role.COORDINATOR)):
        return None
    return Coordinator.objects.filter(user=user).first()


def needs_matchable_by(user) -> QuerySet[Need]:
    """The needs a coordinator may link to a resource: visible, and in an area they work in."""
    if _own_coordinator(user) is None:
        return Need.objects.none()
    return Need.objects.visible_to(user).filter(area__in=areas_for(user))


def needs_editable_by(user) -> QuerySet[Need]:
    """The needs a coordinator may edit: matchable, and recorded by someone of their own employer."""
    coordinator = _own_coordinator(user)
    if coordinator is None:
        return Need.objects.none()
    return needs_matchable_by(user).filter(recorded_by__employer_id=coordinator.employer_id)


def with_may_change(items: QuerySet, **rules: QuerySet) -> QuerySet:
    """``items`` annotated, for each rule name, with whether the item is in that rule's queryset."""
    return items.annotate(**{name: Exists(rule.filter(pk=OuterRef("pk"))) for name, rule in rules.items()})


def activities_for(user) -> QuerySet[Activity]:
    """The activities a user sees, each with ``locked``: its month's report keeps it from changing."""
    locking = MonthlyReport.objects.locking().filter(coordinator=OuterRef("coordinator"), month=OuterRef("report_month"))
    return (
        Activity.objects.visible_to(user)
        .select_related("coordinator", "area", "home_area", "category")
        .annotate(report_month=TruncMonth("date", output_field=DateField()))
        .annotate(locked=Exists(locking))
        .order_by("-date", "-pk")
    )


def activities_count(activities: QuerySet[Activity], *, month: dt.date | None = None) -> int | None:
    """How many activities a list of ``activities`` (optionally of one month) holds, from the count
    table when the list is every activity (city-wide users): exact, and without counting millions
    of rows. None when the list is scoped: the caller counts it (an organisation's rows, by index)."""
    if activities.query.has_filters():
        return None
    buckets = ActivityCount.objects.all() if month is None else ActivityCount.objects.filter(month=month_start(month))
    return buckets.aggregate(n=Sum("count"))["n"] or 0


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    start = month_start(month)
    # The last day from the calendar, not "first of next month − 1": December 9999 has no next month.
    return start, start.replace(day=calendar.monthrange(start.year, start.month)[1])


@dataclass
class MonthSummary:
    coordinator: Coordinator
    month: dt.date
    report: MonthlyReport | None
    activities: list[Activity]
    by_function: list[tuple[str, int, int]]  # label, count, minutes
    total_count: int
    total_minutes: int


def month_summary(coordinator: Coordinator, month: dt.date) -> MonthSummary:
    """A coordinator's month: the report's status, its activities and totals by function. 4 queries."""
    start, end = month_bounds(month)
    report = MonthlyReport.objects.filter(coordinator=coordinator, month=start).prefetch_related(
        "events__actor"
    ).first()
    activities = list(
        Activity.objects.filter(coordinator=coordinator, date__range=(start, end))
        .select_related("area", "home_area", "category")
        .order_by("date", "pk")
    )
    totals: dict[str, list[int]] = {f.value: [0, 0] for f in Function}
    for activity in activities:
        totals[activity.function][0] += 1
        totals[activity.function][1] += activity.minutes
    by_function = [(f.label, totals[f.value][0], totals[f.value][1]) for f in Function]
    return MonthSummary(
        coordinator, start, report, activities, by_function,
        len(activities), sum(a.minutes for a in activities),
    )


def reports_for(user) -> QuerySet[MonthlyReport]:
    return MonthlyReport.objects.visible_to(user).select_related("coordinator__employer").order_by(
        "-month", "coordinator__name_kana"
    )


# --- 市のダッシュボード ---------------------------------------------------------------------

@dataclass
class Dashboard:
    """What the city's dashboard shows: the figures for the whole city in full (chart, totals by
    function, counts), the lists that grow with the city (areas, coordinators) a page at a time."""

    today: dt.date
    months: list[dt.date]
    function_month_totals: dict[str, list[int]]  # function → count per month of the 年度 (the chart)
    function_totals: list[int]  # per function over the 年度, city-wide, in Function order
    total: int
    area_count: int
    idle_count: int  # active 第2層 areas with no activity this month
    report_month: dt.date
    not_submitted_count: int
    open_needs: int


def dashboard_months(today: dt.date) -> list[dt.date]:
    """The months of the current 年度 up to this one."""
    start, end = fiscal_year_bounds(fiscal_year(today))
    months = []
    cursor = start
    while cursor <= min(end, today):
        months.append(cursor)
        cursor = (cursor + dt.timedelta(days=32)).replace(day=1)
    return months


def dashboard_areas() -> QuerySet[Area]:
    return Area.objects.filter(layer=2, is_active=True).order_by("sort_order", "code")


def idle_areas(today: dt.date) -> QuerySet[Area]:
    """Active 第2層 areas with no activity recorded this month (from the count table)."""
    recorded = ActivityCount.objects.filter(area=OuterRef("pk"), month=month_start(today), count__gt=0)
    return dashboard_areas().exclude(Exists(recorded))


def dashboard(*, today: dt.date) -> Dashboard:
    """The city-wide figures of the dashboard, summed in the database from the count table
    (activities per area, function and month), never from the activities. Five queries."""
    months = dashboard_months(today)
    start, end = fiscal_year_bounds(fiscal_year(today))
    month_index = {m: i for i, m in enumerate(months)}
    function_month_totals: dict[str, list[int]] = {f.value: [0] * len(months) for f in Function}
    for function, month, n in (
        ActivityCount.objects.filter(month__range=(start, end), count__gt=0)
        .values_list("function", "month").annotate(n=Sum("count")).order_by()
    ):
        if month in month_index:
            function_month_totals[function][month_index[month]] += n
    function_totals = [sum(function_month_totals[f.value]) for f in Function]
    report_month = previous_month(today)
    from .models import Need

    return Dashboard(
        today=today,
        months=months,
        function_month_totals=function_month_totals,
        function_totals=function_totals,
        total=sum(function_totals),
        area_count=dashboard_areas().count(),
        idle_count=idle_areas(today).count(),
        report_month=report_month,
        not_submitted_count=coordinators_without_report(report_month).count(),
        open_needs=Need.objects.filter(status__in=[NeedStatus.OPEN, NeedStatus.IN_PROGRESS]).count(),
    )


def area_function_rows(areas: list[Area], *, today: dt.date) -> list[dict]:
    """Rows of the area table for these areas (a page of them, or all for a download): the count
    per function this 年度, the total, the activities across areas done here from other areas, and whether
    anything was recorded this month. One query."""
    start, end = fiscal_year_bounds(fiscal_year(today))
    this_month = month_start(today)
    per_area: dict[int, dict[str, int]] = defaultdict(lambda: {f.value: 0 for f in Function})
    recorded_this_month: set[int] = set()
    cross: dict[int, int] = defaultdict(int)
    rows = (
        ActivityCount.objects.filter(Q(count__gt=0) | Q(cross_count__gt=0), area__in=[a.pk for a in areas],
                                     month__range=(start, end))
        .values_list("area_id", "function")
        .annotate(n=Sum("count"), now=Sum("count", filter=Q(month=this_month)), crossing=Sum("cross_count"))
        .order_by()
    )
    for area_id, function, n, now, crossing in rows:
        per_area[area_id][function] += n
        cross[area_id] += crossing or 0
        if now:
            recorded_this_month.add(area_id)
    table = []
    for area in areas:
        counts = [per_area[area.pk][f.value] for f in Function]
        # ``cross``: activities of other areas' coordinators done here across areas (茅ヶ崎 第8条2項),
        # counted in their own areas' totals and shown here beside them.
        table.append({"area": area, "counts": counts, "total": sum(counts), "cross": cross[area.pk],
                      "idle": area.pk not in recorded_this_month})
    return table


def previous_month(today: dt.date) -> dt.date:
    """The first day of the month before ``today``'s: the month whose report is due."""
    return month_start(month_start(today) - dt.timedelta(days=1))


def coordinators_without_report(month: dt.date) -> QuerySet[Coordinator]:
    """Coordinators with a login, in office some day of ``month``, whose report of it is not in
    (never submitted, or sent back). One query."""
    month_end = month_bounds(month)[1]
    in_office = (
        Appointment.objects.filter(start__lte=month_end)
        .filter(Q(end__isnull=True) | Q(end__gte=month))
        .values("coordinator_id")
    )
    submitted = MonthlyReport.objects.filter(month=month).exclude(status=ReportStatus.RETURNED).values(
        "coordinator_id"
    )
    return (
        Coordinator.objects.filter(pk__in=in_office, user__isnull=False).exclude(pk__in=submitted)
        .select_related("employer", "user")
        .order_by("name_kana")
    )


def report_due(today: dt.date) -> dt.date:
    """The day last month's report is due (the municipality's setting, e.g. the 10th)."""
    day = Municipality.objects.current().report_due_day
    return today.replace(day=min(day, 28))


def activity_totals(queryset: QuerySet[Activity]) -> dict:
    return queryset.aggregate(count=Count("pk"), minutes=Sum("minutes"), participants=Sum("participants"),
                              matched=Count("pk", filter=Q(function=Function.C)))


@dataclass
class OrganisationMonth:
    organisation: object
    month: dt.date
    rows: list[dict]  # coordinator, counts per function, minutes, report
    totals: list[int]
    total_count: int
    total_minutes: int


def organisation_month(organisation, month: dt.date) -> OrganisationMonth:
    """An organisation's month for the city: each coordinator's counts by function and report status.
    Three queries whatever the number of coordinators."""
    start, end = month_bounds(month)
    coordinators = list(
        Coordinator.objects.filter(employer=organisation)
        .filter(pk__in=Appointment.objects.filter(start__lte=end).filter(Q(end__isnull=True) | Q(end__gte=start))
                .values("coordinator_id"))
        .order_by("name_kana")
    )
    counts = (
        Activity.objects.filter(coordinator__in=coordinators, date__range=(start, end))
        .values("coordinator_id", "function").annotate(n=Count("pk"), minutes=Sum("minutes"))
    )
    reports = {r.coordinator_id: r for r in MonthlyReport.objects.filter(coordinator__in=coordinators, month=start)}
    per: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for row in counts:
        per[row["coordinator_id"]][row["function"]] = (row["n"], row["minutes"] or 0)
    rows, totals = [], [0] * len(Function)
    for coordinator in coordinators:
        values = [per[coordinator.pk].get(f.value, (0, 0))[0] for f in Function]
        minutes = sum(m for _, m in per[coordinator.pk].values())
        totals = [a + b for a, b in zip(totals, values, strict=True)]
        rows.append({"coordinator": coordinator, "counts": values, "total": sum(values), "minutes": minutes,
                     "report": reports.get(coordinator.pk)})
    return OrganisationMonth(organisation, start, rows, totals, sum(totals), sum(r["minutes"] for r in rows))


# --- 社会資源一覧（公開） -------------------------------------------------------------------------
# What anyone may read without logging in (seed 000 第9条(1)ウ): only resources marked public, and of
# them only the fields written for the public. The internal 連絡先 and 提供している内容 are never read.

PUBLIC_FIELDS = ("pk", "name", "provider_kind", "area_id", "public_description", "public_window", "public_phone")


def public_resources() -> QuerySet[SocialResource]:
    """Every publicly listed resource, with only its public fields, by area, kind and name."""
    return (
        SocialResource.objects.listed_publicly()
        .select_related("area")
        .only(*PUBLIC_FIELDS, "area__name", "area__code", "area__sort_order", "area__layer")
        .order_by("area__layer", "area__sort_order", "area__code", "provider_kind", "name", "pk")
    )


def public_resources_matching(*, text: str = "", area: Area | None = None, kind: str = "") -> QuerySet[SocialResource]:
    """The directory narrowed by a text (name or public description), an area and a kind."""
    resources = public_resources()
    if text:
        resources = resources.filter(Q(name__icontains=text) | Q(public_description__icontains=text)
                                     | Q(public_window__icontains=text))
    if area is not None:
        resources = resources.filter(area=area)
    if kind:
        resources = resources.filter(provider_kind=kind)
    return resources


def public_areas() -> QuerySet[Area]:
    """The areas that have at least one publicly listed resource (the directory's area choices). One query."""
    listed = SocialResource.objects.listed_publicly().filter(area=OuterRef("pk"))
    return Area.objects.filter(is_active=True).filter(Exists(listed)).order_by("layer", "sort_order", "code")
