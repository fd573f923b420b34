"""How the admin shows a date: 和暦, like the portal and the forms (issue 16, must-have 4).

Django's admin writes every date and datetime it shows through ``display_for_field`` (a model
field: list cells, read-only fields of change pages) and ``display_for_value`` (what a list
column's method returns), which format with the locale's DATE_FORMAT (2026年11月30日). A format
string cannot say 令和, so ``install()`` (called once, from ``MunicipalityConfig.ready``) wraps the
two functions where the admin reads them; this is the one patch, and every registered admin, the
installed packages' included, gets it:

- a date: 令和8年11月30日;
- a datetime: 令和8年11月16日 10:05, Tokyo time, without seconds; the audit log's times keep
  their seconds (令和8年11月16日 10:05:09), since an auditor orders events by them;
- a date field named ``month`` (a monthly report's month, stored as its first day): 令和8年10月;
- an integer field named ``fiscal_year``: 令和8年度 (not 2,026), in list cells and in a list filter on
  it (``FiscalYearListFilter``, registered for every such field).

A file field (a photo) reads 登録済み instead of a link to its MEDIA_URL, which nothing serves.
Everything else is Django's. Dates typed into forms stay ISO (``<input type="date" lang="ja">``,
see ``DateInputAdminMixin``), which the browser shows in Japanese.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.admin import helpers, utils
from django.contrib.admin.filters import AllValuesFieldListFilter, FieldListFilter
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.widgets import AdminDateWidget, AdminSplitDateTime
from django.db import models
from django.http import HttpRequest

from municipality import wareki

_SECONDS_KEPT = {"auditlog.logentry"}


def wareki_display(value: object, field: models.Field | None = None) -> str | None:
    """The 和暦 text of a date, a datetime, a month or a 年度; None for any other value."""
    if field is not None and isinstance(field, models.IntegerField) and field.name == "fiscal_year":
        return wareki.fiscal_year_label(value) if isinstance(value, int) else None
    if isinstance(value, dt.datetime):
        model = getattr(field, "model", None)
        seconds = model is not None and model._meta.label_lower in _SECONDS_KEPT
        return wareki.format_wareki_datetime(value, seconds=seconds)
    if isinstance(value, dt.date):
        if field is not None and field.name == "month":
            return wareki.format_wareki_month(value)
        return wareki.format_wareki(value)
    return None


_django_display_for_field = utils.display_for_field
_django_display_for_value = utils.display_for_value


def display_for_field(value: Any, field: models.Field, empty_value_display: str, avoid_link: bool = False) -> Any:
    if isinstance(field, models.FileField):
        # Django links a file by its MEDIA_URL, which nothing serves here (photos are personal data,
        # served only through their own access-checked pages): say that there is one instead.
        return "登録済み" if value else empty_value_display
    if value is not None and not getattr(field, "flatchoices", None):
        text = wareki_display(value, field)
        if text is not None:
            return text
    return _django_display_for_field(value, field, empty_value_display, avoid_link)


def display_for_value(value: Any, empty_value_display: str, boolean: bool = False) -> Any:
    if not boolean:
        text = wareki_display(value)
        if text is not None:
            return text
    return _django_display_for_value(value, empty_value_display, boolean)


class FiscalYearListFilter(AllValuesFieldListFilter):
    """A list filter on a 年度 field: 令和8年度, not 2026 (the query keeps the Western year)."""

    def choices(self, changelist: Any) -> Any:
        for choice in super().choices(changelist):
            display = str(choice["display"])
            year, _, rest = display.partition(" ")
            if year.isdigit():
                choice = {**choice, "display": f"{wareki.fiscal_year_label(int(year))}{' ' + rest if rest else ''}"}
            yield choice


def install() -> None:
    """Wrap the two functions in the modules that call them (they import them by name), and name
    the 年度 of a list filter in 和暦."""
    FieldListFilter.register(lambda f: isinstance(f, models.IntegerField) and f.name == "fiscal_year",
                             FiscalYearListFilter, take_priority=True)
    for module in (utils, helpers, admin_list):
        if hasattr(module, "display_for_field"):
            module.display_for_field = display_for_field
        if hasattr(module, "display_for_value"):
            module.display_for_value = display_for_value


class DateInput(forms.DateInput):
    """The admin's date box: the browser's own date picker, in Japanese, with an ISO value."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs={"lang": "ja", **(attrs or {})}, format="%Y-%m-%d")


class DateInputAdminMixin:
    """Every admin's date fields are ``<input type="date" lang="ja">`` instead of the admin's text
    box with its calendar (whose dates read 2026-11-30); a datetime's date and time boxes get
    ``lang="ja"``. Added to every registered admin by config/admin_site.py."""

    def formfield_for_dbfield(self, db_field: models.Field, request: HttpRequest, **kwargs: Any) -> Any:
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        if formfield is None:
            return None
        widget = formfield.widget
        inner = getattr(widget, "widget", None)  # the related-object wrapper never wraps a date
        if isinstance(widget, AdminDateWidget) or isinstance(inner, AdminDateWidget):
            formfield.widget = DateInput()
        elif isinstance(widget, AdminSplitDateTime):
            for part in widget.widgets:
                part.attrs["lang"] = "ja"
        return formfield
