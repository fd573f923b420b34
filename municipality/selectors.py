"""Reads that need care: what a page shows, with its queries counted."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Max, Q

from . import uptime
from .models import Area, Organisation, PlanPeriod, WorkerHeartbeat


def plan_period_on(day: dt.date) -> PlanPeriod | None:
    return PlanPeriod.objects.filter(start__lte=day, end__gte=day).first()


def city_overview() -> dict:
    """Figures for the city staff's start page, in a fixed number of queries."""
    areas = Area.objects.filter(is_active=True).aggregate(
        first=Count("pk", filter=Q(layer=1)), second=Count("pk", filter=Q(layer=2))
    )
    last_seen = WorkerHeartbeat.objects.aggregate(last=Max("last_seen"))["last"]
    return {
        "first_layer_areas": areas["first"],
        "second_layer_areas": areas["second"],
        "organisations": Organisation.objects.count(),
        "worker_last_seen": last_seen,
        # No heartbeat yet is a warning only once the worker has had time to send its first one.
        "worker_starting": last_seen is None and uptime.just_started(),
    }
