from django.http import Http404, HttpRequest, HttpResponse

from municipality.access import role_required
from municipality.roles import Role
from municipality.scoping import get_visible_or_404

from .models import DocumentKind, IssuedDocument


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
    if document.kind == DocumentKind.CERTIFICATE:
        # A void certificate is served stamped 無効 (and never to its holder); the stored bytes stay as issued.
        from coordinators import certificates_print
        from coordinators.models import Certificate

        certificate = Certificate.objects.select_related("coordinator").filter(document=document).first()
        if certificate is not None:
            if certificates_print.is_withheld_from(certificate, request.user):
                raise Http404("ページが見つかりません。")
            certificate.document = document
            rendered = certificates_print.render_card(certificate)
            return pdf_response(rendered.filename, rendered.content)
    return pdf_response(document.filename, bytes(document.pdf))
