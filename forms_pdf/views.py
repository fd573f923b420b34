"""The generic download of an issued document; what a kind serves is asked of its declared hook."""

from django.http import HttpRequest, HttpResponse

from municipality.access import role_required
from municipality.downloads import content_disposition
from municipality.roles import Role
from municipality.scoping import get_visible_or_404

from .kinds import kind_for
from .models import IssuedDocument


def pdf_response(filename: str, content: bytes, *, inline: bool = True) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(filename, as_attachment=not inline)
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(Role.CONTRACTOR, Role.CITY_STAFF, Role.AUDITOR)
def document_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """An issued document exactly as it was issued, for whoever may see it (others: 404).

    The issuing app's kind may serve it otherwise (e.g. a void certificate stamped, and withheld
    from its holder: its hook raises Http404); the stored bytes are never changed.
    """
    document = get_visible_or_404(IssuedDocument, request.user, pk=pk)
    try:
        serve = kind_for(document.kind).serve
    except LookupError:  # a kind no installed app declares any more: the document as stored
        serve = None
    if serve is not None:
        response = serve(document, request.user)
        if response is not None:
            return response
    return pdf_response(document.filename, bytes(document.pdf))
