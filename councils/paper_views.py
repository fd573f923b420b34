"""Serving a meeting's papers: to its secretariat (portal), to its invitees by their invitation's
token, and, for papers marked public of a public meeting, to everyone. Anyone else: 404."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse

from municipality.downloads import content_disposition

from .models import Paper
from .paper_files import KINDS

INLINE = {"pdf", "png", "jpeg"}  # a browser shows these itself; office files are saved


def serve(paper: Paper, *, public: bool = False) -> HttpResponse:
    """The stored bytes under the original (Japanese) name, with the content type of the kind the
    content was checked to be, never guessed by the browser."""
    try:
        handle = paper.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("資料のファイルが見つかりません。") from exc
    response = FileResponse(handle, content_type=KINDS[paper.kind].content_type)
    response["Content-Disposition"] = content_disposition(paper.original_name,
                                                          as_attachment=paper.kind not in INLINE)
    response["Content-Length"] = str(paper.size)
    response["X-Content-Type-Options"] = "nosniff"
    # A paper may be withdrawn at any time: a browser may keep a public one for five minutes, no
    # shared cache keeps any, and an invitee's or the secretariat's copy is not stored at all.
    response["Cache-Control"] = "private, max-age=300" if public else "private, no-store"
    return response
