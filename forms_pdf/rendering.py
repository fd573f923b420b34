"""HTML → PDF with WeasyPrint, once per process.

Importing WeasyPrint costs over a second and every FontConfiguration holds its own
font cache, so both are made once per process and shared (see NOTES.md). Fonts come
from the machine (fonts-ipaexfont, fonts-noto-cjk) and are embedded as subsets.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

_lock = threading.Lock()


@dataclass(frozen=True)
class RenderedDocument:
    filename: str
    content_type: str
    content: bytes


@cache
def _weasyprint() -> tuple[Any, Any]:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    return weasyprint, FontConfiguration()


def render_pdf(template: str, context: dict[str, Any], *, filename: str) -> RenderedDocument:
    """Render a template to PDF bytes. Images and fonts are read from local files only."""
    weasyprint, fonts = _weasyprint()
    html = render_to_string(template, context)
    # One render at a time per process: the shared font configuration is not thread-safe.
    with _lock:
        content = weasyprint.HTML(
            string=html, base_url=str(settings.BASE_DIR), url_fetcher=_local_only_fetcher
        ).write_pdf(font_config=fonts)
    return RenderedDocument(filename=filename, content_type="application/pdf", content=content)


def _local_only_fetcher(url: str, *args: Any, **kwargs: Any) -> dict:
    """Refuse anything that is not a local file or inline data: no request leaves the machine."""
    import weasyprint

    if url.startswith(("file://", "data:")):
        return weasyprint.default_url_fetcher(url, *args, **kwargs)
    raise ValueError(f"外部の資源は読み込みません: {url}")
