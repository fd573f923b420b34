from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from municipality.admin import ReadOnlyAdminMixin, ScopedModelAdmin
from municipality.errors import DomainError

from . import services
from .models import Delivery, DeliveryStatus, Notice


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What was sent to whom and when, what waits, and what could not be sent."""

    list_display = ["created_at", "recipient", "reason", "step", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "reason"]
    search_fields = ["recipient", "subject"]
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False  # the outbox grows large; a COUNT(*) of it on every page is not needed
    actions = ["retry"]
    fields = ["recipient", "user", "reason", "object_key", "step", "subject", "shown_body", "url", "status",
              "attempts", "next_attempt_at", "claimed_at", "last_error", "created_at", "sent_at"]
    readonly_fields = fields

    @admin.display(description="本文")
    def shown_body(self, obj: Delivery) -> str:
        # A password-reset link would let whoever reads it take over the account.
        return "（本人だけが読むメールのため表示しません）" if obj.sensitive else obj.body

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("reminders.retry_delivery")

    @admin.action(description="送信できなかったメールを送り直す", permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet) -> None:
        done = 0
        for delivery in queryset.filter(status=DeliveryStatus.FAILED):
            try:
                services.delivery_retry(delivery=delivery, by=request.user)
                done += 1
            except DomainError as error:
                messages.error(request, error.message)
        skipped = queryset.exclude(status=DeliveryStatus.FAILED).count()
        messages.success(request, f"{done}件を送信待ちに戻しました。" + (f"（送信できなかったもの以外の {skipped}件はそのままです）" if skipped else ""))


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
