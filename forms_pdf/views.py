"""The generic download of an issued document; what a kind serves is asked of its declared hook."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from municipality.access import role_required
from municipality.downloads import content_disposition
from municipality.roles import Role
from municipality.scoping import get_visible_or_404

from .kinds import kind_for
from .models import GeneratedFile, GeneratedFileStatus, IssuedDocument


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


def _own_files(request: HttpRequest):
    """A generated file is its owner's alone (others, city staff included, get 404), until it expires."""
    return GeneratedFile.objects.filter(owner=request.user, expires_at__gte=timezone.now())


@role_required(*Role)
def generated_file_list(request: HttpRequest) -> HttpResponse:
    """出力したファイル: what the user asked to be made in the background, and whether it is ready."""
    files = list(_own_files(request).defer("content")[:50])
    return render(request, "forms_pdf/generated_file_list.html", {
        "files": files, "ready": GeneratedFileStatus.READY,
        "queued_any": any(f.status == GeneratedFileStatus.QUEUED for f in files),
    })


@role_required(*Role)
def generated_file_download(request: HttpRequest, pk: int) -> HttpResponse:
    generated = _own_files(request).filter(pk=pk, status=GeneratedFileStatus.READY).first()
    if generated is None:
        raise Http404("ページが見つかりません。")
    return pdf_response(generated.filename, bytes(generated.content), inline=False)
