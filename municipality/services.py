"""State changes of the shared part: municipality settings, areas, users."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from .models import WorkerHeartbeat


@transaction.atomic
def worker_heartbeat_record(*, hostname: str) -> WorkerHeartbeat:
    """Record that a worker on this host is alive now."""
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"last_seen": timezone.now()}
    )
    return heartbeat
