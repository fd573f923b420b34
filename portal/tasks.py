from celery import shared_task

from . import services


@shared_task
def process_password_resets() -> int:
    """Published after a reset request commits: queue its mail (the outbox then sends it)."""
    return services.password_reset_requests_process()
