"""State changes of the shared part: municipality settings, areas, users."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .models import FormSubmission, WorkerHeartbeat


@transaction.atomic
def worker_heartbeat_record(*, hostname: str) -> WorkerHeartbeat:
    """Record that a worker on this host is alive now."""
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"last_seen": timezone.now()}
    )
    return heartbeat


# One-time form tokens (municipality/once.py) are kept this long.
FORM_TOKEN_DAYS = 30


def form_submissions_prune(*, now: dt.datetime | None = None) -> int:
    """Forget tokens older than FORM_TOKEN_DAYS (a form left open that long is simply sent again)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=FORM_TOKEN_DAYS)
    deleted, _ = FormSubmission.objects.filter(created_at__lt=cutoff).delete()
    return deleted
