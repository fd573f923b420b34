"""Thin tasks: the work and its rules live in services.py. Beat's schedule for them is in the
database (定期処理 in the admin), where city staff can see and change it."""

from celery import shared_task

from . import services, sweep


@shared_task
def scan_due() -> int:
    """Find what is due now and send it. Safe to run twice or in several workers at once."""
    added = services.scan()
    services.send_due()
    return added


@shared_task
def send_pending() -> int:
    """Send what waits in the outbox (new mail, retries whose time has come), after the work the apps
    above registered (reminders/sweep.py: the portal queues the mail of password-reset requests a
    broker that was down never announced)."""
    sweep.run_before_send()
    return services.send_due()
