"""コーディネーター証 on A4 sheets to cut: 2 × 5 cards a page, fronts then backs; and the card as served.

Built from each certificate's stored snapshot, never from today's data. A void certificate
(dismissal, reissue, return) is stamped 無効 on the front and the back of its card wherever it is
rendered: the stored document stays as issued, the stamp is added when the PDF is served.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import Http404, HttpResponse

from forms_pdf.rendering import RenderedDocument, render_pdf
from forms_pdf.views import pdf_response
from municipality.models import Municipality
from municipality.wareki import format_wareki

from .models import Certificate, CertificateStatus, DismissalNotice

COLUMNS, ROWS = 2, 5
PER_SHEET = COLUMNS * ROWS


def sheets_of(cards: list[dict]) -> list[dict]:
    """Split cards into sheets. Backs swap the columns of each row, so duplex printing
    (flipped on the long edge) puts each back behind its own front."""
    sheets = []
    for start in range(0, len(cards), PER_SHEET):
        chunk = cards[start:start + PER_SHEET]
        fronts = chunk + [None] * (PER_SHEET - len(chunk))
        backs = []
        for row in range(ROWS):
            backs.extend(reversed(fronts[row * COLUMNS:(row + 1) * COLUMNS]))
        sheets.append({"fronts": fronts, "backs": backs})
    return sheets


# A certificate that ended early: 様式第2号 裏面5 says it goes back to the city. An expired one is
# not stamped: the card itself states until when it was valid.
VOID_STATUSES = frozenset({CertificateStatus.RETURNED, CertificateStatus.UNRETURNED, CertificateStatus.REPLACED})


def is_void(certificate: Certificate) -> bool:
    return certificate.status in VOID_STATUSES


def void_reason(certificate: Certificate) -> str:
    """What the stamp says under 無効, e.g. 令和8年10月31日 解任."""
    if certificate.status == CertificateStatus.REPLACED:
        cause = "再交付"
    elif DismissalNotice.objects.filter(appointment_id=certificate.appointment_id).exists():
        cause = "解任"
    else:  # the appointment ended with its contract (契約の解除), not by a 解任届
        cause = "契約の解除"
    day = f"{format_wareki(certificate.invalidated_on)} " if certificate.invalidated_on else ""
    return f"{day}{cause}により無効"


def card_of(certificate: Certificate) -> dict[str, Any]:
    """The stored snapshot as printed today: a void card carries its stamp."""
    card = dict(certificate.document.snapshot)
    if is_void(certificate):
        card["void"] = void_reason(certificate)
    return card


def is_withheld_from(certificate: Certificate, user: Any) -> bool:
    """The holder no longer gets a void card (it must be handed back); the city and the
    employer still see it in the history, stamped."""
    return is_void(certificate) and certificate.coordinator.user_id is not None \
        and certificate.coordinator.user_id == user.pk


def render_card(certificate: Certificate) -> RenderedDocument:
    """The card as served: the stored bytes while valid, re-rendered from the snapshot with the
    無効 stamp once void (the stored document is never changed)."""
    document = certificate.document
    if not is_void(certificate):
        return RenderedDocument(filename=document.filename, content_type="application/pdf", content=bytes(document.pdf))
    return render_pdf("coordinators/forms/form2_certificate_card.html", {"doc": card_of(certificate)},
                      filename=document.filename.removesuffix(".pdf") + "-void.pdf")


def serve_document(document: Any, user: Any) -> HttpResponse | None:
    """How /portal/documents/<id>.pdf serves a 様式第2号 (the kind's serve hook): stamped once void,
    and never to a void card's holder (404). None (the stored bytes) if no certificate holds it."""
    certificate = Certificate.objects.select_related("coordinator").filter(document=document).first()
    if certificate is None:
        return None
    if is_withheld_from(certificate, user):
        raise Http404("ページが見つかりません。")
    certificate.document = document
    rendered = render_card(certificate)
    return pdf_response(rendered.filename, rendered.content)


def render_snapshots(cards: list[dict], *, title: str, filename: str) -> RenderedDocument:
    return render_pdf(
        "coordinators/forms/form2_certificate_sheet.html",
        {"title": title, "sheets": sheets_of(cards)},
        filename=filename,
    )


def render_sheets(certificates: Iterable[Certificate], *, title: str = "",
                  filename: str = "form2-certificates-a4.pdf") -> RenderedDocument:
    """The cards on A4 sheets; ``title`` (the PDF's title) defaults to 「<the configured term>証（台紙）」."""
    title = title or f"{Municipality.objects.current().coordinator_term}証（台紙）"
    if hasattr(certificates, "select_related"):
        certificates = certificates.select_related("document")
    cards = [card_of(certificate) for certificate in certificates]
    return render_snapshots(cards, title=title, filename=filename)
