"""HTML → PDF with WeasyPrint, once per process.

Importing WeasyPrint costs 1.1–1.4 s and every FontConfiguration holds its own font cache
(memory crept up with one per render, stayed flat with one shared: measured on the 2-core
machine), so both are made once per process and shared. Fonts come
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
def _weasyprint() -> tuple[Any, Any, Any]:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    # Only local files and inline data: no request ever leaves the machine, and a
    # missing image or font stops the rendering instead of printing a form without it.
    fetcher = URLFetcher(allowed_protocols={"file", "data"}, fail_on_errors=True)
    return weasyprint, FontConfiguration(), fetcher


def render_pdf(template: str, context: dict[str, Any], *, filename: str) -> RenderedDocument:
    """Render a template to PDF bytes. Images and fonts are read from local files only."""
    return html_to_pdf(render_to_string(template, context), filename=filename)


def html_to_pdf(html: str, *, filename: str) -> RenderedDocument:
    """PDF bytes from HTML already rendered (for callers that check the HTML first)."""
    weasyprint, fonts, fetcher = _weasyprint()
    # One render at a time per process: the shared font configuration is not thread-safe.
    with _lock:
        content = weasyprint.HTML(
            string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher
        ).write_pdf(font_config=fonts)
    return RenderedDocument(filename=filename, content_type="application/pdf", content=content)

