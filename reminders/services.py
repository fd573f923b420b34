"""The outbox: enqueue what is due (unique rows), then send each row once.

Exactly once: a delivery row is unique by (recipient, reason, object, step), so scanning twice,
or in two workers at once, inserts it once (the database refuses the duplicate); and a worker
sends a row only after winning a conditional UPDATE (queued/retry → sending), which exactly one
worker wins. A failed send is retried with back-off and never dropped.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Delivery, DeliveryStatus, Notice
from .scan import Planned, due

log = logging.getLogger(__name__)
BACKOFF_MINUTES = [1, 5, 30, 120, 720]
STALE_SENDING = dt.timedelta(minutes=15)


@transaction.atomic
def enqueue(planned: list[Planned]) -> int:
    """Insert the deliveries and notices that do not exist yet; returns how many deliveries were new."""
    before = Delivery.objects.count()
    Delivery.objects.bulk_create(
        [Delivery(recipient=p.email, user_id=p.user_id, reason=p.reason, object_key=p.object_key, step=p.step,
                  subject=p.subject, body=p.body) for p in planned],
        ignore_conflicts=True,
    )
    Notice.objects.bulk_create(
        [Notice(user_id=p.user_id, reason=p.reason, object_key=p.object_key, step=p.step, title=p.subject,
                body=p.body, url=p.url) for p in planned if p.user_id],
        ignore_conflicts=True,
    )
    return Delivery.objects.count() - before


def scan(today: dt.date | None = None) -> int:
    return enqueue(due(today or timezone.localdate()))


def _claim(delivery_id: int, now: dt.datetime) -> bool:
    """Win the row: only one worker's conditional UPDATE changes it."""
    return bool(
        Delivery.objects.filter(pk=delivery_id)
        .filter(Q(status=DeliveryStatus.QUEUED) | Q(status=DeliveryStatus.RETRY, next_attempt_at__lte=now))
        .update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1)
    )


def send_due(*, limit: int = 200) -> int:
    """Send what is due; returns how many were sent. Safe to run in several workers at once."""
    now = timezone.now()
    # A row left in 'sending' by a worker that died is tried again later.
    Delivery.objects.filter(status=DeliveryStatus.SENDING, next_attempt_at__lt=now - STALE_SENDING).update(
        status=DeliveryStatus.RETRY, next_attempt_at=now)
    candidates = list(
        Delivery.objects.filter(Q(status=DeliveryStatus.QUEUED) | Q(status=DeliveryStatus.RETRY, next_attempt_at__lte=now))
        .order_by("pk").values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in candidates:
        if not _claim(pk, now):
            continue
        Delivery.objects.filter(pk=pk).update(next_attempt_at=now)
        delivery = Delivery.objects.get(pk=pk)
        try:
            send_mail(delivery.subject, delivery.body, settings.DEFAULT_FROM_EMAIL, [delivery.recipient])
        except Exception as error:  # SMTP down, refused address …: keep it and try again later
            step = BACKOFF_MINUTES[min(delivery.attempts, len(BACKOFF_MINUTES)) - 1]
            Delivery.objects.filter(pk=pk).update(
                status=DeliveryStatus.RETRY if delivery.attempts < len(BACKOFF_MINUTES) else DeliveryStatus.FAILED,
                next_attempt_at=timezone.now() + dt.timedelta(minutes=step), last_error=str(error)[:300])
            log.warning("reminder %s not sent: %s", pk, error)
            continue
        Delivery.objects.filter(pk=pk).update(status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
        sent += 1
    return sent


@transaction.atomic
def notice_mark_read(*, notice: Notice) -> Notice:
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice
