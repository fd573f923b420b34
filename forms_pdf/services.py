"""Issuing documents: render once from a snapshot, store both, never touch them again."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import DocumentKind, IssuedDocument
from .rendering import render_pdf

TEMPLATES = {
    DocumentKind.APPOINTMENT_NOTICE: "forms_pdf/form1_appointment.html",
    DocumentKind.CERTIFICATE: "forms_pdf/form2_certificate_card.html",
    DocumentKind.DISMISSAL_NOTICE: "forms_pdf/form3_dismissal.html",
}


@transaction.atomic
def document_issue(
    *,
    kind: DocumentKind,
    title: str,
    snapshot: dict[str, Any],
    filename: str,
    organisation: Any = None,
    issued_by: Any = None,
    replaces: IssuedDocument | None = None,
    correction_reason: str = "",
) -> IssuedDocument:
    """Render a document from its snapshot and store the snapshot and the PDF together."""
    rendered = render_pdf(TEMPLATES[kind], {"doc": snapshot}, filename=filename)
    return IssuedDocument.objects.create(
        kind=kind,
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
