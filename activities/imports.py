"""The 社会資源 ledger (see municipality/importing.py). Its headers are those of the portal's
export, so a file exported from one city's list imports into another."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from municipality.errors import DomainError
from municipality.importing import NEW, UPDATE, Column, Ledger, cached, register_ledger
from municipality.models import Area

from . import services
from .models import PUBLIC_LISTING_FIELDS, ProviderKind, ResourceStatus, SocialResource


def _area(text: str) -> Area:
    return cached(("area", text), lambda: _find_area(text))


def _find_area(text: str) -> Area:
    areas = list(Area.objects.filter(Q(code=text) | Q(name=text))[:2])
    if not areas:
        raise DomainError(f"区域「{text}」が登録されていません。区域コードか区域名で書いてください。")
    if len(areas) > 1 and areas[0].code != text:
        raise DomainError(f"区域名「{text}」の区域が2つあります。区域コードで書いてください。")
    return areas[0]


def _save_resource(values: dict[str, Any], by: Any) -> str:
    area = _area(values["area"])
    resource = SocialResource.objects.filter(name=values["name"], area=area).order_by("pk").first()
    action = NEW if resource is None else UPDATE
    resource = resource or SocialResource(name=values["name"], area=area)
    resource.provider_kind, resource.offers, resource.contact = values["provider_kind"], values["offers"], values["contact"]
    resource.status = values["status"] or ResourceStatus.ACTIVE
    try:  # the checks of the portal's form (a ModelForm), then the service the form calls
        # The area was just found; the public listing's fields are not in the file (what is listed
        # publicly is decided in the portal), so their database checks are not asked for each row.
        resource.full_clean(exclude=["area", "registered_by", *PUBLIC_LISTING_FIELDS])
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages)) from exc
    services.resource_save(resource=resource, by=by)
    return action


RESOURCES = register_ledger(Ledger(
    key="resources", label="社会資源", order=60, model="activities.socialresource",
    note="社会資源1つを1行に（名称と区域が同じ行は同じ資源として更新します）。社会資源一覧の出力と同じ見出しです。",
    identity=("name", "area"),
    describe=lambda v: f"{v['name']}（{v['area']}）",
    columns=(
        Column("名称", "name", required=True, example="ふれあいサロン汐見"),
        Column("提供主体の種類", "provider_kind", kind="choice", required=True, choices=tuple(ProviderKind.choices),
               example="サロン"),
        Column("区域", "area", required=True, note="区域コードまたは区域名", example="L2-01"),
        Column("提供している内容", "offers", required=True, example="毎週火曜の茶話会と体操"),
        Column("連絡先", "contact", example="0467-00-0000"),
        Column("状態", "status", kind="choice", choices=tuple(ResourceStatus.choices), note="空欄は「活動中」",
               example="活動中"),
    ),
    save=_save_resource,
))
