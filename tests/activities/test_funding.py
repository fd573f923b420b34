"""The 標準額 of seed 002: 第1層 8,000千円 (× 行政区 for a designated city) + 第2層 4,000千円 × 圏域."""

import pytest

from activities.funding import estimate, estimate_for_municipality
from municipality.models import Municipality
from tests.factories import AreaFactory


def test_an_ordinary_city_with_thirteen_areas():
    result = estimate(daily_life_areas=13)
    assert (result.first_layer, result.second_layer, result.total) == (8_000, 52_000, 60_000)
    assert result.formula == "第1層 8,000千円 ＋ 第2層 4,000千円 × 日常生活圏域 13 ＝ 52,000千円 ＝ 60,000千円"


def test_a_town_with_a_single_area_counts_the_first_layer_only():
    result = estimate(daily_life_areas=1)
    assert (result.first_layer, result.second_layer, result.total) == (8_000, 0, 8_000)
    assert "第1層分のみ" in result.formula


def test_a_designated_city_multiplies_the_first_layer_by_its_wards():
    result = estimate(daily_life_areas=30, designated_city=True, wards=6)
    assert (result.first_layer, result.second_layer, result.total) == (48_000, 120_000, 168_000)
    assert "行政区 6" in result.formula


def test_a_designated_city_needs_its_wards():
    with pytest.raises(ValueError, match="行政区の数"):
        estimate(daily_life_areas=10, designated_city=True, wards=0)


@pytest.mark.django_db
def test_from_the_municipality_s_own_areas():
    for i in range(4):
        AreaFactory(code=f"F{i}")
    inactive = AreaFactory(code="F9")
    inactive.is_active = False
    inactive.save()
    assert estimate_for_municipality().total == 8_000 + 4_000 * 4
    municipality = Municipality.objects.current()
    municipality.is_designated_city, municipality.ward_count = True, 2
    municipality.save()
    assert estimate_for_municipality().total == 16_000 + 16_000
