from django.contrib import admin

from .models import Agency, RegionalIssue

# Case records have no admin page on purpose: city staff and superusers without a case role
# must not see case contents anywhere. Case workers use the portal, where every read is logged.


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["organisation", "kind"]
    list_filter = ["kind"]
    autocomplete_fields = ["organisation"]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Consents name agencies: pointing one at another organisation would let that organisation's
        # case workers read every case whose person consented to the first. Register a new agency instead.
        return ["organisation"] if obj is not None else []


@admin.register(RegionalIssue)
class RegionalIssueAdmin(admin.ModelAdmin):
    list_display = ["title", "area", "raised_on"]
    list_filter = ["area"]
    search_fields = ["title", "description"]
    list_select_related = ["area"]
