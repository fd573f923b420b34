"""避難行動要支援者 (災害対策基本法 第49条の10〜第49条の11; seed 004 5.2(4)): reads for the case page,
the team lead's export page, and the disclosure register's rows.

The agreement (EvacuationListing) and each export (EvacuationExport) are recorded by services; an
export goes only to one kind of 避難支援等関係者, holds only the items 第49条の10第2項 allows, and only
for persons whose current agreement names that recipient (services.evacuation_export).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from . import legal_bases
from .disclosures import Disclosure
from .models import EvacuationExport, EvacuationListing, EvacuationRecipient, is_team_lead


def listings_of(case: Any) -> QuerySet[EvacuationListing]:
    return EvacuationListing.objects.filter(case=case).select_related("recorded_by").order_by("-agreed_on", "-pk")


def exports_of_team(user: Any) -> QuerySet[EvacuationExport]:
    """The exports of the lead's team (organisation); nothing for anyone else."""
    if not is_team_lead(user):
        return EvacuationExport.objects.none()
    return (EvacuationExport.objects.filter(organisation_id=user.organisation_id)
            .select_related("exported_by").prefetch_related("cases").order_by("-exported_at", "-pk"))


def disclosures(case: Any) -> Iterable[Disclosure]:
    """Each export of the listing that named this case (source for disclosures.SOURCES)."""
    from .services import EVACUATION_COLUMNS

    for export in EvacuationExport.objects.filter(cases=case).select_related("exported_by").order_by("exported_at"):
        yield Disclosure(
            at=export.exported_at, kind="避難行動要支援者名簿の提供",
            to=EvacuationRecipient(export.recipient).label,
            what="、".join(EVACUATION_COLUMNS), basis=legal_bases.EVACUATION,
            basis_detail=f"出力：{export.exported_by.name}（提供の記録 {export.pk}）",
            url=reverse("cases:evacuation_export_xlsx", args=[export.pk]),
        )
