"""Reads of the outbox that other apps show."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Delivery


def latest_deliveries(*, reason: str, object_keys: Iterable[str]) -> dict[str, Delivery]:
    """The newest delivery of each object (one query), e.g. how an invitation's mail stands."""
    latest: dict[str, Delivery] = {}
    rows = (Delivery.objects.filter(reason=reason, object_key__in=list(object_keys))
            .only("object_key", "status", "sent_at", "recipient").order_by("object_key", "-pk"))
    for delivery in rows:
        latest.setdefault(delivery.object_key, delivery)
    return latest
