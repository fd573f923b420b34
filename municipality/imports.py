"""The shared part's ledgers: 区域 and 団体 (see municipality/importing.py)."""

from __future__ import annotations

from typing import Any

from . import services
from .errors import DomainError
from .importing import NEW, UPDATE, Column, Ledger, register_ledger
from .models import Area, LegalForm, Organisation

YES_NO = ((True, "はい"), (False, "いいえ"))


def area_by_code(code: str) -> Area:
    area = Area.objects.filter(code=code).first()
    if area is None:
        raise DomainError(f"区域コード「{code}」の区域が登録されていません。先に区域を取り込んでください。")
    return area


def organisation_by_name(name: str) -> Organisation:
    organisation = Organisation.objects.filter(name=name).first()
    if organisation is None:
        raise DomainError(f"団体「{name}」が登録されていません。先に団体を取り込んでください。")
    return organisation


def _save_area(values: dict[str, Any], by: Any) -> str:
    area = Area.objects.filter(code=values["code"]).first()
    action = NEW if area is None else UPDATE
    area = area or Area(code=values["code"])
    area.name, area.layer = values["name"], values["layer"]
    area.parent = area_by_code(values["parent"]) if values["parent"] else None
    area.boundary_basis, area.support_center = values["boundary_basis"], values["support_center"]
    area.sort_order = values["sort_order"] or 0
    services.area_save(area=area, by=by)
    return action


def _save_organisation(values: dict[str, Any], by: Any) -> str:
    organisation = Organisation.objects.filter(name=values["name"]).first()
    action = NEW if organisation is None else UPDATE
    organisation = organisation or Organisation(name=values["name"])
    for key in ("name_kana", "address", "representative_title", "representative_name", "phone", "email"):
        setattr(organisation, key, values[key])
    organisation.legal_form = values["legal_form"] or LegalForm.OTHER
    organisation.is_city_department = bool(values["is_city_department"])
    services.organisation_save(organisation=organisation, by=by)
    return action


AREAS = register_ledger(Ledger(
    key="areas", label="区域", order=10, model="municipality.area",
    note="区域1つを1行に。第1層（市全域）を先頭に、上位の区域が先の行になるように並べます。",
    identity=("code",),
    describe=lambda v: f"{v['code']} {v['name']}（第{v['layer']}層）",
    columns=(
        Column("区域コード", "code", required=True, note="区域ごとに決めた重ならない記号", example="L2-01"),
        Column("区域名", "name", required=True, example="汐見中央地区"),
        Column("層", "layer", kind="int", required=True, note="1＝市全域、2＝その区域", example="2"),
        Column("上位の区域コード", "parent", note="第2層以下は必須", example="L1"),
        Column("区域の単位", "boundary_basis", note="空欄なら市町村の設定の単位", example="まちぢから協議会区域"),
        Column("担当の地域包括支援センター", "support_center", example="汐見中央地域包括支援センター"),
        Column("表示順", "sort_order", kind="int", example="1"),
    ),
    save=_save_area,
))

ORGANISATIONS = register_ledger(Ledger(
    key="organisations", label="団体", order=20, model="municipality.organisation",
    note="受託団体、市の部署、協議体の構成団体などを1団体1行で。",
    identity=("name",),
    describe=lambda v: f"{v['name']}（{v['legal_form'] or LegalForm.OTHER}）",
    columns=(
        Column("名称", "name", required=True, example="社会福祉法人汐見市社会福祉協議会"),
        Column("名称（ふりがな）", "name_kana", example="しおみししゃかいふくしきょうぎかい"),
        Column("法人格", "legal_form", kind="choice", choices=tuple(LegalForm.choices), example="社会福祉法人"),
        Column("市の部署", "is_city_department", kind="choice", choices=YES_NO, note="空欄は「いいえ」",
               example="いいえ"),
        Column("所在地", "address", example="汐見市汐見中央一丁目2番3号"),
        Column("代表者の職名", "representative_title", example="会長"),
        Column("代表者の氏名", "representative_name", example="海野 和夫"),
        Column("電話番号", "phone", example="0467-00-1234"),
        Column("メールアドレス", "email"),
    ),
    save=_save_organisation,
))
