"""Guards every admin page gets, whichever app or package registered it (config/admin_site.py)."""

from __future__ import annotations

import re
from contextvars import ContextVar
from typing import Any

from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest

from .validators import BIRTH_MIN, EVENT_MAX

# Lookups whose value is a date, a datetime or a year; month, day, week day … are small numbers.
_YEAR_VALUED = {None, "exact", "gt", "gte", "lt", "lte", "range", "in", "date", "year", "iso_year"}
_LEADING_YEAR = re.compile(r"\s*(-?\d+)")


def _date_field(model: type[models.Model], parts: list[str]) -> tuple[models.Field | None, str | None]:
    """The date field a lookup path ends on (following relations), and the lookup after it."""
    for index, name in enumerate(parts):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return None, None
        if field.is_relation and field.related_model is not None:
            model = field.related_model
            continue
        if isinstance(field, models.DateField):  # DateTimeField too
            rest = parts[index + 1:]
            return field, (rest[0] if rest else None)
        return None, None
    return None, None


def out_of_range(model: type[models.Model], key: str, value: str) -> bool:
    """Whether a list's query names a year no record can have (it would overflow, not filter)."""
    field, lookup = _date_field(model, key.split("__"))
    if field is None or lookup not in _YEAR_VALUED:
        return False
    for part in value.split(","):
        match = _LEADING_YEAR.match(part)
        if match and not BIRTH_MIN.year <= int(match.group(1)) <= EVENT_MAX.year:
            return True
    return False


class DateLookupGuardMixin:
    """A list filtered by a date (the date drill-down ``?created_at__year=…``, or any
    ``?date_joined__gte=…`` typed into the address) only for years a record can have.

    Django turns such a value into an aware datetime and converts it to UTC: year 1 overflows in
    Asia/Tokyo (on SQLite, as a 500), and year 9999 has no following year. A year outside
    1868–2100 is an invalid lookup instead, which the admin answers by going back to the list
    (``?e=1``).
    """

    model: type[models.Model]

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        for key, values in request.GET.lists():
            if any(out_of_range(self.model, key, value) for value in values):
                raise IncorrectLookupParameters(f"{key}: a year out of range")
        return super().get_changelist_instance(request)  # type: ignore[misc]


# --- Links to related objects on change pages ---------------------------------------------------
# A read-only foreign key on a change page is shown by Django as a link to the related object's
# change page, without asking whether the user may open it: a secretariat reading a membership was
# offered its organisation, which its scope does not include (404). While a change page renders,
# the request is known here, and a related object the user cannot open is shown as plain text.

_rendering: ContextVar[HttpRequest | None] = ContextVar("admin_change_form_request", default=None)
_django_get_admin_url = helpers.AdminReadonlyField.get_admin_url


def _get_admin_url(self: helpers.AdminReadonlyField, remote_field: Any, remote_obj: models.Model) -> Any:
    request = _rendering.get()
    related_admin = self.model_admin.admin_site._registry.get(remote_field.model) if self.model_admin else None
    if request is not None and related_admin is not None and not (
        related_admin.has_view_or_change_permission(request, remote_obj)
        and related_admin.get_queryset(request).filter(pk=remote_obj.pk).exists()
    ):
        return str(remote_obj)
    return _django_get_admin_url(self, remote_field, remote_obj)


def install_related_link_guard() -> None:
    """Called once from MunicipalityConfig.ready."""
    helpers.AdminReadonlyField.get_admin_url = _get_admin_url  # type: ignore[method-assign]


class RelatedLinkGuardMixin:
    """Render the change page while the request is known, so related links can be checked."""

    def render_change_form(self, request: HttpRequest, context: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        response = super().render_change_form(request, context, *args, **kwargs)  # type: ignore[misc]
        token = _rendering.set(request)
        try:
            response.render()
        finally:
            _rendering.reset(token)
        return response
