"""Yearly figures (年度の集計) of 重層的支援体制整備事業 for the 推進委員会 and the evaluation of the
実施計画: counts only, never a person.

Each part of the figures is a *section*: a function of the 年度's first and last day that runs a
fixed number of GROUP BY / aggregate queries and returns its tables (rows of cell keys), the value
of every cell and the sums among them. ``FIGURE_SECTIONS`` lists them in the order they are shown;
a new part (referrals sent and accepted, for one) is one more function appended there.

Small numbers (小さい数の秘匿): a count of 1 to 4 is shown as 「5未満」 and 0 as 0 (a zero tells
nothing about a person). So that a hidden count cannot be worked out from a total by subtraction,
every sum shown on the page (a total and its parts) is checked, and where a hidden count could be
computed exactly, the smallest other count of that sum is hidden too, shown as 「x」 (secondary
suppression; the total itself only when nothing else is left). The totals of cases opened and
closed are one cell wherever they appear, so a total hidden in one table is hidden in all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Q, TextField
from django.db.models.functions import Cast

from municipality.wareki import fiscal_year_bounds, fiscal_year_label

from . import legal_bases
from .models import (
    Case,
    CaseConference,
    CaseProgram,
    CaseStatus,
    Domain,
    Program,
    Referral,
    ReferralStatus,
    RegionalIssue,
    Route,
    SupportMeeting,
    Timing,
)

UNDER_FIVE = "5未満"
SECONDARY = "x"
FIRST_YEAR, LAST_YEAR = 2000, 2100  # the years events may have (municipality/validators.py)

Shown = int | str

FIGURES_NOTE = (f"件数が1〜4のものは「{UNDER_FIVE}」と表示しています（0は0）。合計などから「{UNDER_FIVE}」の数が"
                f"計算できてしまう場合は、ほかの数も「{SECONDARY}」として伏せています（「{SECONDARY}」は5以上）。"
                "個人を特定できる情報は含みません。")


@dataclass(frozen=True)
class Table:
    """One table of a section: each row a label and the keys of its cells (one per column)."""

    title: str
    columns: list[str]
    rows: list[tuple[str, list[str]]]
    note: str = ""


@dataclass
class Section:
    tables: list[Table]
    values: dict[str, int]
    # (total, parts): the total is the sum of the parts, so hiding must hold across them.
    sums: list[tuple[str, list[str]]] = field(default_factory=list)


@dataclass(frozen=True)
class ShownTable:
    title: str
    columns: list[str]
    rows: list[tuple[str, list[Shown]]]
    note: str = ""


@dataclass(frozen=True)
class YearlyFigures:
    year: int
    label: str  # 令和8年度
    start: dt.date
    end: dt.date
    tables: list[ShownTable]


def _in(start: dt.date, end: dt.date, prefix: str = "") -> tuple[Q, Q]:
    """(opened in the year, closed — 終結 or 中断 — in the year) as filters of a case."""
    opened = Q(**{f"{prefix}received_on__range": (start, end)})
    closed = Q(**{f"{prefix}status__in": [CaseStatus.CLOSED, CaseStatus.SUSPENDED],
                  f"{prefix}closed_on__range": (start, end)})
    return opened, closed


OPENED_CLOSED = ["新規受付", "終結・中断"]


def case_figures(start: dt.date, end: dt.date) -> Section:
    """Cases opened and closed, by domain and by route; closures by reason (one query)."""
    opened, closed = _in(start, end)
    counts = {"cases.opened": Count("pk", filter=opened), "cases.closed": Count("pk", filter=closed),
              "closure.closed": Count("pk", filter=closed & Q(status=CaseStatus.CLOSED)),
              "closure.suspended": Count("pk", filter=closed & Q(status=CaseStatus.SUSPENDED))}
    for domain in Domain.values:
        # The domains are a JSON list of fixed identifiers: its text holds "elderly" (quoted) exactly
        # when the list does, on SQLite and PostgreSQL alike, so one query counts every domain.
        has = Q(domains_text__contains=f'"{domain}"')
        counts[f"domain.{domain}.opened"] = Count("pk", filter=opened & has)
        counts[f"domain.{domain}.closed"] = Count("pk", filter=closed & has)
    for route in Route.values:
        counts[f"route.{route}.opened"] = Count("pk", filter=opened & Q(route=route))
        counts[f"route.{route}.closed"] = Count("pk", filter=closed & Q(route=route))
    values = (Case.objects.annotate(domains_text=Cast("domains", output_field=TextField()))
              .filter(opened | closed).aggregate(**counts))
    total = ("合計", ["cases.opened", "cases.closed"])
    return Section(
        tables=[
            Table("分野別のケース数", OPENED_CLOSED,
                  [(label, [f"domain.{d}.opened", f"domain.{d}.closed"]) for d, label in Domain.choices],
                  note="複数の分野にあたるケースは、それぞれの分野に数えています（合計とは一致しません）。"),
            Table("相談経路別のケース数", OPENED_CLOSED,
                  [*((label, [f"route.{r}.opened", f"route.{r}.closed"]) for r, label in Route.choices), total]),
            Table("終結・中断の理由別のケース数", ["件数"],
                  [("終結（支援終結の判断）", ["closure.closed"]), ("中断（支援中断の決定）", ["closure.suspended"]),
                   ("合計", ["cases.closed"])]),
        ],
        values=values,
        sums=[("cases.opened", [f"route.{r}.opened" for r in Route.values]),
              ("cases.closed", [f"route.{r}.closed" for r in Route.values]),
              ("cases.closed", ["closure.closed", "closure.suspended"])],
    )


def program_figures(start: dt.date, end: dt.date) -> Section:
    """Cases opened and closed by 事業 (one GROUP BY query)."""
    opened, closed = _in(start, end, prefix="case__")
    rows = (CaseProgram.objects.filter(opened | closed).values("program")
            .annotate(opened=Count("case", filter=opened), closed=Count("case", filter=closed)).order_by())
    values = {f"program.{p}.{side}": 0 for p in Program.values for side in ("opened", "closed")}
    for row in rows:
        values[f"program.{row['program']}.opened"] = row["opened"]
        values[f"program.{row['program']}.closed"] = row["closed"]
    return Section(
        tables=[Table("事業別のケース数", OPENED_CLOSED,
                      [(label, [f"program.{p}.opened", f"program.{p}.closed"]) for p, label in Program.choices],
                      note="複数の事業にあたるケースは、それぞれの事業に数えています（合計とは一致しません）。")],
        values=values,
    )


def meeting_figures(start: dt.date, end: dt.date) -> Section:
    """重層的支援会議 by timing (one GROUP BY query) and 支援会議 held (one query)."""
    values = {f"conference.{t}": 0 for t in Timing.values}
    for row in (CaseConference.objects.filter(held_on__range=(start, end)).values("timing")
                .annotate(n=Count("pk")).order_by()):
        values[f"conference.{row['timing']}"] = row["n"]
    values["conference.total"] = sum(values.values())
    values["support_meeting.total"] = SupportMeeting.objects.filter(held_on__range=(start, end)).count()
    return Section(
        tables=[
            Table("重層的支援会議の開催件数（開催時期別）", ["件数"],
                  [*((label, [f"conference.{t}"]) for t, label in Timing.choices), ("合計", ["conference.total"])]),
            Table("支援会議（社会福祉法第106条の6）の開催件数", ["件数"], [("開催件数", ["support_meeting.total"])]),
        ],
        values=values,
        sums=[("conference.total", [f"conference.{t}" for t in Timing.values])],
    )


def regional_issue_figures(start: dt.date, end: dt.date) -> Section:
    """地域の課題 raised in the year, and how many of them a council has taken up (one query)."""
    values = RegionalIssue.objects.filter(raised_on__range=(start, end)).aggregate(
        **{"issue.raised": Count("pk"), "issue.taken": Count("pk", filter=Q(agenda_item__isnull=False))})
    return Section(
        tables=[Table("地域の課題", ["件数"], [("提起した件数", ["issue.raised"]),
                                                ("うち協議体の議題になったもの", ["issue.taken"])],
                      note="「うち協議体の議題になったもの」は、その年度に提起された課題のうち、集計の時点で協議体の議題になっているものです。")],
        values=values,
    )


def referral_figures(start: dt.date, end: dt.date) -> Section:
    """連携シート sent in the year by legal basis, and what became of them (one query): the
    多機関協働 the 推進委員会 asks about, without any case."""
    sent = Q(sent_at__date__range=(start, end))
    counts = {f"referral.{basis}.{status}": Count("pk", filter=sent & Q(basis=basis, status=status))
              for basis in _referral_bases() for status in ReferralStatus.values}
    values = Referral.objects.aggregate(**counts)
    for basis in _referral_bases():
        values[f"referral.{basis}.total"] = sum(values[f"referral.{basis}.{status}"] for status in ReferralStatus.values)
    return Section(
        tables=[Table("連携シート（その年度に送付したもの、共有の根拠別）", ["送付した件数", "回答待ち", "受理", "返戻"],
                      [(label, [f"referral.{basis}.total", *(f"referral.{basis}.{s}" for s in ReferralStatus.values)])
                       for basis, label in legal_bases.sharing_choices()],
                      note="状態は集計の時点のものです。")],
        values=values,
        sums=[(f"referral.{basis}.total", [f"referral.{basis}.{s}" for s in ReferralStatus.values])
              for basis in _referral_bases()],
    )


def _referral_bases() -> list[str]:
    """Every legal basis a 連携シート may name (consultations/legal_bases.py, extras included)."""
    return [code for code, _ in legal_bases.sharing_choices()]


# The parts of the figures, in the order shown: each is one function with a fixed number of queries.
FIGURE_SECTIONS: list[Callable[[dt.date, dt.date], Section]] = [
    case_figures,
    program_figures,
    meeting_figures,
    referral_figures,
    regional_issue_figures,
]


def year_or_none(text: str | None) -> int | None:
    """The 年度 asked for, if it is a year the records can have (2000〜2100); otherwise None."""
    text = (text or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) != 4:
        return None
    year = int(text)
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


def yearly_figures(year: int) -> YearlyFigures:
    start, end = fiscal_year_bounds(year)
    sections = [section(start, end) for section in FIGURE_SECTIONS]
    values: dict[str, int] = {}
    sums: list[tuple[str, list[str]]] = []
    for section in sections:
        values.update(section.values)
        sums += section.sums
    shown = suppress(values, sums)
    tables = [ShownTable(t.title, t.columns, [(label, [shown[k] for k in keys]) for label, keys in t.rows], t.note)
              for section in sections for t in section.tables]
    return YearlyFigures(year, fiscal_year_label(year), start, end, tables)


# --- 小さい数の秘匿 ----------------------------------------------------------------------------

_UNBOUNDED = 10**12


def suppress(values: dict[str, int], sums: list[tuple[str, list[str]]]) -> dict[str, Shown]:
    """Each count as shown: 1〜4 as 「5未満」, and more hidden (「x」) where a sum would reveal one."""
    primary = {k for k, v in values.items() if 0 < v < 5}
    secondary: set[str] = set()
    changed = True
    while changed:
        changed = False
        for total, parts in sums:
            while not _sum_safe(total, parts, values, primary, secondary):
                hidden = primary | secondary
                shown = sorted((values[p], p) for p in parts if p not in hidden and values[p] > 0)
                if shown:
                    secondary.add(shown[0][1])
                elif total not in hidden:
                    secondary.add(total)
                else:  # everything is hidden already: nothing more can be done (cannot happen)
                    break
                changed = True
    return {k: UNDER_FIVE if k in primary else SECONDARY if k in secondary else v for k, v in values.items()}


def _bounds(key: str, values: dict[str, int], primary: set[str], secondary: set[str]) -> tuple[int, int]:
    """What a reader knows of a cell: 「5未満」 is 1〜4, 「x」 is 5 or more (smaller ones say 5未満)."""
    if key in primary:
        return 1, 4
    if key in secondary:
        return 5, _UNBOUNDED
    return values[key], values[key]


def _sum_safe(total: str, parts: list[str], values: dict[str, int], primary: set[str], secondary: set[str]) -> bool:
    """Whether no hidden cell of ``total = sum(parts)`` can be worked out exactly from what is shown."""
    hidden = primary | secondary
    cells = [total, *parts]
    if not any(k in hidden for k in cells):
        return True
    bound = {k: _bounds(k, values, primary, secondary) for k in cells}
    for key in cells:
        if key not in hidden:
            continue
        if key == total:
            low = max(bound[total][0], sum(bound[p][0] for p in parts))
            high = min(bound[total][1], sum(bound[p][1] for p in parts))
        else:
            others = [p for p in parts if p != key]
            low = max(bound[key][0], bound[total][0] - sum(bound[p][1] for p in others))
            high = min(bound[key][1], bound[total][1] - sum(bound[p][0] for p in others))
        if low >= high:
            return False
    return True
