"""The 協議体 members' ledger: a seat and its term per row (see municipality/importing.py)."""

from __future__ import annotations

from typing import Any

from municipality.errors import DomainError
from municipality.importing import NEW, UPDATE, Column, Ledger, register_ledger
from municipality.imports import YES_NO, area_by_code, organisation_by_name

from . import services
from .models import Council, Person, SetupType, TermRule


def _council(name: str) -> Council:
    councils = list(Council.objects.filter(name=name)[:2])
    if not councils:
        raise DomainError(f"協議体「{name}」が登録されていません。先に協議体を取り込んでください。")
    if len(councils) > 1:
        raise DomainError(f"協議体「{name}」が2つあります。")
    return councils[0]


def _person(values: dict[str, Any], by: Any) -> Person:
    people = Person.objects.filter(name=values["name"])
    if values["name_kana"]:
        people = people.filter(name_kana=values["name_kana"])
    found = list(people[:2])
    if len(found) > 1:
        raise DomainError(f"{values['name']}さんが2人登録されています。ふりがなで区別してください。")
    if found:
        return found[0]
    return services.person_create(values={
        "name": values["name"], "name_kana": values["name_kana"], "email": values["email"], "postal_code": "",
        "address": "",
    }, by=by)


def _save_member(values: dict[str, Any], by: Any) -> str:
    council = _council(values["council"])
    organisation = organisation_by_name(values["organisation"])
    person = _person(values, by)
    services.membership_add(council=council, person=person, organisation=organisation, start=values["start"],
                            end=values["end"], by=by)
    return NEW


def _save_council(values: dict[str, Any], by: Any) -> str:
    council = Council.objects.filter(name=values["name"]).first()
    action = NEW if council is None else UPDATE
    council = council or Council(name=values["name"])
    council.layer, council.area = values["layer"], area_by_code(values["area"])
    council.setup_type = values["setup_type"]
    council.uses_existing_body = bool(values["uses_existing_body"])
    council.existing_body_name = values["existing_body_name"]
    council.cap = values["cap"] or 20
    years = values.get("term_years")
    council.term_rule = TermRule.FIXED_YEARS if years else TermRule.PLAN_PERIOD
    council.term_years = years or None
    services.council_save(council=council, by=by)
    return action


COUNCILS = register_ledger(Ledger(
    key="councils", label="協議体", order=65, model="councils.council",
    note="協議体1つを1行に（名称が同じものは更新します）。事務局は取り込んだ後に管理サイトで設定します。",
    identity=("name",),
    describe=lambda v: f"{v['name']}（第{v['layer']}層）",
    columns=(
        Column("名称", "name", required=True, example="汐見市第1層協議体"),
        Column("層", "layer", kind="choice", required=True, choices=((1, "第1層"), (2, "第2層"), (1, "1"), (2, "2")),
               example="第1層"),
        Column("区域コード", "area", required=True, example="L1"),
        Column("設置の類型", "setup_type", kind="choice", required=True, choices=tuple(SetupType.choices),
               example="住民・行政等協働型"),
        Column("既存の会議体を活用", "uses_existing_body", kind="choice", choices=YES_NO, note="空欄は「いいえ」"),
        Column("活用する会議体の名称", "existing_body_name", note="既存の会議体を活用するときは必須"),
        Column("構成員の定数", "cap", kind="int", note="空欄は20", example="20"),
        Column("任期の年数", "term_years", kind="int",
               note="空欄は計画期間（任期は計画期間の終わりまで）。選任から2年の任期なら 2"),
    ),
    save=_save_council,
))

MEMBERS = register_ledger(Ledger(
    key="members", label="協議体の構成員と任期", order=70, model="councils.membership",
    note="任期1つを1行に（再任は行を分けます）。協議体は「協議体」の台帳で先に取り込み、その名称を書きます。",
    identity=("council", "name", "name_kana", "start"),
    describe=lambda v: f"{v['name']}（{v['council']}、{v['organisation']}）",
    columns=(
        Column("協議体", "council", required=True, note="協議体の名称", example="汐見市第1層協議体"),
        Column("氏名", "name", required=True, example="海野 和夫"),
        Column("ふりがな", "name_kana", example="うみの かずお"),
        Column("所属団体", "organisation", required=True, note="団体の名称", example="汐見市社会福祉協議会"),
        Column("任期の始まり", "start", kind="date", required=True, example="令和6年4月1日"),
        Column("任期の終わり", "end", kind="date", note="空欄は協議体の任期の定め方による（計画期間の終わり、または選任からの年数）",
               example="令和9年3月31日"),
        Column("メールアドレス", "email", note="通知をメールで送る方"),
    ),
    save=_save_member,
))
