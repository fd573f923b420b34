from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "お知らせ・リマインダー"

    def ready(self) -> None:
        from municipality.duties import privileged_access_changed

        from . import tasks  # noqa: F401  registers the tasks services.py publishes by name
        from .services import notices_privileged_change

        privileged_access_changed.connect(notices_privileged_change, dispatch_uid="reminders.privileged_change")
