"""Nutrition statistics: progress towards the daily goals and the energy split by macronutrient."""

from __future__ import annotations

from dataclasses import dataclass

from healthapp.domain.stats.basics import half_up

# Energy per gram (Atwater factors) for the macro split.
KCAL_PER_G_CARB = 4
KCAL_PER_G_PROTEIN = 4
KCAL_PER_G_FAT = 9


@dataclass(frozen=True)
class NutrientTotals:
    kcal: float = 0.0
    carb_g: float = 0.0
    protein_g: float = 0.0
    fat_g: float = 0.0
    meals: int = 0


@dataclass(frozen=True)
class Goals:
    kcal: int
    carb_g: int
    protein_g: int
    fat_g: int


@dataclass(frozen=True)
class GoalProgress:
    """Each total as a whole percent of its goal (not capped at 100)."""

    kcal_pct: int
    carb_pct: int
    protein_pct: int
    fat_pct: int


def goal_progress(totals: NutrientTotals, goals: Goals) -> GoalProgress:
    def pct(value: float, goal: int) -> int:
        return half_up(100 * value / goal) if goal > 0 else 0

    return GoalProgress(
        kcal_pct=pct(totals.kcal, goals.kcal),
        carb_pct=pct(totals.carb_g, goals.carb_g),
        protein_pct=pct(totals.protein_g, goals.protein_g),
        fat_pct=pct(totals.fat_g, goals.fat_g),
    )


@dataclass(frozen=True)
class MacroSplit:
    """Share of the energy from the three macronutrients (4 / 4 / 9 kcal per g), in %."""

    carb_pct: float
    protein_pct: float
    fat_pct: float


def macro_split(totals: NutrientTotals) -> MacroSplit | None:
    carb = totals.carb_g * KCAL_PER_G_CARB
    protein = totals.protein_g * KCAL_PER_G_PROTEIN
    fat = totals.fat_g * KCAL_PER_G_FAT
    energy = carb + protein + fat
    if energy <= 0:
        return None
    return MacroSplit(100 * carb / energy, 100 * protein / energy, 100 * fat / energy)
