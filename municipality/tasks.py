from celery import shared_task

from . import services


@shared_task
def record_worker_heartbeat() -> None:
    """Beat schedules this every minute; the admin shows when a worker last ran it. It also
    forgets old one-time form tokens (an indexed delete that usually finds nothing) and previewed
    ledger files nobody imported (a listing of one folder)."""
    from celery import current_task

    from .import_views import pending_files_prune
    from .services import form_submissions_prune

    services.worker_heartbeat_record(hostname=current_task.request.hostname or "unknown")
    form_submissions_prune()
    pending_files_prune()
