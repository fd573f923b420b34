"""The coordinator's name as the municipality configured it (``Municipality.coordinator_term``).

The code and the models say 「コーディネーター」 (the role's name in seed 001); a city that calls the
role 地域支え合い推進員 must read that name on every page. Texts written into templates use
``{{ municipality.coordinator_term }}``; texts fixed in Python (model and field verbose_names, form
labels, admin actions and columns, messages) are written through ``term()``, a lazy string that
is resolved when a page is rendered:

- inside a request (``CoordinatorTermMiddleware``), with the configured term, read from the database
  once per request and only if a text needs it;
- in a Celery task (config/celery.py: task_prerun), as in a request;
- outside both (migrations, shell, commands), unchanged: the migrations keep the static text,
  so changing the setting never asks for a migration.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from functools import cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import lazy

DEFAULT = "生活支援コーディネーター"
SETTING_LABEL = "コーディネーターの名称"

# The request's term, loaded on first use (None: no request, keep the static text).
_loader: ContextVar[Callable[[], str] | None] = ContextVar("coordinator_term_loader", default=None)


def localise(text: str, term: str | None = None) -> str:
    """The text with the role named by ``term`` (the request's, if not given).

    「生活支援コーディネーター」 is the full name and 「コーディネーター」 its short form; a city that uses
    another term gets that term for both (「コーディネーター証」 → 「地域支え合い推進員証」).
    """
    if term is None:
        loader = _loader.get()
        term = loader() if loader is not None else DEFAULT
    if term == DEFAULT or "コーディネーター" not in text:
        return text
    # The setting's own name stays (the settings page and the guide name it 「コーディネーターの名称」).
    kept = "\0setting\0"
    return (text.replace(SETTING_LABEL, kept).replace("推進員（コーディネーター）", term).replace(DEFAULT, term)
            .replace("コーディネーター", term).replace(kept, SETTING_LABEL))


term = lazy(localise, str)


def current_term() -> str:
    """The configured term (the request's cached one inside a request)."""
    loader = _loader.get()
    return loader() if loader is not None else _configured()


def _configured() -> str:
    from municipality.models import Municipality

    return Municipality.objects.current().coordinator_term


class CoordinatorTermMiddleware:
    """Resolve ``term()`` texts with the configured term while a request is served."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> Any:
        token = _loader.set(cache(_configured))
        try:
            return self.get_response(request)
        finally:
            _loader.reset(token)


def activate() -> None:
    """Resolve ``term()`` texts with the configured term until ``deactivate()`` (a Celery task:
    the mails and files a worker writes read the city's term as a page does)."""
    _loader.set(cache(_configured))


def deactivate() -> None:
    _loader.set(None)
