"""The disclosure register of a case: every time its information left the assigned team, to whom,
what (the items' names, never their contents), when, and on which legal basis.

What a person asking 「自分の情報を誰に伝えたか」 (開示請求) needs, and what the 監査 role checks.
Each kind of disclosure is a *source*: a function from a case to its rows, kept next to the records
it reads and listed in ``SOURCES`` below. A new way of sharing case information adds its source here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from municipality.wareki import format_wareki

from . import legal_bases


@dataclass(frozen=True)
class Disclosure:
    at: dt.datetime | dt.date   # when the information was shared
    kind: str                   # 連携シート, 重層的支援会議, 支援会議, マスクなしの出力 …
    to: str                     # the recipients (agencies, attendees), as recorded
    what: str                   # the items shared, by name (never the values)
    basis: str                  # a code of consultations.legal_bases
    basis_detail: str = ""      # the consent relied on, the body and its meeting …
    url: str = ""               # the record of the disclosure, for those who may open it

    @property
    def basis_label(self) -> str:
        return legal_bases.label(self.basis)

    @property
    def local_date(self) -> dt.date:
        """The day in Asia/Tokyo (a datetime is stored in UTC: 8:00 in Tokyo is the day before there)."""
        return timezone.localdate(self.at) if isinstance(self.at, dt.datetime) else self.at

    @property
    def sort_key(self) -> dt.datetime:
        """Local wall time, so that a meeting's day and a sheet's moment sort on one calendar."""
        if isinstance(self.at, dt.datetime):
            return timezone.localtime(self.at).replace(tzinfo=None)
        return dt.datetime.combine(self.at, dt.time.min)


Source = Callable[[Any], Iterable[Disclosure]]

# Each kind of disclosure: (the source function's dotted path). Imported lazily so that this module
# imports no view or service.
SOURCES: list[str] = [
    "consultations.evacuation.disclosures",
    "consultations.disclosures.approval_disclosures",
    "consultations.disclosure_sources.conferences",
    "consultations.disclosure_sources.support_meetings",
    "consultations.disclosure_sources.referrals",
    "consultations.disclosure_sources.reads_by_agencies",
]


def disclosures_of(case: Any) -> list[Disclosure]:
    """Every disclosure of the case, newest first."""
    from django.utils.module_loading import import_string

    rows: list[Disclosure] = []
    for path in SOURCES:
        source: Source = import_string(path)
        rows.extend(source(case))
    return sorted(rows, key=lambda d: d.sort_key, reverse=True)


def approval_disclosures(case: Any) -> Iterable[Disclosure]:
    """マスクなしの出力: each approval that was USED (a PDF left with the named 要配慮 items)."""
    from django.urls import reverse

    from .models import OutputApproval

    used = (OutputApproval.objects.filter(case=case, used_at__isnull=False)
            .select_related("consent", "used_by", "agency__organisation").order_by("used_at", "pk"))
    for approval in used:
        assert approval.used_at is not None
        detail = f"承認番号 {approval.pk}"
        if approval.consent is not None:
            detail += f"・{format_wareki(approval.consent.given_on)}の本人同意"
        yield Disclosure(
            at=approval.used_at, kind=f"マスクなしの出力（{approval.get_output_display()}）",
            to=(approval.recipient if approval.agency is None or approval.recipient.startswith(str(approval.agency))
                else f"{approval.agency}：{approval.recipient}"), what="、".join(approval.item_labels), basis=approval.basis,
            basis_detail=detail, url=f"{reverse('cases:detail', args=[case.pk])}#approvals")
