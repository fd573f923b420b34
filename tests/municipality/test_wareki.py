import datetime as dt

import pytest

from municipality import wareki


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2019, 4, 30), "平成31年4月30日"),
        (dt.date(2019, 5, 1), "令和元年5月1日"),
        (dt.date(2020, 1, 1), "令和2年1月1日"),
        (dt.date(1989, 1, 7), "昭和64年1月7日"),
        (dt.date(1989, 1, 8), "平成元年1月8日"),
        (dt.date(1926, 12, 24), "大正15年12月24日"),
        (dt.date(1926, 12, 25), "昭和元年12月25日"),
        (dt.date(1912, 7, 30), "大正元年7月30日"),
        (dt.date(2026, 11, 23), "令和8年11月23日"),
    ],
)
def test_era_boundaries(day, expected):
    assert wareki.format_wareki(day) == expected


def test_western_year_can_stand_beside():
    assert wareki.format_wareki(dt.date(2026, 11, 23), with_western=True) == "令和8年11月23日（2026年）"


def test_blank_date_prints_the_form_placeholder():
    assert wareki.format_wareki(None) == "令和　　年　　月　　日"


def test_date_before_meiji_is_refused_in_japanese():
    with pytest.raises(ValueError, match="明治より前"):
        wareki.to_wareki(dt.date(1868, 1, 1))


def test_datetime_is_refused_so_that_time_zones_are_not_lost():
    with pytest.raises(TypeError):
        wareki.format_wareki(dt.datetime(2026, 1, 1, 0, 30))


@pytest.mark.parametrize(
    ("day", "year"),
    [
        (dt.date(2026, 3, 31), 2025),
        (dt.date(2026, 4, 1), 2026),
        (dt.date(2027, 3, 31), 2026),
        (dt.date(2026, 12, 31), 2026),
        (dt.date(2027, 1, 1), 2026),
    ],
)
def test_fiscal_year_turns_on_april_first(day, year):
    assert wareki.fiscal_year(day) == year


@pytest.mark.parametrize(
    ("year", "label"),
    [
        (2026, "令和8年度"),
        (2019, "令和元年度"),
        (2018, "平成30年度"),
        (1989, "平成元年度"),
        (1988, "昭和63年度"),
    ],
)
def test_fiscal_year_label(year, label):
    assert wareki.fiscal_year_label(year) == label


def test_fiscal_year_bounds():
    assert wareki.fiscal_year_bounds(2026) == (dt.date(2026, 4, 1), dt.date(2027, 3, 31))


@pytest.mark.parametrize(
    ("day", "number", "start", "end"),
    [
        (dt.date(2024, 3, 31), 8, dt.date(2021, 4, 1), dt.date(2024, 3, 31)),
        (dt.date(2024, 4, 1), 9, dt.date(2024, 4, 1), dt.date(2027, 3, 31)),
        (dt.date(2026, 11, 23), 9, dt.date(2024, 4, 1), dt.date(2027, 3, 31)),
        (dt.date(2027, 3, 31), 9, dt.date(2024, 4, 1), dt.date(2027, 3, 31)),
        (dt.date(2027, 4, 1), 10, dt.date(2027, 4, 1), dt.date(2030, 3, 31)),
    ],
)
def test_plan_period_is_three_fiscal_years(day, number, start, end):
    term = wareki.plan_term_for(day)
    assert (term.number, term.start, term.end) == (number, start, end)


@pytest.mark.parametrize(
    ("number", "label"),
    [(9, "令和6〜8年度"), (10, "令和9〜11年度"), (7, "平成30〜令和2年度")],
)
def test_plan_period_label_in_fiscal_years(number, label):
    assert wareki.plan_term(number).fiscal_years_label == label


# --- Any date a database can hold (year 1 to 9999) prints; nothing raises ---------------------

EXTREME_DAYS = [
    dt.date.min, dt.date(1, 3, 31), dt.date(1, 4, 1), dt.date(1867, 12, 31), dt.date(1868, 1, 1),
    dt.date(1868, 10, 22), dt.date(1868, 10, 23), dt.date(1869, 3, 31), dt.date(9998, 4, 1),
    dt.date(9999, 3, 31), dt.date(9999, 4, 1), dt.date.max,
]


@pytest.mark.parametrize("day", EXTREME_DAYS, ids=str)
def test_filters_never_raise_on_any_storable_date(day):
    from municipality.templatetags import wareki as filters

    for value in (day, dt.datetime.combine(day, dt.time(12))):
        assert filters.wareki(value)
        assert str(day.year) in filters.wareki_with_western(value)
        assert filters.nendo(value).endswith("年度")


def test_filters_walk_every_year_a_database_can_hold():
    from municipality.templatetags import wareki as filters

    for year in range(1, 10000):
        for day in (dt.date(year, 1, 1), dt.date(year, 3, 31), dt.date(year, 4, 1), dt.date(year, 12, 31)):
            filters.wareki(day), filters.wareki_with_western(day), filters.nendo(day)


def test_a_date_before_meiji_prints_in_the_western_calendar():
    assert wareki.format_wareki(dt.date(1, 1, 1)) == "1年1月1日"
    assert wareki.format_wareki(dt.date(1867, 12, 31), with_western=True) == "1867年12月31日"
    assert wareki.fiscal_year_label(1) == "1年度"
    assert wareki.fiscal_year_label(1867) == "1867年度"
    assert wareki.fiscal_year_label(9999) == "令和7981年度"


def test_the_last_fiscal_year_has_bounds_within_the_calendar():
    assert wareki.fiscal_year_bounds(9999) == (dt.date(9999, 4, 1), dt.date.max)
    assert wareki.fiscal_year_bounds(0) == (dt.date.min, dt.date(1, 3, 31))


# --- Reading dates typed in a ledger (imports) ---

@pytest.mark.parametrize(("text", "expected"), [
    ("令和8年4月1日", dt.date(2026, 4, 1)),
    ("令和元年5月1日", dt.date(2019, 5, 1)),
    ("平成31年4月30日", dt.date(2019, 4, 30)),
    ("昭和64年1月7日", dt.date(1989, 1, 7)),
    ("平成元年1月8日", dt.date(1989, 1, 8)),
    ("大正15年12月24日", dt.date(1926, 12, 24)),
    ("R8.4.1", dt.date(2026, 4, 1)),
    ("H31/4/30", dt.date(2019, 4, 30)),
    ("令和６年４月１日", dt.date(2024, 4, 1)),
    ("2026-04-01", dt.date(2026, 4, 1)),
    ("2026/4/1", dt.date(2026, 4, 1)),
    ("2026年4月1日", dt.date(2026, 4, 1)),
    (dt.datetime(2026, 4, 1, 0, 0), dt.date(2026, 4, 1)),
    (dt.date(2026, 4, 1), dt.date(2026, 4, 1)),
])
def test_parse_date_reads_cells_iso_and_wareki(text, expected):
    assert wareki.parse_date(text) == expected


@pytest.mark.parametrize("text", ["平成31年5月1日", "昭和64年1月8日", "令和0年1月1日", "令和8年2月30日", "2026-13-01",
                                  "来年", "", "8年4月1日"])
def test_parse_date_refuses_what_is_not_a_date(text):
    with pytest.raises(ValueError, match="日付として読めません"):
        wareki.parse_date(text)
