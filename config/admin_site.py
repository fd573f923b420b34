from django.contrib import admin
from django.http import HttpRequest

SYSTEM_NAME = "地域支え合い・重層的支援 管理システム"


class MunicipalityAdminSite(admin.AdminSite):
    """The admin, titled with the municipality's name from its settings."""

    index_title = "管理メニュー"

    def each_context(self, request: HttpRequest) -> dict:
        from municipality.models import Municipality

        context = super().each_context(request)
        name = Municipality.objects.current().name
        context["site_header"] = f"{name} {SYSTEM_NAME}"
        context["site_title"] = f"{name} 管理サイト"
        return context
