from django.http import HttpRequest, HttpResponse

from municipality.scoping import get_visible_or_404

from .models import IssuedDocument


def pdf_response(filename: str, content: bytes, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def document_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """An issued document exactly as it was issued, for whoever may see it (others: 404)."""
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path())
    document = get_visible_or_404(IssuedDocument, request.user, pk=pk)
    return pdf_response(document.filename, bytes(document.pdf))
