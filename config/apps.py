from django.contrib.admin.apps import AdminConfig


class MunicipalityAdminConfig(AdminConfig):
    default_site = "config.admin_site.MunicipalityAdminSite"
