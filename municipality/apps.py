from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _sync_roles_after_last_app(sender: AppConfig, **kwargs: object) -> None:
    # post_migrate is sent once per app that has models, in order; the permissions
    # of every app exist only when it is sent for the last of them.
    with_models = [config for config in apps.get_app_configs() if config.models_module is not None]
    if sender is not with_models[-1]:
        return
    from .roles import sync_roles

    sync_roles()


class MunicipalityConfig(AppConfig):
    name = "municipality"
    verbose_name = "市町村・区域・利用者"

    def ready(self) -> None:
        post_migrate.connect(_sync_roles_after_last_app, dispatch_uid="municipality.sync_roles")
        from . import checks, duties, uptime  # noqa: F401  (checks registers itself; uptime notes the start)

        duties.connect()
        from . import admin_display

        admin_display.install()  # the admin shows dates in 和暦 (see the module)
        from . import admin_guards

        admin_guards.install_related_link_guard()  # no link to a related object the user cannot open
