"""コーディネーター証 on A4 sheets to cut: 2 × 5 cards a page, fronts then backs.

Built from each certificate's stored snapshot, never from today's data.
"""

from __future__ import annotations

from collections.abc import Iterable

from forms_pdf.rendering import RenderedDocument, render_pdf

from .models import Certificate

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


def render_snapshots(cards: list[dict], *, title: str, filename: str) -> RenderedDocument:
    return render_pdf(
        "forms_pdf/form2_certificate_sheet.html",
        {"title": title, "sheets": sheets_of(cards)},
        filename=filename,
    )


def render_sheets(certificates: Iterable[Certificate], *, title: str = "コーディネーター証（台紙）",
                  filename: str = "form2-certificates-a4.pdf") -> RenderedDocument:
    if hasattr(certificates, "select_related"):
        certificates = certificates.select_related("document")
    cards = [certificate.document.snapshot for certificate in certificates]
    return render_snapshots(cards, title=title, filename=filename)
