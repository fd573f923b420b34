"""HTML → PDF with WeasyPrint, once per process.

Importing WeasyPrint costs 1.1–1.4 s and every FontConfiguration holds its own font cache
(memory crept up with one per render, stayed flat with one shared: measured on the 2-core
machine), so both are made once per process and shared. Fonts come
from the machine (fonts-ipaexfont, fonts-noto-cjk) and are embedded as subsets.

The style sheets of a page (its ``<style>`` elements) are parsed once per process too: a form's
CSS is the same on every render, and parsing it and compiling its selectors took about a tenth
of a one-page render (issue 15, measured with cProfile). They are taken out of the HTML and given
to WeasyPrint already parsed, in the same order; with no author style sheet left, they cascade
over the user-agent sheet and under ``style`` attributes exactly as before.

Inline images (a certificate's photo is stored in its snapshot as a ``data:`` URL) are taken out
of the HTML too and handed to WeasyPrint as bytes: otherwise the HTML parser walks the 75 KB of
base64 character by character, and urllib decodes the URL through the e-mail parser, which took
more time than laying out the card itself.

Every PDF is written as PDF/UA-1 (WeasyPrint's ``pdf_variant``, issue 16): tagged, so that a
screen reader gets the headings, paragraphs and tables of the HTML, with the document's
``<title>`` as its title (shown by viewers instead of the file name) and ``<html lang>`` as its
language. Every template sets both. Issued documents keep the bytes they were issued with; only
new renders are tagged.
"""

from __future__ import annotations

import base64
import re
import threading
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

_lock = threading.Lock()

# A plain <style> element (no media or type attribute), as every PDF template writes it.
_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)
# An image given inline in a src attribute, and the short URL that stands for it while rendering.
_INLINE_IMAGE = re.compile(r'src="data:(image/[a-z0-9.+-]+);base64,([A-Za-z0-9+/=\s]+)"')
_INLINE_PREFIX = "data:,inline-image-"
# Tagged PDF with the PDF/UA-1 identification, title and language (see the module's docstring).
PDF_OPTIONS: dict[str, Any] = {"pdf_variant": "pdf/ua-1"}


@dataclass(frozen=True)
class RenderedDocument:
    filename: str
    content_type: str
    content: bytes


@cache
def _weasyprint() -> tuple[Any, Any, Any]:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class Fetcher(URLFetcher):
        """Serves the inline images of the document being rendered (``inline``, set under the lock)."""

        inline: dict[str, tuple[str, bytes]] = {}

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(_INLINE_PREFIX) and url in self.inline:
                mime_type, data = self.inline[url]
                return URLFetcherResponse(url, data, {"Content-Type": mime_type})
            return super().fetch(url, headers)

    # Only local files and inline data: no request ever leaves the machine, and a
    # missing image or font stops the rendering instead of printing a form without it.
    fetcher = Fetcher(allowed_protocols={"file", "data"}, fail_on_errors=True)
    return weasyprint, FontConfiguration(), fetcher


@lru_cache(maxsize=64)
def _stylesheet(css: str) -> Any:
    """One parsed style sheet per distinct text (a few dozen templates, each with one or two)."""
    weasyprint, fonts, fetcher = _weasyprint()
    return weasyprint.CSS(string=css, base_url=str(settings.BASE_DIR), url_fetcher=fetcher, font_config=fonts)


def render_pdf(template: str, context: dict[str, Any], *, filename: str) -> RenderedDocument:
    """Render a template to PDF bytes. Images and fonts are read from local files only."""
    return html_to_pdf(render_to_string(template, context), filename=filename)


def html_to_pdf(html: str, *, filename: str) -> RenderedDocument:
    """PDF bytes from HTML already rendered (for callers that check the HTML first)."""
    weasyprint, fonts, fetcher = _weasyprint()
    # One render at a time per process: the shared font configuration is not thread-safe.
    with _lock:
        stylesheets = [_stylesheet(css) for css in _STYLE.findall(html)]
        html, fetcher.inline = _take_out_inline_images(_STYLE.sub("", html))
        try:
            content = weasyprint.HTML(
                string=html, base_url=str(settings.BASE_DIR), url_fetcher=fetcher
            ).write_pdf(font_config=fonts, stylesheets=stylesheets, **PDF_OPTIONS)
        finally:
            fetcher.inline = {}
    return RenderedDocument(filename=filename, content_type="application/pdf", content=content)


def _take_out_inline_images(html: str) -> tuple[str, dict[str, tuple[str, bytes]]]:
    """The HTML with each inline image replaced by a short URL, and the images by those URLs.

    The same data gets the same URL, so an image repeated in a document is embedded once."""
    images: dict[str, tuple[str, bytes]] = {}
    urls: dict[str, str] = {}

    def take_out(match: re.Match[str]) -> str:
        url = urls.get(match[2])
        if url is None:
            url = urls[match[2]] = f"{_INLINE_PREFIX}{len(urls)}"
            images[url] = (match[1], base64.b64decode(match[2]))
        return f'src="{url}"'

    return _INLINE_IMAGE.sub(take_out, html), images


_WARM_UP_HTML = (
    '<html lang="ja"><title>準備</title>'
    '<p style="font-family: IPAexMincho, serif">令和 様式第1号 通知</p>'
    '<p style="font-family: IPAexGothic, sans-serif">開催通知</p>'
)


def warm_up() -> bytes:
    """Pay a process's first-render costs before it serves anyone: importing WeasyPrint, reading
    the fonts' files and tables (the first PDF of a fresh gunicorn worker took 1.8 s, the next
    ones 0.1 s). gunicorn calls it in each worker before it accepts requests
    (``config/gunicorn.py``, ``post_worker_init``). Returns the PDF it rendered."""
    return html_to_pdf(_WARM_UP_HTML, filename="warm-up.pdf").content
