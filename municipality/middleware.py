"""Response headers the whole site needs."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class PrivacyHeadersMiddleware:
    """Pages and downloads hold personal data: no browser or proxy may keep a copy
    (``Cache-Control: no-store``, so the back button after logging out or a shared computer's cache
    shows nothing). A response that chose its own caching keeps it: static files (WhiteNoise sets
    theirs), the public meeting page and its calendar feed. Every response also gives up the browser
    features the site never uses (``Permissions-Policy``, settings.PERMISSIONS_POLICY)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        return response


class OneReadEntryPerRecordMiddleware:
    """A page's reads of case records are written at the end of the request, one audit entry per
    record with every field the page read of it (municipality/audit.py ``note_read``): the case list
    that shows an urgent case in its urgent section and in its list logs one read of it, not two.
    Every entry the request writes carries its id (要求ID, ``audit.request_id``). After auditlog's
    middleware, so that the entries carry the request's address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from .audit import one_entry_per_record_read

        with one_entry_per_record_read():
            return self.get_response(request)
