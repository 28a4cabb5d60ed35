"""A report as rows a page (or a printout) can show: catalogue keys plus language-neutral
figures, this period against the previous one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from healthapp.domain.units import GlucoseUnit, format_glucose, mg_dl_to_mmol_l
from healthapp.services.reports.report import PeriodSummary, Report


@dataclass
class ReportRow:
    label_key: str
    current: str
    previous: str
    change: str


@dataclass
class MealRow:
    day: str
    time: str
    meal_type: str
    foods: str  # "Kimchi 50 g, Rice 210 g" (English names; the page may swap in Korean)
    kcal: str
    carb_g: str
    protein_g: str
    fat_g: str
    estimate: bool


DASH = "—"

_Getter = Callable[[PeriodSummary], float | None]


def _num(value: float | None, digits: int = 0, suffix: str = "") -> str:
    if value is None:
        return DASH
    return f"{value:,.{digits}f}{suffix}"


def _change(current: float | None, previous: float | None, digits: int = 0) -> str:
    if current is None or previous is None:
        return DASH
    diff = current - previous
    return f"{diff:+,.{digits}f}" if round(diff, digits) else "±0"


def report_rows(report: Report) -> list[ReportRow]:
    unit = GlucoseUnit(report.glucose_unit)

    def glucose(value: float | None) -> str:
        return DASH if value is None else f"{format_glucose(value, unit)} {unit.value}"

    def glucose_change(a: float | None, b: float | None) -> str:
        if a is None or b is None:
            return DASH
        if unit is GlucoseUnit.MMOL_L:
            return _change(mg_dl_to_mmol_l(a), mg_dl_to_mmol_l(b), 1)
        return _change(a, b)

    numeric: list[tuple[str, _Getter, int, str]] = [
        ("report.kcal", lambda p: p.nutrition.kcal, 0, ""),
        ("report.carb", lambda p: p.nutrition.carb_g, 0, " g"),
        ("report.protein", lambda p: p.nutrition.protein_g, 0, " g"),
        ("report.fat", lambda p: p.nutrition.fat_g, 0, " g"),
        ("report.meals", lambda p: p.nutrition.meals, 0, ""),
        ("report.glucose_count", lambda p: p.glucose.count, 0, ""),
        ("report.glucose_cv", lambda p: p.glucose.cv_pct, 0, " %"),
        ("report.tir", lambda p: p.glucose.in_range_pct, 0, " %"),
        ("report.below_70", lambda p: p.glucose.below_70_pct, 0, " %"),
        ("report.below_54", lambda p: p.glucose.below_54_pct, 0, " %"),
        ("report.above_180", lambda p: p.glucose.above_180_pct, 0, " %"),
        ("report.above_250", lambda p: p.glucose.above_250_pct, 0, " %"),
        ("report.gmi", lambda p: p.glucose.gmi_pct, 1, " %"),
        ("report.bp_count", lambda p: p.bp.count, 0, ""),
        ("report.systolic_mean", lambda p: p.bp.systolic_mean, 0, " mmHg"),
        ("report.diastolic_mean", lambda p: p.bp.diastolic_mean, 0, " mmHg"),
        ("report.exercise_minutes", lambda p: p.exercise.minutes, 0, " min"),
        ("report.exercise_energy", lambda p: p.exercise.energy_kcal, 0, " kcal"),
    ]
    glucose_rows: list[tuple[str, _Getter]] = [
        ("report.glucose_mean", lambda p: p.glucose.mean_mg_dl),
        ("report.glucose_sd", lambda p: p.glucose.sd_mg_dl),
        ("report.pre_meal_mean", lambda p: p.glucose.pre_meal_mean_mg_dl),
        ("report.post_meal_mean", lambda p: p.glucose.post_meal_mean_mg_dl),
    ]
    cur, prev = report.current, report.previous
    rows = [
        ReportRow(key, _num(get(cur), digits, suffix), _num(get(prev), digits, suffix),
                  _change(get(cur), get(prev), digits))
        for key, get, digits, suffix in numeric
    ]  # fmt: skip
    rows[6:6] = [
        ReportRow(key, glucose(get(cur)), glucose(get(prev)), glucose_change(get(cur), get(prev)))
        for key, get in glucose_rows
    ]
    return rows


def bp_category_rows(report: Report) -> list[tuple[str, str, str]]:
    """(catalogue key of the category, count this period, count the period before)."""
    previous = report.previous.bp.categories
    return [
        (f"clinical.bp.{category}", str(count), str(previous.get(category, 0)))
        for category, count in report.current.bp.categories.items()
    ]


def meal_rows(report: Report, lang: str) -> list[MealRow]:
    rows = []
    for meal in report.meals:
        foods = ", ".join(
            f"{(item.name_ko if lang == 'ko' and item.name_ko else item.name_en)} {item.grams:g} g"
            for item in meal.items
        )
        rows.append(
            MealRow(meal.day.isoformat(), meal.time, meal.meal_type, foods, _num(meal.kcal),
                    _num(meal.carb_g), _num(meal.protein_g), _num(meal.fat_g),
                    meal.has_estimate)
        )  # fmt: skip
    return rows
