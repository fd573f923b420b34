from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The top layer: start page, guide, navigation, password pages, error pages."""

    name = "portal"
    verbose_name = "ポータル"

    def ready(self) -> None:
        from reminders.sweep import before_send

        from . import tasks  # noqa: F401  registers the task services.py publishes by name
        from .services import password_reset_requests_process

        # The minute sweep queues the reset mails a broker that was down never announced.
        before_send(password_reset_requests_process)
