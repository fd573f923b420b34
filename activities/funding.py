"""The 標準額 of the 生活支援体制整備事業 (seed 002), from the municipality's own areas.

■第1層 8,000千円（指定都市の場合は、行政区の数に乗じる）
■第2層 4,000千円 × 日常生活圏域の数（日常生活圏域が一つの市町村は、第1層分のみを算定）
"""

from __future__ import annotations

from dataclasses import dataclass

FIRST_LAYER_THOUSAND_YEN = 8_000
SECOND_LAYER_THOUSAND_YEN = 4_000


@dataclass(frozen=True)
class FundingEstimate:
    first_layer: int
    second_layer: int
    first_layer_formula: str
    second_layer_formula: str

    @property
    def total(self) -> int:
        return self.first_layer + self.second_layer

    @property
    def formula(self) -> str:
        return f"{self.first_layer_formula} ＋ {self.second_layer_formula} ＝ {self.total:,}千円"


def estimate(*, daily_life_areas: int, designated_city: bool = False, wards: int = 0) -> FundingEstimate:
    if designated_city:
        if wards < 1:
            raise ValueError("指定都市の場合は行政区の数（1以上）が必要です。")
        first = FIRST_LAYER_THOUSAND_YEN * wards
        first_formula = f"第1層 {FIRST_LAYER_THOUSAND_YEN:,}千円 × 行政区 {wards} ＝ {first:,}千円"
    else:
        first = FIRST_LAYER_THOUSAND_YEN
        first_formula = f"第1層 {first:,}千円"
    if daily_life_areas <= 1:
        second = 0
        second_formula = (
            "第2層 0千円（日常生活圏域が一つのため第1層分のみ）" if daily_life_areas == 1
            else "第2層 0千円（第2層の区域が登録されていないため第1層分のみ）"
        )
    else:
        second = SECOND_LAYER_THOUSAND_YEN * daily_life_areas
        second_formula = f"第2層 {SECOND_LAYER_THOUSAND_YEN:,}千円 × 日常生活圏域 {daily_life_areas} ＝ {second:,}千円"
    return FundingEstimate(first, second, first_formula, second_formula)


def estimate_for_municipality() -> FundingEstimate:
    """From the settings and the municipality's active 第2層 areas (its 日常生活圏域)."""
    from municipality.models import Area, Municipality

    municipality = Municipality.objects.current()
    return estimate(
        daily_life_areas=Area.objects.filter(layer=2, is_active=True).count(),
        designated_city=municipality.is_designated_city,
        wards=municipality.ward_count,
    )
