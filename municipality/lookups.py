"""Lookups the apps share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Lookup
from django.db.models.lookups import In


class AnyOf(Lookup):
    """``column IN (values)`` for a list of any length, given as ``filter(AnyOf(F("col"), values))``.

    On PostgreSQL it is ``column = ANY(%s)`` with the list as one array parameter: a scan asks
    for 20,000 keys at once, and psycopg spends a third of a second finding 20,000 placeholders
    in the query text (bench/reminders.py). Elsewhere (SQLite) it is Django's ``IN``.
    """

    lookup_name = "any_of"
    prepare_rhs = False

    def __init__(self, lhs: Any, rhs: Iterable[Any]) -> None:
        super().__init__(lhs, list(rhs))

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        return compiler.compile(In(self.lhs, self.rhs))

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, self.rhs)
