from celery import shared_task

from . import services


@shared_task
def scan_due() -> int:
    """Beat runs this daily: whatever is due becomes unique delivery rows (nothing is sent here)."""
    return services.scan()


@shared_task
def send_pending() -> int:
    """Beat runs this every few minutes: send what waits, retrying failures with back-off."""
    return services.send_due()
