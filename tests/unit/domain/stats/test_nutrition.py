"""Nutrition statistics against hand-computed fixtures."""

import pytest

from healthapp.domain import stats
from healthapp.domain.stats import Goals, NutrientTotals


def test_nutrition_split_and_goals() -> None:
    totals = NutrientTotals(kcal=1500, carb_g=50, protein_g=25, fat_g=20)
    split = stats.macro_split(totals)
    assert split is not None
    # 200 + 100 + 180 = 480 kcal from macros
    assert split.carb_pct == pytest.approx(41.6667, abs=1e-4)
    assert split.protein_pct == pytest.approx(20.8333, abs=1e-4)
    assert split.fat_pct == pytest.approx(37.5)
    assert stats.macro_split(NutrientTotals()) is None
    progress = stats.goal_progress(totals, Goals(kcal=2000, carb_g=250, protein_g=75, fat_g=65))
    assert (progress.kcal_pct, progress.carb_pct, progress.protein_pct, progress.fat_pct) == (
        75,
        20,
        33,
        31,
    )
