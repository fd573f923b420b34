"""個人情報ファイル簿 (個人情報の保護に関する法律 第74条・第75条, 施行令 第20条; 個人情報保護委員会
「事務対応ガイド（行政機関等向け）」): the entry of the case file, built from the code so that it
cannot fall out of step with the data.

* 記録項目 and 要配慮個人情報: every PERSONAL and SENSITIVE field declared in the models of
  ``consultations`` (consultations/privacy.py), grouped by record (the model's Japanese name);
  RECORD fields (who wrote it, versions, links) are not items about the person.
* 経常的提供先: the agencies' register (Agency rows by kind), the statutory bodies
  (``statutory_bodies``, which the legal-bases work extends), and the 避難支援等関係者.
* 保存期間: the setting ``CASE_RETENTION`` (consultations/retention.py), the same one the retention
  job follows.
* The rest (name, body, department, purpose, range, collection, office, …) are what only the city
  can say: the setting ``CASE_FILE_REGISTER``.

The entry holds no personal data: city staff (the privacy officer) and 監査 read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings

from . import retention
from .privacy import Level, declared_fields, level_of

SENSITIVE_MARK = "（要配慮）"
LAW = "個人情報の保護に関する法律 第74条・第75条"


@dataclass(frozen=True)
class Item:
    record: str      # the record the item is in (model's verbose_name)
    label: str       # the item (field's verbose_name)
    sensitive: bool

    @property
    def level_label(self) -> str:
        return Level.SENSITIVE.label if self.sensitive else Level.PERSONAL.label


@dataclass(frozen=True)
class Row:
    heading: str
    text: str


@dataclass
class Entry:
    rows: list[Row]
    items: list[Item]
    recipients: list[tuple[str, list[str]]]
    retention: list[tuple[str, int]]
    holds_sensitive: bool
    groups: list[tuple[str, list[Item]]] = field(default_factory=list)


def recorded_items() -> list[Item]:
    """Every item about the person that the case file records, in the models' declaration order."""
    items = []
    for model in apps.get_app_config("consultations").get_models():
        for f in declared_fields(model):
            level = level_of(f)
            if level in (Level.PERSONAL, Level.SENSITIVE):
                items.append(Item(str(model._meta.verbose_name), str(f.verbose_name), level == Level.SENSITIVE))
    return items


def statutory_bodies() -> list[tuple[str, list[str]]]:
    """The statutory bodies the case file is shared in (法定の会議体, by legal basis), as (kind, names):
    the active bodies city staff keep in the admin."""
    from . import legal_bases
    from .models import SharingBody

    by_basis: dict[str, list[str]] = {}
    for body in SharingBody.objects.filter(active=True).order_by("basis", "name"):
        by_basis.setdefault(legal_bases.label(body.basis), []).append(body.name)
    return list(by_basis.items())


def regular_recipients() -> list[tuple[str, list[str]]]:
    """記録情報の経常的提供先 as (kind, names): the agencies' register by kind (the city's own
    departments are not outside the body), the statutory bodies, and the 避難支援等関係者."""
    from .models import Agency, AgencyKind, EvacuationRecipient

    by_kind: dict[str, list[str]] = {}
    for agency in Agency.objects.select_related("organisation").exclude(kind=AgencyKind.CITY).order_by(
            "kind", "organisation__name"):
        by_kind.setdefault(agency.kind, []).append(agency.organisation.name)
    groups = [(f"関係機関（{AgencyKind(kind).label}）：本人の同意又は支援会議の決定による", names)
              for kind in AgencyKind.values if (names := by_kind.get(kind))]
    groups += statutory_bodies()
    groups.append(("避難支援等関係者：本人が同意した場合に限る（災害対策基本法第49条の11第2項）",
                   [r.label for r in EvacuationRecipient]))
    return groups


def _grouped(items: list[Item]) -> list[tuple[str, list[Item]]]:
    groups: dict[str, list[Item]] = {}
    for item in items:
        groups.setdefault(item.record, []).append(item)
    return list(groups.items())


def entry() -> Entry:
    """The 個人情報ファイル簿 entry of the case file, as of now."""
    conf = settings.CASE_FILE_REGISTER
    items = recorded_items()
    groups = _grouped(items)
    holds_sensitive = any(item.sensitive for item in items)
    recipients = regular_recipients()
    periods = [(kind.label, years) for kind, years in retention.periods()]
    recorded = "\n".join(f"【{record}】" + "、".join(i.label + (SENSITIVE_MARK if i.sensitive else "") for i in group)
                         for record, group in groups)
    rows = [
        Row("個人情報ファイルの名称", conf["name"]),
        Row("行政機関等の名称", conf["body"]),
        Row("個人情報ファイルが利用に供される事務をつかさどる組織の名称", conf["department"]),
        Row("個人情報ファイルの利用目的", conf["purpose"]),
        Row("記録項目", recorded + f"\n（{SENSITIVE_MARK}を付した項目は要配慮個人情報を含み得る項目）"),
        Row("記録範囲", conf["range"]),
        Row("記録情報の収集方法", conf["collection"]),
        Row("要配慮個人情報が含まれるときは、その旨", "含む" if holds_sensitive else "含まない"),
        Row("記録情報の経常的提供先", "\n".join(f"{kind}：{'、'.join(names)}" for kind, names in recipients)
            or "なし"),
        Row("開示請求等を受理する組織の名称及び所在地", conf["office"]),
        Row("訂正及び利用停止に関する他の法令の規定による特別の手続等", conf["correction"] or "なし"),
        Row("個人情報ファイルの種別", conf["kind"]),
        Row("保存期間", "\n".join(f"{label}：終結・中断から{years}年" for label, years in periods)
            + "\n（保存期間を過ぎた記録は個人情報を消去（匿名化）し、記録そのものは削除しない）"),
        Row("法第74条第2項各号・第75条第2項各号又は第3項による不掲載・一部不記載",
            conf["unlisted"] or "該当しない（個人情報ファイル簿に掲載し、すべての事項を記載する）"),
    ]
    if conf.get("note"):
        rows.append(Row("備考", conf["note"]))
    return Entry(rows=rows, items=items, recipients=recipients, retention=periods, holds_sensitive=holds_sensitive,
                 groups=groups)
