"""Reminders (SPEC §8) and the outbox every mail of the application goes through.

A delivery is one e-mail to one address, unique by (recipient, reason, object, step): a reminder
is inserted once however often and however many workers scan, and a worker sends a row only
after claiming it. A notice is the same reminder inside the application, for a user.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from municipality.scoping import ScopedQuerySet, ScopeRule
from municipality.validators import validate_event_date


class Reason(models.TextChoices):
    TERM_EXPIRY = "term_expiry", "任期満了"
    MEETING = "meeting", "会議の開催"
    MONITORING = "monitoring", "モニタリングの時期"
    TIMELINE_SILENT = "timeline_silent", "支援経過の記録が途絶えている"
    EVALUATION = "evaluation", "評価の未記入"
    CERTIFICATE_EXPIRY = "certificate_expiry", "証の有効期間"
    CONTRACT_EXPIRY = "contract_expiry", "委託期間の終了"
    TRAINING = "training", "必須研修の未受講"
    VACANCY = "vacancy", "後任未選任"
    PLEDGE = "pledge", "守秘義務の誓約の未提出"
    MONTHLY_REPORT = "monthly_report", "月次報告の未提出"
    WEEKLY_DIGEST = "weekly_digest", "週のまとめ"
    INVITATION = "invitation", "開催通知"
    PASSWORD_RESET = "password_reset", "パスワードの再設定"
    ACCESS_CHANGE = "access_change", "権限の変更"
    REFERRAL = "referral", "連携シートの回答待ち"
    CASE_URGENT = "case_urgent", "緊急ケース"
    URGENT_MEETING = "urgent_meeting", "緊急ケースの支援会議"
    POSSIBLE_DUPLICATE = "possible_duplicate", "重複の可能性"
    MINUTES_CONFIRMATION = "minutes_confirm", "議事録の確認依頼"
    MINUTES_OVERDUE = "minutes_overdue", "議事録の承認・公表の遅れ"


# Reminders found by the scans: their stored body is the message, sent in the reminder layout
# (the city's name, the link, the footer). Other mail is stored as it is sent.
REMINDER_REASONS = frozenset({
    Reason.TERM_EXPIRY, Reason.MEETING, Reason.MONITORING, Reason.EVALUATION, Reason.URGENT_MEETING,
    Reason.TIMELINE_SILENT, Reason.REFERRAL, Reason.CERTIFICATE_EXPIRY, Reason.CONTRACT_EXPIRY, Reason.TRAINING,
    Reason.VACANCY, Reason.PLEDGE, Reason.MONTHLY_REPORT, Reason.WEEKLY_DIGEST, Reason.MINUTES_OVERDUE,
})
# Reminders about cases (need-to-know): only their own workers read them, the city's outbox hides them.
CASE_REASONS = frozenset({Reason.MONITORING, Reason.EVALUATION, Reason.TIMELINE_SILENT, Reason.REFERRAL,
                          Reason.CASE_URGENT, Reason.URGENT_MEETING, Reason.POSSIBLE_DUPLICATE})


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "送信待ち"
    SENDING = "sending", "送信中"
    SENT = "sent", "送信済み"
    RETRY = "retry", "再送待ち"
    FAILED = "failed", "送信できず"
    CANCELLED = "cancelled", "取りやめ"


class DeliveryQuerySet(models.QuerySet):
    def due(self, now: dt.datetime) -> DeliveryQuerySet:
        """Waiting to be sent now: queued, or a retry whose time has come."""
        return self.filter(
            Q(status=DeliveryStatus.QUEUED)
            | Q(status=DeliveryStatus.RETRY, next_attempt_at__lte=now)
        )


class Delivery(models.Model):
    """One e-mail, kept until it is sent: nothing is lost when SMTP or the broker is down."""

    recipient = models.EmailField("あて先")
    # Indexed where set only (``delivery_user``): most reminders go to people without an account.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="利用者", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+", db_index=False)
    reason = models.CharField("理由", max_length=40, choices=Reason.choices)
    object_key = models.CharField("対象", max_length=80, help_text="例：councils.membership:12")
    step = models.CharField("段階", max_length=40, help_text="例：30日前 2027-03-31")
    subject = models.CharField("件名", max_length=200)
    body = models.TextField("本文")
    html_body = models.TextField("本文（HTML）", blank=True,
                                 help_text="開催通知など。リマインダーはお知らせの書式（市の名前とリンク付き）で送ります")
    url = models.CharField("関連ページ", max_length=300, blank=True)
    attachments = models.JSONField("添付", default=list, blank=True,
                                   help_text="[{filename, mimetype, content}]（テキストのみ）")
    sensitive = models.BooleanField("本文を表示しない", default=False,
                                    help_text="パスワード再設定のリンクなど。送信後は本文を消去します")
    status = models.CharField("状態", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField("試行回数", default=0)
    next_attempt_at = models.DateTimeField("次に試す日時", null=True, blank=True, validators=[validate_event_date])
    claimed_at = models.DateTimeField("送信を始めた日時", null=True, blank=True, validators=[validate_event_date])
    claim = models.CharField("送信の担当", max_length=32, blank=True, editable=False,
                             help_text="送信中の行を担当するワーカーの印（ほかのワーカーが上書きしないため）")
    last_error = models.CharField("最後のエラー", max_length=300, blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True, validators=[validate_event_date])
    sent_at = models.DateTimeField("送信日時", null=True, blank=True, validators=[validate_event_date])

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "メール送信の記録"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "reason", "object_key", "step"], name="deliver_once"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status__in=["queued", "retry"]),
                         name="delivery_pending"),
            models.Index(fields=["object_key", "reason", "step"], name="delivery_object"),
            models.Index(fields=["created_at"], condition=Q(status="failed"), name="delivery_failed"),
            models.Index(fields=["user"], condition=Q(user__isnull=False), name="delivery_user"),
        ]
        permissions = [("retry_delivery", "送信できなかったメールを送り直す")]

    def __str__(self) -> str:
        return f"{self.recipient} {self.subject}"


class NoticeQuerySet(ScopedQuerySet):
    scope_rule = ScopeRule(user="user", city_wide=False)

    def unread(self) -> NoticeQuerySet:
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    """An in-app notice for one user; unique like a delivery, so it appears once."""

    # No index of its own: ``notice_once`` begins with the user (and ``notice_unread`` is the
    # user's unread ones). A first scan writes a hundred thousand notices; each index costs.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="利用者", on_delete=models.CASCADE,
                             related_name="notices", db_index=False)
    reason = models.CharField("理由", max_length=40, choices=Reason.choices)
    object_key = models.CharField("対象", max_length=80)
    step = models.CharField("段階", max_length=40)
    title = models.CharField("件名", max_length=200)
    body = models.TextField("内容")
    url = models.CharField("関連ページ", max_length=300, blank=True)
    created_at = models.DateTimeField("日時", auto_now_add=True, validators=[validate_event_date])
    read_at = models.DateTimeField("既読にした日時", null=True, blank=True, validators=[validate_event_date])

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "お知らせ"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "reason", "object_key", "step"], name="notice_once"),
        ]
        indexes = [
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notice_unread"),
        ]

    def __str__(self) -> str:
        return self.title
