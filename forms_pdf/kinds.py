"""The kinds of issued documents, declared by the apps that issue them.

Two kinds of PDF exist in this project, and a new one takes exactly one of two paths:

- An **issued document** is an official paper handed over or filed at a moment: a notice filed
  (様式第1号 選任届出書, 様式第3号 解任届出書) or a certificate issued (様式第2号). It is rendered
  once from a snapshot of its data, stored with that snapshot as an ``IssuedDocument`` through
  ``forms_pdf.services.document_issue`` and never re-rendered from later data; a correction is a
  new document. Its kind is declared with ``register_kind`` by the app that issues it, in that
  app's ``documents.py`` (see coordinators/documents.py), with its template in that app's
  templates.

- A **live report** shows today's data and is rendered on each request with
  ``forms_pdf.rendering.render_pdf`` and nothing else: blank forms, the monthly activity report,
  a council's notice, minutes and roster, a case's PDF. It is never stored and needs no kind.

``forms_pdf`` knows no kind by name and imports no domain app: the generic download view
(``/portal/documents/<id>.pdf``) asks the kind's ``serve`` hook, if it declares one, how to
serve a document to a user (e.g. a void certificate stamped 無効, and withheld from its holder).
Kinds are found the way roles are: each installed app's ``documents.py`` is imported once,
on the first look-up.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

from municipality.discovery import app_modules

if TYPE_CHECKING:
    from django.http import HttpResponse

    from .models import IssuedDocument

# Given a document the user may see (its organisation's scope is already checked), return the
# response to send, raise Http404 to withhold it, or return None to send the stored bytes.
ServeHook = Callable[["IssuedDocument", Any], "HttpResponse | None"]


@dataclass(frozen=True)
class DocumentKind:
    key: str  # stored in IssuedDocument.kind; never change it once documents exist
    label: str  # Japanese, as users see it (e.g. 様式第2号 コーディネーター証)
    template: str  # rendered with {"doc": snapshot} when the document is issued
    serve: ServeHook | None = None


_kinds: dict[str, DocumentKind] = {}
_discovered = False


def register_kind(*, key: str, label: str, template: str, serve: ServeHook | None = None) -> DocumentKind:
    """Declare a kind of issued document. Called at import time of an app's documents.py."""
    kind = DocumentKind(key=key, label=label, template=template, serve=serve)
    existing = _kinds.get(key)
    if existing is not None and (existing.label, existing.template) != (label, template):
        raise ImproperlyConfigured(f"Document kind {key!r} is declared twice.")
    if len(key) > 10:  # IssuedDocument.kind is max_length=10
        raise ImproperlyConfigured(f"Document kind key {key!r} is longer than 10 characters.")
    _kinds[key] = kind
    return kind


def discover() -> None:
    """Import each installed app's documents.py once, so that every kind is declared."""
    global _discovered
    if _discovered:
        return
    for _module in app_modules("documents"):  # importing a documents.py registers its kinds
        pass
    _discovered = True


def kind_for(key: str) -> DocumentKind:
    """The declared kind of this key (LookupError when no installed app declares it)."""
    discover()
    try:
        return _kinds[key]
    except KeyError:
        raise LookupError(f"No installed app declares the document kind {key!r}.") from None


def all_kinds() -> list[DocumentKind]:
    discover()
    return sorted(_kinds.values(), key=lambda kind: kind.key)


def label_of(key: str) -> str:
    """The Japanese label of a stored kind; the raw key if no installed app declares it any more."""
    try:
        return kind_for(key).label
    except LookupError:
        return key
