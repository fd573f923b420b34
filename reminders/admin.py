from django.contrib import admin

from municipality.admin import ReadOnlyAdminMixin

from .models import Delivery, Notice


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What was sent to whom and when (and what waits or failed)."""

    list_display = ["created_at", "recipient", "reason", "step", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "reason"]
    search_fields = ["recipient", "subject"]
    date_hierarchy = "created_at"


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A user's own notices in the admin (staff users see theirs only)."""

    list_display = ["created_at", "title", "read_at"]
    list_filter = ["reason"]
    actions = ["mark_read"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user=request.user)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    @admin.action(description="選択したお知らせを既読にする", permissions=["view"])
    def mark_read(self, request, queryset):
        from . import services

        for notice in queryset:
            services.notice_mark_read(notice=notice)
