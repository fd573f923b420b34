from django.http import HttpRequest, HttpResponse

from municipality.access import role_required
from municipality.roles import Role
from municipality.scoping import get_visible_or_404

from .models import IssuedDocument


def pdf_response(filename: str, content: bytes, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.CONTRACTOR, Role.CITY_STAFF, Role.AUDITOR)
def document_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """An issued document exactly as it was issued, for whoever may see it (others: 404)."""
    document = get_visible_or_404(IssuedDocument, request.user, pk=pk)
    return pdf_response(document.filename, bytes(document.pdf))
