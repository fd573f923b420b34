"""Issuing documents: render once from a snapshot, store both, never touch them again.

Only for issued documents (see forms_pdf.kinds); a live report calls render_pdf alone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone

from .kinds import DocumentKind, kind_for
from .models import GeneratedFile, GeneratedFileStatus, IssuedDocument
from .rendering import render_pdf


@transaction.atomic
def document_issue(
    *,
    kind: DocumentKind | str,
    title: str,
    snapshot: dict[str, Any],
    filename: str,
    organisation: Any = None,
    issued_by: Any = None,
    replaces: IssuedDocument | None = None,
    correction_reason: str = "",
) -> IssuedDocument:
    """Render a document from its snapshot and store the snapshot and the PDF together.

    The kind is one declared by the issuing app (see forms_pdf.kinds); its template renders
    ``{"doc": snapshot}``.
    """
    declared = kind_for(kind.key if isinstance(kind, DocumentKind) else kind)
    rendered = render_pdf(declared.template, {"doc": snapshot}, filename=filename)
    return IssuedDocument.objects.create(
        kind=declared.key,
        title=title,
        organisation=organisation,
        snapshot=snapshot,
        pdf=rendered.content,
        sha256=hashlib.sha256(rendered.content).hexdigest(),
        size=len(rendered.content),
        filename=filename,
        issued_at=timezone.now(),
        issued_by=issued_by,
        replaces=replaces,
        correction_reason=correction_reason,
    )


# --- Files made in the background for one user -------------------------------------------------

#: A generated file can be fetched this long; then it is deleted (it can be made again).
GENERATED_FILE_DAYS = 7


@transaction.atomic
def generated_file_request(*, owner: Any, kind: str, params: dict[str, Any], title: str,
                           filename: str) -> GeneratedFile:
    """Record that ``owner`` asked for a file; the caller publishes the task that makes it (on commit).
    Expired files are deleted here, so that they do not pile up."""
    now = timezone.now()
    generated_files_prune(now=now)
    return GeneratedFile.objects.create(
        owner=owner, kind=kind, params=params, title=title, filename=filename, requested_at=now,
        expires_at=now + dt.timedelta(days=GENERATED_FILE_DAYS),
    )


def generated_file_complete(*, file_id: int, content: bytes) -> bool:
    """Store the made file; False when it was already finished (a task run twice keeps the first)."""
    now = timezone.now()
    return bool(GeneratedFile.objects.filter(pk=file_id, status=GeneratedFileStatus.QUEUED).update(
        status=GeneratedFileStatus.READY, content=content, size=len(content), finished_at=now,
    ))


def generated_file_fail(*, file_id: int, error: str) -> bool:
    """Say why the file could not be made (a Japanese message for its owner)."""
    return bool(GeneratedFile.objects.filter(pk=file_id, status=GeneratedFileStatus.QUEUED).update(
        status=GeneratedFileStatus.FAILED, error=error[:300], finished_at=timezone.now(),
    ))


def generated_files_prune(*, now: dt.datetime | None = None) -> int:
    """Delete the generated files past their expiry."""
    deleted, _ = GeneratedFile.objects.filter(expires_at__lt=now or timezone.now()).delete()
    return deleted


def generated_files_to_announce(*, owner: Any) -> list[GeneratedFile]:
    """The owner's files finished since they were last told, marked as told (each is told once)."""
    with transaction.atomic():
        files = list(GeneratedFile.objects.select_for_update(skip_locked=True).filter(
            owner=owner, announced=False).exclude(status=GeneratedFileStatus.QUEUED).defer("content"))
        GeneratedFile.objects.filter(pk__in=[f.pk for f in files]).update(announced=True)
    return files
