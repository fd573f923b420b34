"""State changes of the shared part: municipality settings, areas, users."""

from __future__ import annotations

import datetime as dt

from auditlog.context import set_actor
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from .errors import DomainError
from .models import Area, FormSubmission, ImportRun, Organisation, User, WorkerHeartbeat


@transaction.atomic
def worker_heartbeat_record(*, hostname: str) -> WorkerHeartbeat:
    """Record that a worker on this host is alive now."""
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"last_seen": timezone.now()}
    )
    return heartbeat


# One-time form tokens (municipality/once.py) are kept this long.
FORM_TOKEN_DAYS = 30


def form_submissions_prune(*, now: dt.datetime | None = None) -> int:
    """Forget tokens older than FORM_TOKEN_DAYS (a form left open that long is simply sent again)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=FORM_TOKEN_DAYS)
    deleted, _ = FormSubmission.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# --- Areas and organisations (the admin's forms; imports of a city's ledgers) -----------------


def _full_clean(instance: models.Model) -> None:
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc


@transaction.atomic
def area_save(*, area: Area, by: User) -> Area:
    """Register or change an area of the tree (one 第1層 area; each deeper one under the layer above)."""
    with set_actor(by):
        _full_clean(area)
        area.save()
        return area


@transaction.atomic
def organisation_save(*, organisation: Organisation, by: User) -> Organisation:
    """Register or change an organisation (name unique)."""
    with set_actor(by):
        _full_clean(organisation)
        organisation.save()
        return organisation


@transaction.atomic
def import_run_record(*, ledger: str, ledger_label: str, filename: str, valid_rows_only: bool, saved: bool,
                      created: int, updated: int, refused: int, by: User) -> ImportRun:
    """Record one import of a ledger file in the audit log, whether its rows were kept or not."""
    with set_actor(by):
        return ImportRun.objects.create(
            ledger=ledger, ledger_label=ledger_label, filename=filename[:255], valid_rows_only=valid_rows_only,
            saved=saved, created_count=created, updated_count=updated, refused_count=refused, imported_by=by,
        )
