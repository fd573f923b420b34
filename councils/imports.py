"""The 協議体 members' ledger: a seat and its term per row (see municipality/importing.py)."""

from __future__ import annotations

from typing import Any

from municipality.errors import DomainError
from municipality.importing import NEW, Column, Ledger, register_ledger
from municipality.imports import organisation_by_name

from . import services
from .models import Council, Person


def _council(name: str) -> Council:
    councils = list(Council.objects.filter(name=name)[:2])
    if not councils:
        raise DomainError(f"協議体「{name}」が登録されていません。先に管理サイトの「協議体」に登録してください。")
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


MEMBERS = register_ledger(Ledger(
    key="members", label="協議体の構成員と任期", order=70, model="councils.membership",
    note="任期1つを1行に（再任は行を分けます）。協議体は先に管理サイトで登録し、その名称を書きます。",
    identity=("council", "name", "name_kana", "start"),
    describe=lambda v: f"{v['name']}（{v['council']}、{v['organisation']}）",
    columns=(
        Column("協議体", "council", required=True, note="協議体の名称", example="汐見市第1層協議体"),
        Column("氏名", "name", required=True, example="海野 和夫"),
        Column("ふりがな", "name_kana", example="うみの かずお"),
        Column("所属団体", "organisation", required=True, note="団体の名称", example="汐見市社会福祉協議会"),
        Column("任期の始まり", "start", kind="date", required=True, example="令和6年4月1日"),
        Column("任期の終わり", "end", kind="date", note="空欄は計画期間の終わり", example="令和9年3月31日"),
        Column("メールアドレス", "email", note="通知をメールで送る方"),
    ),
    save=_save_member,
))
