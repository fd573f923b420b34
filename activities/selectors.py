"""Reads of the activity log, reports and dashboard; each in a fixed number of queries."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from coordinators.models import Appointment, Coordinator
from municipality.models import Area, Municipality
from municipality.wareki import fiscal_year, fiscal_year_bounds

from .models import Activity, ActivityCount, Function, MonthlyReport, NeedStatus, ReportStatus, month_start


def activities_for(user) -> QuerySet[Activity]:
    return (
        Activity.objects.visible_to(user)
        .select_related("coordinator", "area", "category")
        .order_by("-date", "-pk")
    )


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
        .select_related("area", "category")
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
    months: list[dt.date]
    areas: list[Area]
    counts: dict[tuple[int, str, dt.date], int]  # (area, function, month) → count
    function_month_totals: dict[str, list[int]]
    area_totals: list[tuple[Area, int]]
    idle_areas: list[Area]
    not_submitted: list[Coordinator]
    report_month: dt.date
    open_needs: int


def dashboard(*, today: dt.date) -> Dashboard:
    """Activities by function × area × month for the current 年度; areas with none this month;
    coordinators who have not submitted last month. A fixed number of queries (5)."""
    year = fiscal_year(today)
    start, end = fiscal_year_bounds(year)
    months = []
    cursor = start
    while cursor <= min(end, today):
        months.append(cursor)
        cursor = (cursor + dt.timedelta(days=32)).replace(day=1)
    areas = list(Area.objects.filter(layer=2, is_active=True).order_by("sort_order", "code"))
    rows = ActivityCount.objects.filter(month__range=(start, end), count__gt=0).values_list(
        "area_id", "function", "month", "count"
    )
    counts: dict[tuple[int, str, dt.date], int] = {}
    function_month_totals: dict[str, list[int]] = {f.value: [0] * len(months) for f in Function}
    month_index = {m: i for i, m in enumerate(months)}
    area_total: dict[int, int] = defaultdict(int)
    this_month: set[int] = set()
    for area_id, function, month, n in rows:
        counts[(area_id, function, month)] = n
        if month in month_index:
            function_month_totals[function][month_index[month]] += n
        area_total[area_id] += n
        if month == month_start(today):
            this_month.add(area_id)

    report_month = previous_month(today)
    not_submitted = list(coordinators_without_report(report_month))
    from .models import Need

    return Dashboard(
        months=months,
        areas=areas,
        counts=counts,
        function_month_totals=function_month_totals,
        area_totals=[(area, area_total.get(area.pk, 0)) for area in areas],
        idle_areas=[area for area in areas if area.pk not in this_month],
        not_submitted=not_submitted,
        report_month=report_month,
        open_needs=Need.objects.filter(status__in=[NeedStatus.OPEN, NeedStatus.IN_PROGRESS]).count(),
    )


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


def area_function_table(board: Dashboard) -> list[dict]:
    """Rows for the table under the chart: each area with its count per function this 年度."""
    per_area: dict[int, dict[str, int]] = defaultdict(lambda: {f.value: 0 for f in Function})
    for (area_id, function, _month), n in board.counts.items():
        per_area[area_id][function] += n
    table = []
    for area in board.areas:
        counts = [per_area[area.pk][f.value] for f in Function]
        table.append({"area": area, "counts": counts, "total": sum(counts)})
    return table


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
