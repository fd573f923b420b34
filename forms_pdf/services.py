"""Issuing documents: render once from a snapshot, store both, never touch them again.

Only for issued documents (see forms_pdf.kinds); a live report calls render_pdf alone.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone

from .kinds import DocumentKind, kind_for
from .models import IssuedDocument
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
