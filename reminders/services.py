"""The outbox: every mail of the application is a delivery row first, then sent once.

Exactly once:
- a delivery is unique by (recipient, reason, object, step), so scanning twice, or in two
  workers at once, inserts it once (the database skips the duplicate);
- a worker sends a row only after winning it by a conditional UPDATE (queued/retry → sending,
  with a claim token), which exactly one worker wins; its later updates require the token;
- a failed send is kept and retried with back-off; after the last attempt it stays as
  送信できず, where city staff can send it again from the admin.

The one gap: a worker that dies (or hangs for longer than ``STALE_SENDING``, far beyond the
mail timeout) after the SMTP server accepted a mail but before the row was marked sent leaves
it in 送信中; it is then tried again, so that mail may arrive twice. Nothing is ever lost.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText

from celery import Task, current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from municipality.errors import DomainError
from municipality.jobs import publish_on_commit
from municipality.links import site_url
from municipality.models import Municipality, User
from municipality.naming import SYSTEM_NAME
from municipality.wareki import format_wareki_datetime

from .models import REMINDER_REASONS, Delivery, DeliveryStatus, Notice, Reason
from .scan import Planned, Scan, Source, still_due

log = logging.getLogger(__name__)

BACKOFF_MINUTES = [1, 5, 30, 120, 720]
MAX_ATTEMPTS = 10  # about two and a half days of trying, the last ones twelve hours apart
STALE_SENDING = dt.timedelta(minutes=15)
BATCH = 50  # rows read at a time; each is claimed just before it is sent
ERASED = "（送信後に本文を消去しました）"


# --- Reminders ---------------------------------------------------------------------------------

@transaction.atomic
def enqueue(planned: list[Planned], sources: Sequence[Source] = ()) -> int:
    """Insert the deliveries and notices that do not exist yet; returns how many reminders were new.

    What is new is decided in the database: each source's rows, and the keys of the reminders
    planned in Python, are checked against the outbox's unique keys (NOT EXISTS, by their
    indexes); the new ones gather in a temporary table, and one ``INSERT … SELECT`` per table moves
    them. Rows are inserted in the order of their unique key, so two scans inserting the same rows
    at once wait for each other instead of deadlocking; the later one skips what the first added.
    """
    with connection.cursor() as cursor:
        staging = _Staging(cursor)
        added = sum(staging.add_source(source) for source in sources)
        added += len(staging.add_planned(planned))
        staging.insert(timezone.now())
        staging.drop()
    return added


@transaction.atomic
def preview(today: dt.date) -> list[Planned]:
    """What a scan on ``today`` would add (the command's dry run): found as the scan finds it,
    then rolled back."""
    planned, sources = Scan(today).collect()
    with connection.cursor() as cursor:
        staging = _Staging(cursor)
        for source in sources:
            staging.add_source(source)
        staging.add_planned(planned)
        cursor.execute(f"SELECT {', '.join(_NEW_COLUMNS)} FROM {_NEW} ORDER BY reason, object_key, step, email")
        found = [Planned(*row) for row in cursor.fetchall()]
        staging.drop()
    transaction.set_rollback(True)
    return found


_NEW, _PLANNED = "reminders_new", "reminders_planned"
_NEW_COLUMNS = ("email", "user_id", "reason", "object_key", "step", "subject", "body", "url")
_KEY_COLUMNS = ("i", "email", "user_id", "reason", "object_key", "step")
_DELIVERY_COLUMNS = ["recipient", "user_id", "reason", "object_key", "step", "subject", "body", "html_body", "url",
                     "attachments", "sensitive", "status", "attempts", "next_attempt_at", "claimed_at", "claim",
                     "last_error", "created_at", "sent_at"]
_NOTICE_COLUMNS = ["user_id", "reason", "object_key", "step", "title", "body", "url", "created_at", "read_at"]


def _not_planned(row: str) -> str:
    """SQL: the reminder ``row`` (email, user_id, reason, object_key, step) lacks its mail or its
    notice; each a lookup in the unique index of the outbox or of the notices."""
    delivery, notice = Delivery._meta.db_table, Notice._meta.db_table
    return (f"(COALESCE({row}.email, '') <> '' AND NOT EXISTS (SELECT 1 FROM {delivery} d "
            f"WHERE d.recipient = {row}.email AND d.reason = {row}.reason AND d.object_key = {row}.object_key "
            f"AND d.step = {row}.step)) "
            f"OR ({row}.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {notice} n "
            f"WHERE n.user_id = {row}.user_id AND n.reason = {row}.reason AND n.object_key = {row}.object_key "
            f"AND n.step = {row}.step))")


class _Staging:
    """The temporary tables of one scan: the new reminders (``reminders_new``) and the keys of those
    planned in Python (``reminders_planned``), dropped by ``drop``."""

    def __init__(self, cursor) -> None:
        for model, columns in ((Delivery, _DELIVERY_COLUMNS), (Notice, _NOTICE_COLUMNS)):
            # a new column must be given in insert(), with its default
            if [f.attname for f in model._meta.concrete_fields if not f.primary_key] != columns:
                raise ValueError(f"{model.__name__}: enqueue must give exactly its columns {columns}")
        self.cursor = cursor
        self.postgres = connection.vendor == "postgresql"
        self.settings: tuple[str, str] | None = None
        if self.postgres:
            # Until drop(): no JIT (the scan's statements are costed high, tens of thousands of index
            # probes, which started a compilation of more than half a second per statement, longer
            # than the probes), and room to sort a first scan's rows in memory (the texts of a
            # hundred thousand reminders, sorted by their keys) rather than in files.
            cursor.execute("SELECT current_setting('jit'), current_setting('work_mem'), "
                           "set_config('jit', 'off', true), set_config('work_mem', '64MB', true)")
            self.settings = cursor.fetchone()[:2]
        temporary = "ON COMMIT DROP" if self.postgres else ""
        cursor.execute(f"CREATE TEMPORARY TABLE {_NEW} (email text, user_id bigint, reason text, object_key text, "
                       f"step text, subject text, body text, url text) {temporary}")
        cursor.execute(f"CREATE TEMPORARY TABLE {_PLANNED} (i integer, email text, user_id bigint, reason text, "
                       f"object_key text, step text) {temporary}")

    def add_source(self, source: Source) -> int:
        """Add the rows of ``source`` that are not planned yet; returns how many."""
        sql, params = source.new().query.sql_with_params()
        self.cursor.execute(
            f"INSERT INTO {_NEW} ({', '.join(_NEW_COLUMNS)}) "
            f"SELECT s.r_email, s.r_user_id, %s, s.r_object_key, s.r_step, s.r_subject, s.r_body, s.r_url "
            f"FROM ({sql}) s", [source.reason, *params])
        return self.cursor.rowcount

    def add_planned(self, planned: list[Planned]) -> list[Planned]:
        """Add the reminders planned in Python that are not planned yet: their keys go to the
        database, which answers which are new; only those are rendered. Returns them."""
        keys = [(i, p.email, p.user_id, str(p.reason), p.object_key, p.step) for i, p in enumerate(planned)]
        self._write(_PLANNED, _KEY_COLUMNS, keys)
        self.cursor.execute(f"SELECT c.i FROM {_PLANNED} c WHERE {_not_planned('c')} ORDER BY c.i")
        fresh = [planned[i] for (i,) in self.cursor.fetchall()]
        self._write(_NEW, _NEW_COLUMNS, [(p.email, p.user_id, str(p.reason), p.object_key, p.step, p.subject,
                                          p.body, p.url) for p in fresh])
        return fresh

    def _write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if self.postgres:  # COPY: no statement per row, no parameters to parse
            with self.cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            self.cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def insert(self, now: dt.datetime) -> None:
        """Move the new reminders into the outbox and the notices, each table in its key order."""
        delivery, notice = Delivery._meta.db_table, Notice._meta.db_table
        no_attachments = "'[]'::jsonb" if self.postgres else "'[]'"
        self.cursor.execute(
            f"INSERT INTO {delivery} ({', '.join(_DELIVERY_COLUMNS)}) "
            f"SELECT email, user_id, reason, object_key, step, subject, body, '', url, {no_attachments}, %s, %s, 0, "
            f"NULL, NULL, '', '', %s, NULL FROM {_NEW} WHERE COALESCE(email, '') <> '' "
            "ORDER BY email, reason, object_key, step ON CONFLICT DO NOTHING",
            [False, DeliveryStatus.QUEUED.value, now])
        self.cursor.execute(
            f"INSERT INTO {notice} ({', '.join(_NOTICE_COLUMNS)}) "
            f"SELECT user_id, reason, object_key, step, subject, body, url, %s, NULL FROM {_NEW} "
            "WHERE user_id IS NOT NULL ORDER BY user_id, reason, object_key, step ON CONFLICT DO NOTHING",
            [now])

    def drop(self) -> None:
        """Drop them now: the caller's transaction may scan again (ON COMMIT DROP covers an error)."""
        for table in (_NEW, _PLANNED):
            self.cursor.execute(f"DROP TABLE {table}")
        if self.settings is not None:  # the caller's transaction (a service sending notices) goes on as it was
            self.cursor.execute("SELECT set_config('jit', %s, true), set_config('work_mem', %s, true)",
                                list(self.settings))


def scan(today: dt.date | None = None) -> int:
    """Find what is due today (Asia/Tokyo) and put it in the outbox and the notices."""
    planned, sources = Scan(today or timezone.localdate()).collect()
    return enqueue(planned, sources)


def _send_pending() -> Task:
    """The task that sends what waits, found by its name: tasks.py calls this module, so this
    module does not import tasks.py (apps.py imports it at start, which registers the task)."""
    return current_app.tasks["reminders.tasks.send_pending"]


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


def mail_queue(*, mails: list[Mail]) -> int:
    """Put mails in the outbox in the caller's transaction; a worker sends them once it commits.
    A mail already in the outbox (same address, reason, object and step) is not added again;
    returns how many were added."""
    existing = set(Delivery.objects.filter(object_key__in={m.object_key for m in mails},
                                           step__in={m.step for m in mails})
                   .values_list("recipient", "reason", "object_key", "step")) if mails else set()
    fresh = [m for m in mails if (m.to, m.reason, m.object_key, m.step) not in existing]
    if not fresh:
        return 0
    Delivery.objects.bulk_create(
        [Delivery(recipient=m.to, user_id=m.user_id, reason=m.reason, object_key=m.object_key, step=m.step,
                  subject=m.subject, body=m.body, html_body=m.html_body, attachments=m.attachments,
                  sensitive=m.sensitive) for m in fresh],
        ignore_conflicts=True,
    )
    publish_on_commit(_send_pending())
    return len(fresh)


# --- Sending -----------------------------------------------------------------------------------

class SmtpUnavailable(Exception):
    """The mail server cannot be reached or will not take mail now: stop this round; the next one
    tries again. Not counted as an attempt of the mail, so a long outage never fails mail."""


def _claim(delivery: Delivery) -> bool:
    """Win one row just before sending it: only one worker's conditional UPDATE changes it. The
    claim's token makes the row's later updates conditional, so a worker whose row was taken
    from it (it hung past STALE_SENDING) cannot overwrite what another worker did."""
    now = timezone.now()
    token = uuid.uuid4().hex
    won = Delivery.objects.filter(pk=delivery.pk).due(now).update(
        status=DeliveryStatus.SENDING, claimed_at=now, claim=token)
    delivery.claim = token
    return bool(won)


def _attachment(spec: dict) -> MIMEText:
    mimetype, *params = [part.strip() for part in spec["mimetype"].split(";")]
    part = MIMEText(spec["content"], mimetype.split("/", 1)[1], "utf-8")
    for param in params:
        name, _, value = param.partition("=")
        part.set_param(name, value)
    part.add_header("Content-Disposition", "attachment", filename=spec["filename"])
    return part


class _Mail(EmailMultiAlternatives):
    """Django (5.2) encodes a Japanese subject without knowing the field's name; the generator then
    refolds it behind "Subject: " and starts with an empty line, which parsers read as a leading
    space. A Header that knows its name folds so that the first encoded word stays on the line."""

    def message(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        message = super().message(*args, **kwargs)
        subject = str(self.subject)
        if not subject.isascii():
            del message["Subject"]
            # Past Django's __setitem__, which would turn the Header back into text; Django has
            # already refused a subject with a newline in super().message().
            Message.__setitem__(message, "Subject", Header(subject, "utf-8", header_name="Subject"))
        return message


def _message(delivery: Delivery, municipality: Municipality, connection) -> EmailMultiAlternatives:
    if delivery.reason in REMINDER_REASONS:
        context = {"delivery": delivery, "url": site_url(delivery.url), "municipality": municipality,
                   "system_name": SYSTEM_NAME}
        text: str = render_to_string("reminders/mail/reminder.txt", context)
        html: str = render_to_string("reminders/mail/reminder.html", context)
    else:
        text, html = delivery.body, delivery.html_body
    message = _Mail(subject=delivery.subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL,
                                     to=[delivery.recipient], connection=connection)
    if html:
        message.attach_alternative(html, "text/html")
    for spec in delivery.attachments:
        message.attach(_attachment(spec))
    return message


def _finish(delivery: Delivery, **changes) -> None:
    """Record the outcome, only if this worker still holds the row."""
    if delivery.sensitive and changes.get("status") in (DeliveryStatus.SENT, DeliveryStatus.CANCELLED):
        changes.update(body=ERASED, html_body="")
    Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.SENDING, claim=delivery.claim).update(**changes)


def _fail(delivery: Delivery, error: Exception) -> None:
    _finish(delivery, status=DeliveryStatus.FAILED, attempts=delivery.attempts + 1, last_error=str(error)[:300])
    log.warning("mail %s cannot be sent: %s", delivery.pk, error)


def _retry(delivery: Delivery, error: Exception, *, counts: bool = True) -> None:
    """Try again later: after the back-off for a failed attempt, in a minute when the server was
    not reachable at all (that is no attempt of this mail)."""
    attempts = delivery.attempts + (1 if counts else 0)
    if attempts >= MAX_ATTEMPTS:
        _fail(delivery, error)
        return
    minutes = BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1] if counts else 1
    _finish(delivery, status=DeliveryStatus.RETRY, attempts=attempts, last_error=str(error)[:300],
            next_attempt_at=timezone.now() + dt.timedelta(minutes=minutes))


SERVER, FOR_GOOD, FOR_NOW = "server", "for good", "for now"


def _failure(error: Exception) -> str:
    """Whose failure: the server's (unreachable, disconnected, refusing our sender, busy) — stop
    the round, count no attempt; this mail's for good (5xx, or a mail that cannot be built) — fail
    it; or this mail's for now (4xx, greylisting) — back off. (smtplib's errors are OSErrors too:
    test them first.)"""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return FOR_GOOD if all(code >= 500 for code, _ in error.recipients.values()) else FOR_NOW
    if isinstance(error, (smtplib.SMTPSenderRefused, smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError,
                          smtplib.SMTPAuthenticationError)):
        return SERVER
    if isinstance(error, smtplib.SMTPResponseException):
        if error.smtp_code in (421, 451, 452, 454, 530):
            return SERVER
        return FOR_GOOD if error.smtp_code >= 500 else FOR_NOW
    if isinstance(error, OSError):  # refused, unreachable, timed out
        return SERVER
    if isinstance(error, (ValueError, LookupError)):  # the mail itself is broken (a header, a charset)
        return FOR_GOOD
    return FOR_NOW


def _deliver(delivery: Delivery, municipality: Municipality, connection) -> bool:
    """Send one claimed delivery; True when sent. Raises SmtpUnavailable when the server is not usable."""
    if not still_due(delivery, timezone.localdate()):
        _finish(delivery, status=DeliveryStatus.CANCELLED, last_error="対象の状況が変わったため、送信を取りやめました。")
        return False
    try:
        message = _message(delivery, municipality, connection)
    except Exception as error:  # a broken mail (template, header): this one fails, the round goes on
        _fail(delivery, error)
        return False
    try:
        connection.open()
        connection.send_messages([message])
    except Exception as error:
        try:
            connection.close()
        except Exception:  # the connection is broken anyway; the next mail opens a new one
            log.debug("closing a broken SMTP connection failed", exc_info=True)
        failure = _failure(error)
        if failure == SERVER:
            _retry(delivery, error, counts=False)
            raise SmtpUnavailable(str(error)) from error
        if failure == FOR_GOOD:
            _fail(delivery, error)
            return False
        _retry(delivery, error)  # a temporary refusal of this mail (4xx): back off
        log.warning("mail %s not sent (attempt %s): %s", delivery.pk, delivery.attempts + 1, error)
        return False
    _finish(delivery, status=DeliveryStatus.SENT, attempts=delivery.attempts + 1, sent_at=timezone.now(),
            last_error="")
    return True


def send_due(*, budget_seconds: float = 240) -> int:
    """Send what waits, in batches, for at most ``budget_seconds``; returns how many were sent.
    Safe to run in several workers at once: each row is sent by the worker that claimed it."""
    started = time.monotonic()
    now = timezone.now()
    # A row left in 送信中 by a worker that died (or hung) is tried again.
    Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - STALE_SENDING).update(
        status=DeliveryStatus.RETRY, next_attempt_at=now)
    municipality = Municipality.objects.current()
    connection = get_connection()
    sent = 0
    try:
        while True:
            batch = list(Delivery.objects.due(timezone.now()).order_by("pk")[:BATCH])
            progressed = False
            for delivery in batch:
                if time.monotonic() - started > budget_seconds:
                    return sent  # the rest is for the next round
                if not _claim(delivery):
                    continue  # another worker has it
                progressed = True
                sent += _deliver(delivery, municipality, connection)
            if not progressed:
                return sent
    except SmtpUnavailable as error:
        log.warning("mail server unavailable, sending stops until the next round: %s", error)
        return sent
    finally:
        try:
            connection.close()
        except Exception:
            log.debug("closing the SMTP connection failed", exc_info=True)


@transaction.atomic
def deliveries_retry(*, deliveries: list[Delivery], by: User) -> int:
    """City staff send mail that could not be sent once more; returns how many were requeued.
    Mail to a user goes to the user's current address (corrected since, perhaps)."""
    failed = list(Delivery.objects.select_for_update(of=("self",)).filter(pk__in=[d.pk for d in deliveries],
                                                              status=DeliveryStatus.FAILED).select_related("user"))
    for delivery in failed:
        if delivery.user is not None and delivery.user.email and delivery.user.email != delivery.recipient:
            if Delivery.objects.filter(recipient=delivery.user.email, reason=delivery.reason,
                                       object_key=delivery.object_key, step=delivery.step).exists():
                raise DomainError(f"「{delivery.subject}」は、{delivery.user.email} あてにすでに送っています。")
            delivery.recipient = delivery.user.email
        delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.QUEUED, 0, None
        delivery.last_error = f"{by}が送り直しを指示しました。"
        delivery.save(update_fields=["recipient", "status", "attempts", "next_attempt_at", "last_error"])
    if failed:
        publish_on_commit(_send_pending())
    return len(failed)


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


# --- Separation of duties ------------------------------------------------------------------------

def notices_privileged_change(*, user: User, actor: User | None, changes: list[str], **kwargs: object) -> int:
    """Tell every 監査 that an account reaching case data was changed (municipality/duties.py)."""
    from municipality.roles import Role

    auditors = list(User.objects.filter(groups__name=Role.AUDITOR.value, is_active=True).values_list("pk", flat=True))
    by = f"{actor.name or actor.username}（{actor.username}）" if actor is not None else "システム（コマンド）"
    body = (f"利用者「{user.username}」の権限に関わる変更がありました。\n"
            f"変更：{'、'.join(changes)}\n変更した人：{by}\n"
            f"日時：{format_wareki_datetime(timezone.now())}\n詳細は監査ログで確認してください。")
    url = reverse("admin:municipality_user_change", args=[user.pk])
    step = uuid.uuid4().hex  # every change is its own notice
    Notice.objects.bulk_create([
        Notice(user_id=pk, reason=Reason.ACCESS_CHANGE, object_key=f"user:{user.pk}", step=step,
               title=f"権限の変更：{user.username}", body=body, url=url)
        for pk in auditors
    ])
    return len(auditors)
