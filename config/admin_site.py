from django.contrib import admin
from django.http import HttpRequest

from municipality.naming import SYSTEM_NAME


class MunicipalityAdminSite(admin.AdminSite):
    """The admin, titled with the municipality's name from its settings."""

    index_title = "管理メニュー"

    def register(self, model_or_iterable, admin_class=None, **options):  # type: ignore[no-untyped-def]
        """Every admin add form is saved once per sending (municipality/once.py), and every list's date
        drill-down refuses years no record has (municipality/admin_guards.py), and every date box is
        the browser's Japanese date picker (municipality/admin_display.py), and a change page links
        only related objects the user may open (admin_guards.py), including the admins of installed packages."""
        from municipality.admin_display import DateInputAdminMixin
        from municipality.admin_guards import DateLookupGuardMixin, RelatedLinkGuardMixin
        from municipality.once import OnceAdminMixin

        admin_class = admin_class or admin.ModelAdmin
        guards = tuple(m for m in (OnceAdminMixin, DateLookupGuardMixin, DateInputAdminMixin, RelatedLinkGuardMixin)
                       if not issubclass(admin_class, m))
        if guards:
            admin_class = type(admin_class.__name__, (*guards, admin_class),
                               {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__})
        return super().register(model_or_iterable, admin_class, **options)

    def get_urls(self):  # type: ignore[no-untyped-def]
        """The admin's own pages, and the import of a city's ledgers (municipality/import_views.py)."""
        from django.urls import path

        from municipality import import_views

        imports = [
            path("imports/", self.admin_view(import_views.index), name="imports_index"),
            path("imports/jobs/<uuid:token>/", self.admin_view(import_views.job), name="imports_job"),
            path("imports/<str:ledger>/", self.admin_view(import_views.upload), name="imports_upload"),
            path("imports/<str:ledger>/confirm/", self.admin_view(import_views.confirm), name="imports_confirm"),
            path("imports/<str:ledger>/template.<str:fmt>", self.admin_view(import_views.template),
                 name="imports_template"),
        ]
        return imports + super().get_urls()

    def each_context(self, request: HttpRequest) -> dict:
        from municipality.models import Municipality

        context = super().each_context(request)
        name = Municipality.objects.current().name
        context["site_header"] = f"{name} {SYSTEM_NAME}"
        context["site_title"] = f"{name} 管理サイト"
        return context
