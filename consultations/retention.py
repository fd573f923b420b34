"""保存期間: how long each kind of case record keeps its personal data after the case is closed.

One setting, ``CASE_RETENTION`` (config/settings/base.py), gives the years for each kind below;
``services.cases_anonymise`` (run by ``anonymise_closed_cases``) strips a kind's personal data once
its period has passed, and the 個人情報ファイル簿 prints the same periods from the same setting.
Nothing is deleted: the rows stay, their texts become 「（匿名化済み）」 or empty.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class RecordKind:
    code: str
    short: str    # a few characters, for the command's summary and the admin
    label: str    # what the ファイル簿 and the guide call it
    cleared: str  # what anonymisation clears (for the ファイル簿 and the README)


KINDS = (
    RecordKind("case", "相談受付票等", "相談受付票（本人・世帯・主訴）、緊急の記録、参加支援、重層的支援会議の記録",
               "本人・世帯員の氏名・生年月日・住所・電話番号、主訴、緊急の理由、参加支援の内容、会議の評価等"),
    RecordKind("assessment", "アセスメント", "アセスメントシート", "本人・世帯の状況、強み、課題、生活歴等の記入内容"),
    RecordKind("plan", "プラン・評価", "プランシート・評価シート", "目標、支援方針、支援内容、関係機関の役割、評価の所見"),
    RecordKind("timeline", "支援経過", "支援経過記録", "相手、内容、今後の対応"),
    RecordKind("referral", "連携シート", "連携シート", "依頼の内容・目的、共有した内容（送付時点の写し）、返戻の理由"),
    RecordKind("support_meeting", "支援会議", "支援会議の記録",
               "共有した情報、決定した支援方針、出席者の氏名（検討したケースのすべてが保存期間を過ぎたとき）"),
    RecordKind("evacuation", "避難行動要支援者", "避難行動要支援者名簿への掲載の同意と提供の記録", "避難支援等を必要とする事由、提供した名簿の内容"),
)
CODES = tuple(k.code for k in KINDS)


def years(kind: str) -> int:
    """The retention of a kind of record, in years after the case was closed (終結・中断)."""
    return int(settings.CASE_RETENTION.get(kind, settings.CASE_RETENTION_YEARS))


def cutoff(kind: str, today: dt.date) -> dt.date:
    """Cases closed before this day are past the kind's retention on ``today``."""
    back = today.year - years(kind)
    try:
        return today.replace(year=back)
    except ValueError:  # 29 February
        return today.replace(year=back, day=28)


def periods() -> list[tuple[RecordKind, int]]:
    return [(kind, years(kind.code)) for kind in KINDS]
