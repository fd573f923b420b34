"""Large ledger files run in the worker: the request stores the file and answers at once, and the
page follows the job until the preview or the import is done.

A file of more than ``background_rows()`` rows (1,000 by default, about four seconds) is checked
and imported by the ``run_import_job`` task instead of the request: 10,000 rows take about 40 s
(bench/imports.py), close to gunicorn's 60 s timeout on a busy server, and a killed request would
leave the user with an error page. What the job is about is written first (an ``ImportJob`` row);
the task only says "look now", so a publish the broker missed is picked up again by the heartbeat
job's sweep, and two deliveries of one job run it once (the first claims it). The import itself
is one transaction, as in a request: a worker that dies mid-way saves nothing, and the sweep marks
the job as interrupted.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from import_export.tmp_storages import MediaStorage

from . import importing, services
from .jobs import publish, publish_on_commit
from .models import ImportJob, User

log = logging.getLogger(__name__)

PENDING_FOLDER = "imports-pending"
# A previewed file nobody imported is forgotten after this long (it may hold names and birth
# dates); so are the finished jobs' row results. The import stays as its ImportRun.
PENDING_HOURS = 24
# A queued job the worker has not started after this long is published again (the broker may have
# lost it); a running one after RUNNING_MINUTES was interrupted (a worker that died).
REQUEUE_AFTER = dt.timedelta(minutes=2)
RUNNING_MINUTES = 30


def background_rows() -> int:
    """Files with more rows than this run in the worker."""
    return int(getattr(settings, "IMPORT_BACKGROUND_ROWS", 1_000))


def pending_storage(name: str | None = None) -> MediaStorage:
    return MediaStorage(MEDIA_FOLDER=PENDING_FOLDER, name=name)


def job_start(*, ledger: importing.Ledger, filename: str, upload: str, kind: str, row_count: int,
              valid_rows_only: bool = False, by: User) -> ImportJob:
    """Record a preview or an import for the worker, and publish it once the request commits."""
    from .tasks import run_import_job

    job = ImportJob.objects.create(
        token=uuid.uuid4(), ledger=ledger.key, filename=filename[:255], upload=upload, kind=kind,
        row_count=row_count, valid_rows_only=valid_rows_only, requested_by=by,
    )
    publish_on_commit(run_import_job, job.pk)
    return job


def outcome_to_json(outcome: importing.Outcome) -> dict[str, Any]:
    return {"saved": outcome.saved,
            "rows": [[row.line, row.action, row.summary, row.reasons] for row in outcome.rows]}


def outcome_from_json(ledger: importing.Ledger, data: dict[str, Any]) -> importing.Outcome:
    rows = [importing.RowOutcome(line=line, action=action, summary=summary, reasons=list(reasons))
            for line, action, summary, reasons in data["rows"]]
    return importing.Outcome(ledger=ledger, rows=rows, saved=data["saved"])


def _finish(job: ImportJob, *, status: str, result: dict[str, Any]) -> None:
    ImportJob.objects.filter(pk=job.pk).update(status=status, result=result, finished_at=timezone.now())


def job_run(*, job_id: int) -> None:
    """Run one job if nobody has claimed it yet (a second delivery finds it claimed and stops)."""
    if not ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
            status=ImportJob.Status.RUNNING):
        return
    job = ImportJob.objects.select_related("requested_by").get(pk=job_id)
    ledger = importing.ledger_for(job.ledger)
    storage = pending_storage(job.upload)
    try:
        if ledger is None:
            raise importing.FileRefused("台帳が見つかりません。")
        dataset = importing.read_dataset(ledger, filename=job.filename, content=storage.read())
        preview = job.kind == ImportJob.Kind.PREVIEW
        with transaction.atomic():
            outcome = importing.run(ledger, dataset, by=job.requested_by, dry_run=preview,
                                    valid_rows_only=job.valid_rows_only)
            if not preview:
                services.import_run_record(
                    ledger=ledger.key, ledger_label=ledger.label, filename=job.filename,
                    valid_rows_only=job.valid_rows_only, saved=outcome.saved,
                    created=outcome.created if outcome.saved else 0,
                    updated=outcome.updated if outcome.saved else 0, refused=outcome.refused, by=job.requested_by,
                )
                if outcome.saved or not outcome.refused:
                    transaction.on_commit(lambda: remove_quietly(storage))
    except importing.FileRefused as refused:
        _finish(job, status=ImportJob.Status.FAILED, result={"error": refused.message})
    except OSError:
        _finish(job, status=ImportJob.Status.FAILED,
                result={"error": "取り込むファイルが読めません。もう一度ファイルを選んでください。"})
    except Exception:
        log.exception("import job %s failed", job.pk)
        _finish(job, status=ImportJob.Status.FAILED,
                result={"error": "処理の途中で問題が起きたため、何も保存していません。もう一度ファイルを選んでください。"})
    else:
        _finish(job, status=ImportJob.Status.DONE, result=outcome_to_json(outcome))


def jobs_sweep(*, now: dt.datetime | None = None) -> None:
    """Run by the heartbeat job: publish queued jobs again, mark dead ones, forget old results."""
    from .tasks import run_import_job

    now = now or timezone.now()
    for job_id in ImportJob.objects.filter(status=ImportJob.Status.QUEUED,
                                           requested_at__lt=now - REQUEUE_AFTER).values_list("pk", flat=True):
        publish(run_import_job, job_id)
    ImportJob.objects.filter(
        status=ImportJob.Status.RUNNING, requested_at__lt=now - dt.timedelta(minutes=RUNNING_MINUTES),
    ).update(status=ImportJob.Status.FAILED, finished_at=now, result={
        "error": "処理が中断されました（バックグラウンド処理の再起動など）。何も保存していません。もう一度ファイルを選んでください。"})
    ImportJob.objects.filter(status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED],
                             requested_at__lt=now - dt.timedelta(hours=PENDING_HOURS)).delete()


def pending_files_prune(*, now: dt.datetime | None = None) -> int:
    """Delete previewed files older than PENDING_HOURS (run by the worker heartbeat job)."""
    storage = pending_storage()._storage
    try:
        _, names = storage.listdir(PENDING_FOLDER)
    except FileNotFoundError:
        return 0
    cutoff = (now or timezone.now()) - dt.timedelta(hours=PENDING_HOURS)
    removed = 0
    for name in names:
        path = f"{PENDING_FOLDER}/{name}"
        with contextlib.suppress(OSError):
            if storage.get_modified_time(path) < cutoff:
                storage.delete(path)
                removed += 1
    return removed


def remove_quietly(storage: MediaStorage) -> None:
    with contextlib.suppress(OSError):
        storage.remove()
