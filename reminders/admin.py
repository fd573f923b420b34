import datetime as dt
import re

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from municipality.admin import (
    DateRangeListFilter,
    ExportAdminMixin,
    LargeListAdminMixin,
    ReadOnlyAdminMixin,
    ScopedModelAdmin,
)
from municipality.errors import DomainError
from municipality.exports import Table
from municipality.wareki import format_wareki

from . import services
from .models import CASE_REASONS, Delivery, Notice

RSVP_LINK = re.compile(r"/meetings/rsvp/[^/\s]+/")


def hide_links(text: str) -> str:
    """An RSVP link answers for its invitee without a login: staff see that there was one, not which."""
    return RSVP_LINK.sub("/meetings/rsvp/（本人用のため非表示）/", text)


DELIVERIES = Table(
    # Neither bodies nor links: a body may carry a password-reset or an RSVP link (see shown_body).
    filename="sent-mails", title="メール送信の記録",
    header=["作成日時", "送信日時", "宛先", "件名", "理由", "状態", "試行回数"],
    row=lambda d: [d.created_at, d.sent_at, d.recipient, d.subject, d.get_reason_display(), d.get_status_display(),
                   d.attempts],
)


@admin.register(Delivery)
class DeliveryAdmin(ExportAdminMixin, LargeListAdminMixin, ReadOnlyAdminMixin, ScopedModelAdmin):
    """What was sent to whom and when, what waits, and what could not be sent (a row outside the
    log, such as a case reminder, answers 404; nor is it in the downloads, which are of this list)."""

    export_table = DELIVERIES

    # Narrow enough to read beside the admin's menu and filters; the subject says the reason.
    list_display = ["when", "recipient", "short_subject", "status"]
    # A range of dates rather than the date drill-down, which read every row's date on each request.
    list_filter = ["status", "reason", ("created_at", DateRangeListFilter)]
    search_fields = ["recipient", "subject"]
    list_per_page = 50
    actions = ["retry"]
    fieldsets = [
        (None, {"fields": ["recipient", "user", "reason", "subject", "shown_body", "shown_url"]}),
        ("送信の状況", {"fields": ["status", "created_at", "sent_at", "attempts", "next_attempt_at", "last_error"]}),
        ("システム用の情報", {"classes": ["collapse"], "fields": ["object_key", "step_shown", "claimed_at"]}),
    ]
    readonly_fields = [field for _, options in fieldsets for field in options["fields"]]

    class Media:
        css = {"all": ["css/admin_delivery.css", "css/admin_filters.css"]}

    @admin.display(description="日時", ordering="created_at")
    def when(self, obj: Delivery) -> str:
        """When it was sent, or else when it was queued."""
        moment = timezone.localtime(obj.sent_at or obj.created_at)
        return f"{'送信' if obj.sent_at else '作成'} {moment:%m/%d %H:%M}"

    @admin.display(description="段階")
    def step_shown(self, obj: Delivery) -> str:
        """The step's key (30日前 2027-03-31) with its day in 和暦, as every date reads."""
        def wareki(match: re.Match[str]) -> str:
            try:
                return format_wareki(dt.date.fromisoformat(match[0]))
            except ValueError:
                return match[0]

        return re.sub(r"\d{4}-\d{2}-\d{2}", wareki, obj.step)

    @admin.display(description="件名", ordering="subject")
    def short_subject(self, obj: Delivery) -> str:
        return obj.subject if len(obj.subject) <= 40 else f"{obj.subject[:39]}…"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        # Case records are need-to-know: not even that a case has a monitoring date shows here
        # (the case workers have these reminders among their notices).
        return super().get_queryset(request).exclude(reason__in=CASE_REASONS)

    @admin.display(description="本文")
    def shown_body(self, obj: Delivery) -> str:
        # A password-reset link would let whoever reads it take over the account.
        return "（本人だけが読むメールのため表示しません）" if obj.sensitive else hide_links(obj.body)

    @admin.display(description="関連ページ")
    def shown_url(self, obj: Delivery) -> str:
        return hide_links(obj.url)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("reminders.retry_delivery")

    @admin.action(description="送信できなかったメールを送り直す", permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet) -> None:
        try:
            done = services.deliveries_retry(deliveries=list(queryset), by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return
        skipped = len(queryset) - done
        messages.success(request, f"{done}件を送信待ちに戻しました。"
                                  + (f"（送信できなかったもの以外の {skipped}件はそのままです）" if skipped else ""))


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """A user's own notices in the admin (everyone sees theirs only, superusers included; another's
    answers 404, as in the portal)."""

    list_display = ["created_at", "title", "reason", "read_at"]
    list_filter = ["reason", ("read_at", admin.EmptyFieldListFilter)]
    actions = ["mark_read"]
    fields = ["created_at", "title", "body", "url", "read_at"]
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    @admin.action(description="選択したお知らせを既読にする", permissions=["view"])
    def mark_read(self, request, queryset):
        for notice in queryset:
            services.notice_mark_read(notice=notice)
        messages.success(request, f"{queryset.count()}件を既読にしました。")
