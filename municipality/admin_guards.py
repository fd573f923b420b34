"""Guards every admin page gets, whichever app or package registered it (config/admin_site.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.options import IncorrectLookupParameters
from django.http import HttpRequest

from .validators import EVENT_MAX, EVENT_MIN


class DateHierarchyGuardMixin:
    """A list's date drill-down (``?created_at__year=…``) only for years the application records.

    Django builds the year's bounds as datetimes and converts them to UTC: year 1 overflows in
    Asia/Tokyo, and year 9999 has no following year, both as a 500. A year outside the event range
    is an invalid lookup instead, which the admin answers by going back to the list (``?e=1``).
    """

    date_hierarchy: str | None

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        if self.date_hierarchy:
            value = request.GET.get(f"{self.date_hierarchy}__year")
            if value is not None:
                try:
                    year = int(value)
                except ValueError:
                    year = 0
                if not EVENT_MIN.year <= year <= EVENT_MAX.year:
                    raise IncorrectLookupParameters(f"year {value!r} out of range")
        return super().get_changelist_instance(request)  # type: ignore[misc]
