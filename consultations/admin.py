from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from councils.models import AgendaItem, Meeting
from municipality.admin import AreaSearchFilter
from municipality.scoping import visible

from . import legal_bases
from .models import Agency, AssessmentItem, RegionalIssue, SharingBody

# Case records have no admin page on purpose: city staff and superusers without a case role
# must not see case contents anywhere. Case workers use the portal, where every read is logged.


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["organisation", "kind"]
    list_filter = ["kind"]
    autocomplete_fields = ["organisation"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Consents name agencies: pointing one at another organisation would let that organisation's
        # case workers read every case whose person consented to the first. Register a new agency instead.
        return ["organisation"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # named by consents, cases and meetings: an agency that stops is no longer chosen


@admin.register(RegionalIssue)
class RegionalIssueAdmin(admin.ModelAdmin):
    list_display = ["title", "area", "raised_on"]
    list_filter = [AreaSearchFilter]
    search_fields = ["title", "description"]
    list_select_related = ["area"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Those who run meetings only take an issue to an agenda item; what was raised stays as raised.
        # The meeting it came from is set by the service that raised it, for everyone.
        if obj is not None and not request.user.is_superuser:
            return ["title", "description", "area", "raised_on", "raised_by", "area_conference"]
        return ["area_conference"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "agenda_item":
            # Only the agenda of meetings this user may see (a secretary: their councils' meetings).
            kwargs["queryset"] = (AgendaItem.objects.filter(meeting__in=visible(Meeting, request.user))
                                  .select_related("meeting").order_by("-meeting__date", "order", "pk"))
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "agenda_item":
            field.label_from_instance = lambda item: f"{item.meeting}：{item.title}"
        return field

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a council's agenda may name it; it stays as raised


@admin.register(AssessmentItem)
class AssessmentItemAdmin(admin.ModelAdmin):
    """The items of 本人の状況 the city's アセスメントシート asks: no personal data, kept by city staff."""

    list_display = ["label", "order", "active"]
    list_editable = ["order", "active"]
    list_filter = ["active"]
    search_fields = ["label"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # answers name the item: an item no longer asked is set 使用中 off


class SharingBodyForm(forms.ModelForm):
    class Meta:
        model = SharingBody
        fields = ["name", "basis", "organisation", "members", "active"]
        widgets = {"members": forms.CheckboxSelectMultiple}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The statutory bases from the registry (extras from CASE_EXTRA_LEGAL_BASES included); 本人の同意 is not one.
        self.fields["basis"] = forms.ChoiceField(label="設置の根拠", choices=legal_bases.body_choices(),
                                                 help_text="構成機関はこの法律の守秘義務を負います。")


@admin.register(SharingBody)
class SharingBodyAdmin(admin.ModelAdmin):
    """法定の会議体 (要対協, 生活困窮者自立支援法の支援会議, 地域ケア会議 …): its name, basis, the organisation
    that runs it and its member agencies. Kept by city staff; holds no case data (its meetings are
    recorded on the case side, where the membership is checked)."""

    form = SharingBodyForm
    list_display = ["name", "basis_label", "organisation", "active"]
    list_filter = ["active"]
    search_fields = ["name"]
    autocomplete_fields = ["organisation"]
    list_select_related = ["organisation"]

    @admin.display(description="設置の根拠")
    def basis_label(self, obj: SharingBody) -> str:
        return legal_bases.label(obj.basis)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # meetings name it: a body no longer used is set 使用中 off
