"""When this process started, so that a page can tell "the worker has not reported yet" from
"the worker does not run": after a start-up, the first heartbeat comes only with the first beat."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

# Set when the app registry is ready (municipality/apps.py imports this module at start-up).
STARTED_AT = timezone.now()
MINIMUM_GRACE = dt.timedelta(minutes=2)


def heartbeat_grace() -> dt.timedelta:
    """How long after start-up no heartbeat is not yet a fault: two beats of the schedule, at
    least two minutes (a worker and beat start alongside the web process, then wait one beat)."""
    schedule = settings.CELERY_BEAT_SCHEDULE.get("worker-heartbeat", {}).get("schedule")
    interval = schedule if isinstance(schedule, dt.timedelta) else dt.timedelta(minutes=1)
    return max(MINIMUM_GRACE, 2 * interval)


def just_started(now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) - STARTED_AT < heartbeat_grace()
