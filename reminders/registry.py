"""How a domain app declares its reminder kinds, and how reminders/ finds them.

Each installed app may have a ``reminders.py`` with ``KINDS`` (a list of ``ReminderKind``) and
``DIGEST`` (a list of ``DigestCounts``), found the way ``municipality.roles.collect_permissions``
finds each app's ``roles.py``. The app owns the rule (what is due on a day) and the check before
sending (is it still due); reminders/ owns the outbox, the windows, the scan loop and the mail,
and imports no domain app. A new kind adds its reason to ``reminders.models.Reason``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from django.core.exceptions import ImproperlyConfigured

from municipality.discovery import app_modules

from .models import Reason

if TYPE_CHECKING:
    from .models import Delivery
    from .scan import Planned, Scan, Source

DigestPart = Literal["overdue", "upcoming"]


@dataclass(frozen=True)
class ReminderKind:
    """One reason to remind: ``due`` finds what is due on the scan's day (in a fixed number of
    queries, whatever the rows); ``still_due`` says at send time whether a queued reminder's reason
    is still there (None: always). ``digest`` puts its subjects into the weekly digest for city
    staff, as something overdue or something ending soon. A kind with many rows gives
    ``sources`` too (its reminders as queries, scan.Source): the scan then adds what is new
    inside the database, and ``due`` (reading the same queries) serves the dry run and tests."""

    reason: Reason
    due: Callable[[Scan], list[Planned]]
    still_due: Callable[[Delivery, dt.date], bool] | None = None
    digest: DigestPart | None = None
    sources: Callable[[Scan], list[Source]] | None = None

    def __post_init__(self) -> None:
        if self.sources is not None and self.digest is not None:
            raise ImproperlyConfigured(f"{self.reason}: a kind given as queries cannot be in the weekly digest")


@dataclass(frozen=True)
class DigestCounts:
    """Counted lines an app adds to the weekly digest's "対応が必要なもの" ("label n件", when n > 0);
    ``url_name`` is the page the digest links to (the first app giving one)."""

    counts: Callable[[], list[tuple[str, int]]]
    url_name: str = ""


@dataclass(frozen=True)
class Registry:
    kinds: tuple[ReminderKind, ...]
    digest: tuple[DigestCounts, ...]

    def still_due(self, reason: str) -> Callable[[Delivery, dt.date], bool] | None:
        return next((k.still_due for k in self.kinds if k.reason == reason), None)


_DIGEST_ORDER = {None: 0, "overdue": 1, "upcoming": 2}


@lru_cache(maxsize=1)
def registry() -> Registry:
    """Every installed app's kinds: those outside the digest first, then the overdue, then the
    upcoming ones, each in the order of ``Reason`` (the order mail is queued in)."""
    kinds: list[ReminderKind] = []
    digest: list[DigestCounts] = []
    for module in app_modules("reminders"):
        kinds.extend(getattr(module, "KINDS", ()))
        digest.extend(getattr(module, "DIGEST", ()))
    reasons = [k.reason for k in kinds]
    if len(set(reasons)) != len(reasons):
        raise ImproperlyConfigured(f"a reminder reason is declared twice: {sorted(reasons)}")
    order = list(Reason)
    kinds.sort(key=lambda k: (_DIGEST_ORDER[k.digest], order.index(Reason(k.reason))))
    return Registry(kinds=tuple(kinds), digest=tuple(digest))
