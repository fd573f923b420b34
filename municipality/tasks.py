from celery import shared_task

from . import services


@shared_task
def record_worker_heartbeat() -> None:
    """Beat schedules this every minute; the admin shows when a worker last ran it. It also
    forgets old one-time form tokens (an indexed delete that usually finds nothing) and previewed
    ledger files nobody imported (a listing of one folder), and looks after the large imports'
    jobs (municipality/import_jobs.py)."""
    from celery import current_task

    from .import_jobs import jobs_sweep, pending_files_prune
    from .services import form_submissions_prune

    services.worker_heartbeat_record(hostname=current_task.request.hostname or "unknown")
    form_submissions_prune()
    pending_files_prune()
    jobs_sweep()


@shared_task
def run_import_job(job_id: int) -> None:
    """A large ledger file's preview or import (municipality/import_jobs.py)."""
    from .import_jobs import job_run

    job_run(job_id=job_id)
