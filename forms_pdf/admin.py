
from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from municipality.admin import LargeListAdminMixin, ReadOnlyAdminMixin, ScopedModelAdmin

from .kinds import all_kinds
from .models import IssuedDocument


class KindFilter(admin.SimpleListFilter):
    """By kind, as declared by the issuing apps (the column has no choices of its own)."""

    title = "様式"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [(kind.key, kind.label) for kind in all_kinds()]

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(IssuedDocument)
class IssuedDocumentAdmin(LargeListAdminMixin, ReadOnlyAdminMixin, ScopedModelAdmin):
    """Issued documents, kept as issued: read-only for everyone, never deleted."""

    list_display = ["issued_at", "kind_label", "title", "organisation", "size_label", "pdf_link", "replaces_label"]
    list_filter = [KindFilter]
    search_fields = ["title", "organisation__name"]
    list_select_related = ["organisation"]
    fields = ["kind_label", "title", "organisation", "issued_at", "issued_by", "sha256", "replaces",
              "correction_reason", "pdf_link", "snapshot"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).defer("pdf", "snapshot")

    @admin.display(description="様式", ordering="kind")
    def kind_label(self, obj: IssuedDocument) -> str:
        return obj.kind_label

    @admin.display(description="訂正前の書類")
    def replaces_label(self, obj: IssuedDocument) -> str:
        return f"#{obj.replaces_id}" if obj.replaces_id else "—"

    @admin.display(description="大きさ")
    def size_label(self, obj: IssuedDocument) -> str:
        return f"{obj.size / 1024:.0f} KB"

    @admin.display(description="PDF")
    def pdf_link(self, obj: IssuedDocument) -> str:
        return format_html('<a href="{}">表示</a>', reverse("documents:pdf", args=[obj.pk]))
