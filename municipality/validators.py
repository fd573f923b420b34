"""The one check for every date the application accepts.

A date outside a sane range is a typing slip (year 0001 from a cleared field, 9999 from a held-down
key, 20266 from a browser that lets the year run on) and breaks what comes after it: 和暦 labels,
年度 sums, ``date + timedelta`` near ``date.max``, PostgreSQL's conversion of an aware datetime of
year 1 to UTC. Every model date field carries one of these validators (so ModelForms and the admin
check it), the portal's plain form fields use the form fields in ``municipality.forms``, and
services call :func:`require_event_date` / :func:`require_birth_date` for dates that come from
elsewhere (commands, imports, other services).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from municipality.errors import DomainError

# Events (meetings, consents, activities, contracts, notices, certificates, terms): the long-term
# care insurance and its 計画期間 begin in 年度 2000, and nothing the application records happens
# before it; 2100 leaves room for any expiry date while keeping every ``+ timedelta`` and
# ``date(year + 1, …)`` far from ``date.max``.
EVENT_MIN = dt.date(2000, 1, 1)
EVENT_MAX = dt.date(2100, 12, 31)
EVENT_MESSAGE = f"{EVENT_MIN.year}年から{EVENT_MAX.year}年までの日付を入力してください。"

# Births: from the first day of 明治 (the oldest era the 和暦 table knows) to today.
BIRTH_MIN = dt.date(1868, 1, 1)
BIRTH_MESSAGE = f"生年月日は{BIRTH_MIN.year}年（明治元年）から今日までの日付を入力してください。"


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    # The calendar day as written, without a time-zone conversion: converting an aware datetime
    # of year 1 or 9999 is itself what overflows.
    return value.date() if isinstance(value, dt.datetime) else value


def is_event_date(value: dt.date | dt.datetime) -> bool:
    return EVENT_MIN <= _as_date(value) <= EVENT_MAX


def is_birth_date(value: dt.date | dt.datetime) -> bool:
    return BIRTH_MIN <= _as_date(value) <= timezone.localdate()


def validate_event_date(value: dt.date | dt.datetime | None) -> None:
    """Validator for every event date and datetime field (models and forms)."""
    if value is not None and not is_event_date(value):
        raise ValidationError(EVENT_MESSAGE, code="date_range")


def validate_birth_date(value: dt.date | dt.datetime | None) -> None:
    """Validator for birth dates: 明治 to today."""
    if value is not None and not is_birth_date(value):
        raise ValidationError(BIRTH_MESSAGE, code="date_range")


def require_event_date(value: dt.date | dt.datetime | None, *, label: str) -> None:
    """The same check for a service: a date out of range is refused with a DomainError naming it."""
    if value is not None and not is_event_date(value):
        raise DomainError(f"{label}：{EVENT_MESSAGE}")


def require_birth_date(value: dt.date | dt.datetime | None, *, label: str = "生年月日") -> None:
    if value is not None and not is_birth_date(value):
        raise DomainError(f"{label}：{BIRTH_MESSAGE}")


def require_event_dates(dates: Mapping[str, dt.date | dt.datetime | None]) -> None:
    """:func:`require_event_date` for several dates at once, given as {label: date}."""
    for label, value in dates.items():
        require_event_date(value, label=label)


# --- Length of free text -------------------------------------------------------------------

def text_limits(model: str, **limits: int) -> list[models.CheckConstraint]:
    """Database checks for the TextFields of a model, e.g. ``text_limits("activity", narrative=4000)``.

    A CharField's max_length is a varchar on PostgreSQL; a TextField's (given to the field too,
    so that forms and the admin say it first) is enforced here, on every database.
    """
    return [
        models.CheckConstraint(
            condition=LessThanOrEqual(Length(field), limit),
            name=f"{model}_{field}_max_length",
            violation_error_message=f"{limit:,}文字以内で入力してください。",
        )
        for field, limit in limits.items()
    ]
