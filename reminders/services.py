"""The outbox: every mail of the application is a delivery row first, then sent once.

Exactly once:
- a delivery is unique by (recipient, reason, object, step), so scanning twice, or in two
  workers at once, inserts it once (the database skips the duplicate);
- a worker sends only rows it claimed: it locks a batch of due rows with SELECT … FOR UPDATE
  SKIP LOCKED and marks them 送信中 in the same transaction, so no two workers hold one row;
- a failed send is kept and retried with back-off; after the last attempt it stays as
  送信できず, where city staff can send it again from the admin.

The one gap: a worker that dies after the SMTP server accepted a mail but before the row was
marked sent leaves it in 送信中; after ``STALE_SENDING`` it is tried again, so that mail may
arrive twice. Nothing is ever lost.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import time
from dataclasses import dataclass, field
from email.mime.text import MIMEText

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from config.admin_site import SYSTEM_NAME
from municipality.errors import DomainError
from municipality.jobs import publish_on_commit
from municipality.models import Municipality, User

from .models import REMINDER_REASONS, Delivery, DeliveryStatus, Notice
from .scan import Planned, due, not_yet_planned, still_due

log = logging.getLogger(__name__)

BACKOFF_MINUTES = [1, 5, 30, 120, 720]
MAX_ATTEMPTS = 10  # about two and a half days of trying, the last ones twelve hours apart
STALE_SENDING = dt.timedelta(minutes=15)
BATCH = 50  # rows one worker claims at a time
ERASED = "（送信後に本文を消去しました）"


# --- Reminders ---------------------------------------------------------------------------------

@transaction.atomic
def enqueue(planned: list[Planned]) -> int:
    """Insert the deliveries and notices that do not exist yet; returns how many reminders were new.

    Rows are inserted in the order of their unique key, so two scans inserting the same rows at
    once wait for each other instead of deadlocking; the later one skips what the first added.
    """
    fresh = sorted(not_yet_planned(planned), key=lambda p: (p.reason, p.object_key, p.step, p.email, p.user_id or 0))
    Delivery.objects.bulk_create(
        [Delivery(recipient=p.email, user_id=p.user_id, reason=p.reason, object_key=p.object_key, step=p.step,
                  subject=p.subject, body=p.body, url=p.url) for p in fresh if p.email],
        ignore_conflicts=True,
    )
    Notice.objects.bulk_create(
        [Notice(user_id=p.user_id, reason=p.reason, object_key=p.object_key, step=p.step, title=p.subject,
                body=p.body, url=p.url) for p in fresh if p.user_id],
        ignore_conflicts=True,
    )
    return len(fresh)


def scan(today: dt.date | None = None) -> int:
    """Find what is due today (Asia/Tokyo) and put it in the outbox and the notices."""
    return enqueue(due(today or timezone.localdate()))


# --- Other mail (invitations, password reset) ------------------------------------------------

@dataclass(frozen=True)
class Mail:
    """A mail written by the application (not a reminder): sent as it is."""

    to: str
    subject: str
    body: str
    reason: str
    object_key: str
    step: str
    html_body: str = ""
    attachments: list[dict] = field(default_factory=list)
    user_id: int | None = None
    sensitive: bool = False


def mail_queue(*, mails: list[Mail]) -> None:
    """Put mails in the outbox in the caller's transaction; a worker sends them once it commits."""
    from .tasks import send_pending

    if not mails:
        return
    Delivery.objects.bulk_create(
        [Delivery(recipient=m.to, user_id=m.user_id, reason=m.reason, object_key=m.object_key, step=m.step,
                  subject=m.subject, body=m.body, html_body=m.html_body, attachments=m.attachments,
                  sensitive=m.sensitive) for m in mails],
        ignore_conflicts=True,
    )
    publish_on_commit(send_pending)


# --- Sending -----------------------------------------------------------------------------------

class SmtpUnavailable(Exception):
    """The mail server cannot be reached: stop this round, the next one tries again."""


def _claim_batch(limit: int = BATCH) -> list[Delivery]:
    """Win a batch of due rows: locked rows are skipped, so two workers never claim the same one
    (on SQLite the IMMEDIATE transaction serialises the claims instead)."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(Delivery.objects.due(now).select_for_update(skip_locked=True).order_by("pk")
                   .values_list("pk", flat=True)[:limit])
        Delivery.objects.filter(pk__in=ids).update(status=DeliveryStatus.SENDING, claimed_at=now)
    return list(Delivery.objects.filter(pk__in=ids).order_by("pk")) if ids else []


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{url}" if url.startswith("/") else url


def _attachment(spec: dict) -> MIMEText:
    mimetype, *params = [part.strip() for part in spec["mimetype"].split(";")]
    part = MIMEText(spec["content"], mimetype.split("/", 1)[1], "utf-8")
    for param in params:
        name, _, value = param.partition("=")
        part.set_param(name, value)
    part.add_header("Content-Disposition", "attachment", filename=spec["filename"])
    return part


def _message(delivery: Delivery, municipality: Municipality, connection) -> EmailMultiAlternatives:
    if delivery.reason in REMINDER_REASONS:
        context = {"delivery": delivery, "url": _absolute(delivery.url), "municipality": municipality,
                   "system_name": SYSTEM_NAME}
        text = render_to_string("reminders/mail/reminder.txt", context)
        html = render_to_string("reminders/mail/reminder.html", context)
    else:
        text, html = delivery.body, delivery.html_body
    message = EmailMultiAlternatives(subject=delivery.subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL,
                                     to=[delivery.recipient], connection=connection)
    if html:
        message.attach_alternative(html, "text/html")
    for spec in delivery.attachments:
        message.attach(_attachment(spec))
    return message


def _finish(delivery: Delivery, **changes) -> None:
    if delivery.sensitive and changes.get("status") in (DeliveryStatus.SENT, DeliveryStatus.CANCELLED):
        changes.update(body=ERASED, html_body="")
    Delivery.objects.filter(pk=delivery.pk).update(**changes)


def _permanent(error: Exception) -> bool:
    """The server refused this mail for good (5xx): trying again would not help."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return True
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def _retry(delivery: Delivery, error: Exception) -> None:
    attempts = delivery.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        _finish(delivery, status=DeliveryStatus.FAILED, attempts=attempts, last_error=str(error)[:300])
        log.error("mail %s not sent after %s attempts: %s", delivery.pk, attempts, error)
        return
    minutes = BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1]
    _finish(delivery, status=DeliveryStatus.RETRY, attempts=attempts, last_error=str(error)[:300],
            next_attempt_at=timezone.now() + dt.timedelta(minutes=minutes))
    log.warning("mail %s not sent (attempt %s), next try in %s min: %s", delivery.pk, attempts, minutes, error)


def _deliver(delivery: Delivery, municipality: Municipality, connection) -> bool:
    """Send one claimed delivery; True when sent. Raises SmtpUnavailable when the server is unreachable."""
    if not still_due(delivery, timezone.localdate()):
        _finish(delivery, status=DeliveryStatus.CANCELLED, last_error="対象の状況が変わったため、送信を取りやめました。")
        return False
    try:
        connection.open()
    except Exception as error:
        _retry(delivery, error)
        raise SmtpUnavailable(str(error)) from error
    try:
        connection.send_messages([_message(delivery, municipality, connection)])
    except Exception as error:
        try:
            connection.close()
        except Exception:  # the connection is broken anyway; the next mail opens a new one
            log.debug("closing a broken SMTP connection failed", exc_info=True)
        if _permanent(error):
            _finish(delivery, status=DeliveryStatus.FAILED, attempts=delivery.attempts + 1, last_error=str(error)[:300])
            log.warning("mail %s refused for good: %s", delivery.pk, error)
            return False
        _retry(delivery, error)
        raise SmtpUnavailable(str(error)) from error
    _finish(delivery, status=DeliveryStatus.SENT, attempts=delivery.attempts + 1, sent_at=timezone.now(),
            last_error="")
    return True


def send_due(*, budget_seconds: float = 240) -> int:
    """Send what waits, in batches, for at most ``budget_seconds``; returns how many were sent.
    Safe to run in several workers at once: each row is sent by the worker that claimed it."""
    started = time.monotonic()
    now = timezone.now()
    # A row left in 送信中 by a worker that died is tried again.
    Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_SENDING).update(
        status=DeliveryStatus.RETRY, next_attempt_at=now)
    municipality = Municipality.objects.current()
    connection = get_connection()
    sent = 0
    try:
        while time.monotonic() - started < budget_seconds:
            batch = _claim_batch()
            if not batch:
                break
            for i, delivery in enumerate(batch):
                try:
                    sent += _deliver(delivery, municipality, connection)
                except SmtpUnavailable as error:
                    # Give back what this round will not try: the next round takes it at once.
                    Delivery.objects.filter(pk__in=[d.pk for d in batch[i + 1:]]).update(
                        status=DeliveryStatus.QUEUED, claimed_at=None)
                    log.warning("mail server unavailable, sending stops until the next round: %s", error)
                    return sent
    finally:
        try:
            connection.close()
        except Exception:
            log.debug("closing the SMTP connection failed", exc_info=True)
    return sent


@transaction.atomic
def delivery_retry(*, delivery: Delivery, by: User) -> Delivery:
    """City staff send a mail that could not be sent once more (after fixing the address, say)."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status != DeliveryStatus.FAILED:
        raise DomainError(f"「{delivery.subject}」は送信できなかったメールではないため、送り直せません。")
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.QUEUED, 0, None
    delivery.last_error = f"{by}が送り直しを指示しました。"
    delivery.save(update_fields=["status", "attempts", "next_attempt_at", "last_error"])
    from .tasks import send_pending

    publish_on_commit(send_pending)
    return delivery


# --- Notices -------------------------------------------------------------------------------------

@transaction.atomic
def notice_mark_read(*, notice: Notice) -> Notice:
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return notice


@transaction.atomic
def notices_mark_all_read(*, user: User) -> int:
    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
