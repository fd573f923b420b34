from django.contrib import admin

from municipality.admin import ReadOnlyAdminMixin

from .models import Delivery


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What was sent to whom and when (and what waits or failed)."""

    list_display = ["created_at", "recipient", "reason", "step", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status", "reason"]
    search_fields = ["recipient", "subject"]
    date_hierarchy = "created_at"
