"""Japanese calendar helpers: 和暦 (era dates), 年度 (fiscal years) and 計画期間.

Python's standard library knows no eras, and the PyPI packages disagree with their
own examples, so the eras are a small table checked by boundary tests.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Era:
    name: str
    first_day: dt.date


# Newest first. Each era begins on the day after the previous one ended.
ERAS: tuple[Era, ...] = (
    Era("令和", dt.date(2019, 5, 1)),
    Era("平成", dt.date(1989, 1, 8)),
    Era("昭和", dt.date(1926, 12, 25)),
    Era("大正", dt.date(1912, 7, 30)),
    Era("明治", dt.date(1868, 10, 23)),
)

BLANK_DATE = "令和　　年　　月　　日"


@dataclass(frozen=True)
class WarekiDate:
    era: str
    year: int
    month: int
    day: int

    @property
    def year_label(self) -> str:
        """The year within the era, with 元 for its first year: 元, 2, 3 …"""
        return _year_label(self.year)

    def __str__(self) -> str:
        return f"{self.era}{self.year_label}年{self.month}月{self.day}日"


def era_of(date: dt.date) -> Era:
    for era in ERAS:
        if date >= era.first_day:
            return era
    raise ValueError(f"{date.isoformat()} は明治より前の日付のため和暦で表せません。")


def to_wareki(date: dt.date) -> WarekiDate:
    era = era_of(date)
    return WarekiDate(era.name, date.year - era.first_day.year + 1, date.month, date.day)


def format_wareki(date: dt.date | None, *, with_western: bool = False, blank: str = BLANK_DATE) -> str:
    """令和8年11月23日; 令和元年5月1日; with_western adds （2026年）; None gives the blank form."""
    if date is None:
        return blank
    if isinstance(date, dt.datetime):
        raise TypeError("format_wareki takes a date; convert an aware datetime with localdate() first")
    if date < ERAS[-1].first_day:
        # Before 明治 there is no era in the table: the Western date, so that any stored date prints.
        return f"{date.year}年{date.month}月{date.day}日"
    text = str(to_wareki(date))
    if with_western:
        text += f"（{date.year}年）"
    return text


def format_wareki_month(date: dt.date | None, *, blank: str = "") -> str:
    """令和8年10月: a month (a report's, an activity list's), never a day."""
    if date is None:
        return blank
    if date < ERAS[-1].first_day:
        return f"{date.year}年{date.month}月"
    wareki = to_wareki(date)
    return f"{wareki.era}{wareki.year_label}年{date.month}月"


def format_wareki_datetime(value: dt.datetime | None, *, seconds: bool = False, blank: str = "") -> str:
    """令和8年11月16日 10:05 (Tokyo time for an aware datetime); seconds only where asked (the audit log)."""
    if value is None:
        return blank
    if value.tzinfo is not None:
        from django.utils import timezone  # the installation's zone (Asia/Tokyo)

        value = timezone.localtime(value)
    return f"{format_wareki(value.date())} {value:{'%H:%M:%S' if seconds else '%H:%M'}}"


# --- 年度 -------------------------------------------------------------------------

def fiscal_year(date: dt.date) -> int:
    """The 年度 a day belongs to, as the Western year in which it starts (April 1)."""
    return date.year if date.month >= 4 else date.year - 1


def fiscal_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """April 1 to March 31; clamped to the calendar for 年度 0 and 9999 (a stored year-1 or
    year-9999 date must not break a page)."""
    start = dt.date(year, 4, 1) if year >= dt.MINYEAR else dt.date.min
    end = dt.date(year + 1, 3, 31) if year < dt.MAXYEAR else dt.date.max
    return start, end


def fiscal_year_era(year: int) -> tuple[str, int]:
    """The era and era year that name a 年度.

    A 年度 takes the newest era in force by its last day that already counts the
    year it starts in: 2019 → 令和元年度 (the era began on May 1, within it), while
    1988 → 昭和63年度 (平成 began in January 1989, a calendar year later).
    """
    for era in ERAS:
        # first_day <= year+1-03-31, without building that date (year 9999 has no year+1).
        if era.first_day.year <= year:
            return era.name, year - era.first_day.year + 1
    raise ValueError(f"{year}年度は和暦で表せません。")


def fiscal_year_label(year: int) -> str:
    """令和8年度 for 2026, 令和元年度 for 2019; a 年度 before 明治 in Western years (1867年度)."""
    try:
        era, number = fiscal_year_era(year)
    except ValueError:
        return f"{year}年度"
    return f"{era}{_year_label(number)}年度"


def _year_label(number: int) -> str:
    return "元" if number == 1 else str(number)


# --- 計画期間 (介護保険事業計画: three fiscal years) -----------------------------------

# 第1期 began with the long-term care insurance in 年度 2000; every period is three 年度.
FIRST_PLAN_FISCAL_YEAR = 2000
PLAN_PERIOD_YEARS = 3


@dataclass(frozen=True)
class PlanTerm:
    number: int
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        return f"第{self.number}期"

    @property
    def fiscal_years_label(self) -> str:
        """令和6〜8年度; across an era change 平成30〜令和2年度."""
        first_era, first = fiscal_year_era(fiscal_year(self.start))
        last_era, last = fiscal_year_era(fiscal_year(self.end))
        last_text = _year_label(last) if last_era == first_era else f"{last_era}{_year_label(last)}"
        return f"{first_era}{_year_label(first)}〜{last_text}年度"


def plan_term(number: int) -> PlanTerm:
    if number < 1:
        raise ValueError("計画期間の期数は1以上です。")
    first = FIRST_PLAN_FISCAL_YEAR + PLAN_PERIOD_YEARS * (number - 1)
    return PlanTerm(number, dt.date(first, 4, 1), dt.date(first + PLAN_PERIOD_YEARS, 3, 31))


def plan_term_for(date: dt.date) -> PlanTerm:
    """The plan period that contains a day: 2026-11-23 → 第9期 (2024-04-01〜2027-03-31)."""
    number = (fiscal_year(date) - FIRST_PLAN_FISCAL_YEAR) // PLAN_PERIOD_YEARS + 1
    return plan_term(number)


# --- Reading dates people typed (imports) ---------------------------------------------------

_ERA_BY_NAME = {era.name: era for era in ERAS} | {
    "R": ERAS[0], "H": ERAS[1], "S": ERAS[2], "T": ERAS[3], "M": ERAS[4],
}
_WAREKI_TEXT = re.compile(
    r"^(?P<era>令和|平成|昭和|大正|明治|[RHSTM])\s*(?P<year>元|\d{1,2})\s*[年./-]\s*(?P<month>\d{1,2})\s*[月./-]"
    r"\s*(?P<day>\d{1,2})\s*日?$"
)
_WESTERN_TEXT = re.compile(r"^(?P<year>\d{4})\s*[年./-]\s*(?P<month>\d{1,2})\s*[月./-]\s*(?P<day>\d{1,2})\s*日?$")


def parse_date(value: object) -> dt.date:
    """A date from a spreadsheet cell: a date cell, ISO text (2026-04-01, 2026/4/1, 2026年4月1日) or
    和暦 text (令和8年4月1日, 令和元年5月1日, R8.4.1). ValueError with a Japanese message otherwise,
    also for a 和暦 date outside its era (平成31年5月1日 does not exist)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip().upper()
    western = _WESTERN_TEXT.match(text)
    wareki_match = _WAREKI_TEXT.match(text) if western is None else None
    try:
        if western:
            return dt.date(int(western["year"]), int(western["month"]), int(western["day"]))
        if wareki_match:
            era = _ERA_BY_NAME[wareki_match["era"]]
            year = 1 if wareki_match["year"] == "元" else int(wareki_match["year"])
            day = dt.date(era.first_day.year + year - 1, int(wareki_match["month"]), int(wareki_match["day"]))
            newer = [e for e in ERAS if e.first_day > era.first_day]
            if year < 1 or day < era.first_day or (newer and day >= newer[-1].first_day):
                raise ValueError
            return day
    except ValueError:
        pass
    raise ValueError(f"「{value}」は日付として読めません。2026-04-01 または 令和8年4月1日 の形で入力してください。")
