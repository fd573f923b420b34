"""The coordinators' ledgers: 委託契約, コーディネーター（選任・証の履歴）, 研修の受講記録
(see municipality/importing.py). Each row goes through coordinators/services.py."""

from __future__ import annotations

from typing import Any

from municipality.errors import DomainError
from municipality.importing import NEW, UPDATE, Column, Ledger, register_ledger
from municipality.imports import YES_NO, area_by_code, organisation_by_name
from municipality.wareki import format_wareki

from . import services
from .models import Contract, ContractStatus, Coordinator, Layer, TrainingProvider

LAYERS = ((Layer.FIRST.value, "第1層"), (Layer.SECOND.value, "第2層"), (1, "1"), (2, "2"))


def _contract(organisation_name: str, title: str) -> Contract:
    contract = Contract.objects.filter(organisation__name=organisation_name, title=title).first()
    if contract is None:
        raise DomainError(f"{organisation_name}の委託契約「{title}」が登録されていません。先に委託契約を取り込んでください。")
    return contract


def _save_contract(values: dict[str, Any], by: Any) -> str:
    organisation = organisation_by_name(values["organisation"])
    existing = Contract.objects.filter(organisation=organisation, title=values["title"]).first()
    services.contract_save(
        organisation=organisation, title=values["title"], layer=values["layer"] or Layer.SECOND,
        areas=[area_by_code(code) for code in values["areas"]], start=values["start"], end=values["end"],
        status=values["status"] or ContractStatus.ACTIVE, by=by, contract=existing,
    )
    return NEW if existing is None else UPDATE


def _save_appointment(values: dict[str, Any], by: Any) -> str:
    employer = organisation_by_name(values["employer"])
    layer = values["layer"]
    contract = _contract(employer.name, values["contract"]) if values["contract"] else None
    coordinator, _ = services.coordinator_record(
        name=values["name"], name_kana=values["name_kana"], birth_date=values["birth_date"],
        job_title=values["job_title"], layer=layer, employer=employer, by=by,
    )
    appointment = services.appointment_record(
        coordinator=coordinator, layer=layer, contract=contract, areas=[area_by_code(c) for c in values["areas"]],
        start=values["start"], end=values["end"], by=by,
    )
    certificate_values = [values[k] for k in ("number", "issued_on", "valid_until")]
    if any(certificate_values):
        if not all(certificate_values):
            raise DomainError("証の履歴には「証番号」「証の交付日」「証の有効期間（終了）」をそろえて入力してください。")
        services.certificate_record_issued(
            appointment=appointment, number=values["number"], issued_on=values["issued_on"],
            valid_from=values["valid_from"], valid_until=values["valid_until"], by=by,
        )
    return NEW


def _save_training(values: dict[str, Any], by: Any) -> str:
    coordinator = Coordinator.objects.filter(name=values["name"], birth_date=values["birth_date"]).first()
    if coordinator is None:
        raise DomainError(f"{values['name']}さん（生年月日が同じ方）が登録されていません。先にコーディネーターを取り込んでください。")
    course = services.training_course_get_or_create(
        name=values["course"], provider=values["provider"], is_required=bool(values["is_required"]), by=by)
    services.training_record_add(coordinator=coordinator, course=course, completed_on=values["completed_on"],
                                 note=values["note"], by=by)
    return NEW


CONTRACTS = register_ledger(Ledger(
    key="contracts", label="委託契約", order=30, model="coordinators.contract",
    note="委託契約1件を1行に。受託団体は「団体」、区域は「区域」の台帳に先にあること。",
    identity=("organisation", "title"),
    describe=lambda v: f"{v['title']}（{v['organisation']}）",
    columns=(
        Column("受託団体", "organisation", required=True, note="団体の名称", example="社会福祉法人汐見市社会福祉協議会"),
        Column("契約名", "title", required=True, example="汐見市地域支え合い推進員配置業務委託"),
        Column("層", "layer", kind="choice", choices=LAYERS, note="空欄は第2層", example="第2層"),
        Column("区域コード", "areas", kind="list", required=True, example="L2-01、L2-02"),
        Column("委託期間（開始）", "start", kind="date", required=True, example="令和6年4月1日"),
        Column("委託期間（終了）", "end", kind="date", required=True, example="令和9年3月31日"),
        Column("状態", "status", kind="choice", choices=tuple(ContractStatus.choices), note="空欄は「締結済」",
               example="締結済"),
    ),
    save=_save_contract,
))

APPOINTMENTS = register_ledger(Ledger(
    key="coordinators", label="コーディネーター（選任・証の履歴）", order=40, model="coordinators.coordinator",
    note="選任1回（在任期間1つ）を1行に。同じ方が何度も選任されたときは行を分けます。交付済みの証は、その選任の行に番号と日付を書きます。",
    identity=("name", "birth_date", "layer", "start"),
    describe=lambda v: f"{v['name']}（{format_wareki(v['start'])}選任{'、証 ' + v['number'] if v['number'] else ''}）",
    columns=(
        Column("氏名", "name", required=True, example="松本 さくら"),
        Column("ふりがな", "name_kana", example="まつもと さくら"),
        Column("生年月日", "birth_date", kind="date", required=True, example="昭和59年6月12日"),
        Column("職名", "job_title", example="主任"),
        Column("層", "layer", kind="choice", choices=LAYERS, required=True, example="第2層"),
        Column("所属団体", "employer", required=True, note="団体の名称", example="社会福祉法人汐見市社会福祉協議会"),
        Column("委託契約名", "contract", note="第2層は必須。第1層の市職員は空欄", example="汐見市地域支え合い推進員配置業務委託"),
        Column("担当区域コード", "areas", kind="list", required=True, example="L2-01"),
        Column("選任年月日", "start", kind="date", required=True, example="令和6年4月1日"),
        Column("解任年月日", "end", kind="date", note="在任中は空欄"),
        Column("証番号", "number", note="交付済みの証があれば", example="令和6-001"),
        Column("証の交付日", "issued_on", kind="date", example="令和6年4月1日"),
        Column("証の有効期間（開始）", "valid_from", kind="date", note="空欄は交付日（選任前なら選任年月日）"),
        Column("証の有効期間（終了）", "valid_until", kind="date", example="令和9年3月31日"),
    ),
    save=_save_appointment,
))

TRAINING = register_ledger(Ledger(
    key="training", label="研修の受講記録", order=50, model="coordinators.trainingrecord",
    note="受講1回を1行に。コーディネーターは氏名と生年月日で探します。",
    identity=("name", "birth_date", "course", "completed_on"),
    describe=lambda v: f"{v['name']}：{v['course']}",
    columns=(
        Column("氏名", "name", required=True, example="松本 さくら"),
        Column("生年月日", "birth_date", kind="date", required=True, example="昭和59年6月12日"),
        Column("研修名", "course", required=True, example="生活支援コーディネーター養成研修"),
        Column("実施主体", "provider", kind="choice", choices=tuple(TrainingProvider.choices),
               note="新しい研修のときは必須", example="都道府県"),
        Column("受講必須", "is_required", kind="choice", choices=YES_NO, note="新しい研修のとき。空欄は「いいえ」"),
        Column("修了日", "completed_on", kind="date", required=True, example="令和6年10月15日"),
        Column("備考", "note"),
    ),
    save=_save_training,
))
