"""Reminders (SPEC §8): an outbox of deliveries, each unique by (recipient, reason, object, step),
so that a reminder is sent exactly once however often and however many workers scan; and the
in-app notices users read in the portal."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from municipality.scoping import ScopedQuerySet, ScopeRule


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "送信待ち"
    SENDING = "sending", "送信中"
    SENT = "sent", "送信済み"
    RETRY = "retry", "再送待ち"
    FAILED = "failed", "送信できず"


class Delivery(models.Model):
    """One e-mail to send, kept until it is sent: nothing is lost when SMTP or the broker is down."""

    recipient = models.EmailField("あて先")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="利用者", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField("理由", max_length=40)
    object_key = models.CharField("対象", max_length=80, help_text="例：councils.membership:12")
    step = models.CharField("段階", max_length=20, help_text="例：30日前")
    subject = models.CharField("件名", max_length=200)
    body = models.TextField("本文")
    status = models.CharField("状態", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField("試行回数", default=0)
    next_attempt_at = models.DateTimeField("次に試す日時", null=True, blank=True)
    last_error = models.CharField("最後のエラー", max_length=300, blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    sent_at = models.DateTimeField("送信日時", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "メール送信の記録"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "reason", "object_key", "step"], name="deliver_once"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.recipient} {self.subject}"


class NoticeQuerySet(ScopedQuerySet):
    scope_rule = ScopeRule(user="user", city_wide=False)

    def unread(self) -> NoticeQuerySet:
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    """An in-app notice for one user; unique like a delivery, so it appears once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="利用者", on_delete=models.CASCADE,
                             related_name="notices")
    reason = models.CharField("理由", max_length=40)
    object_key = models.CharField("対象", max_length=80)
    step = models.CharField("段階", max_length=20)
    title = models.CharField("件名", max_length=200)
    body = models.TextField("内容")
    url = models.CharField("関連ページ", max_length=300, blank=True)
    created_at = models.DateTimeField("日時", auto_now_add=True)
    read_at = models.DateTimeField("既読にした日時", null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "お知らせ"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "reason", "object_key", "step"], name="notice_once"),
        ]
        indexes = [models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notice_unread")]

    def __str__(self) -> str:
        return self.title
