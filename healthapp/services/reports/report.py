"""Daily and weekly reports: a period's aggregates next to those of the period before.

Glucose values are mg/dL here (the canonical unit); the UI formats them with domain/units.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session

from healthapp.domain.stats import (
    BPStats,
    ExerciseStats,
    GlucoseStats,
    GoalProgress,
    Goals,
    NutrientTotals,
    WhoProgress,
    bp_stats,
    delta,
    exercise_stats,
    glucose_stats,
    goal_progress,
    who_progress,
)
from healthapp.services.preferences import Preferences
from healthapp.services.reports.aggregates import (
    bp_sums,
    bp_sums_by_period,
    exercise_groups,
    exercise_groups_in_windows,
    glucose_sums,
    glucose_sums_by_period,
    nutrient_totals,
    nutrient_totals_by_period,
)
from healthapp.services.reports.goals import get_goals
from healthapp.services.reports.latest import LatestHbA1c, latest_hba1c
from healthapp.services.reports.meal_list import MealEntry, period_meals
from healthapp.services.reports.periods import day_span, local_midnight, week_start_of


@dataclass(frozen=True)
class PeriodSummary:
    """Everything aggregated over local days start..end (both included)."""

    start: date
    end: date
    days: int
    nutrition: NutrientTotals
    glucose: GlucoseStats
    bp: BPStats
    exercise: ExerciseStats


def period_summary(
    db: Session, *, user_id: int, prefs: Preferences, start: date, end: date
) -> PeriodSummary:
    """Aggregates of the user's local days start..end (any range, e.g. for a printable report)."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    low, high = day_span(start, end, prefs.tz)
    return PeriodSummary(
        start=start,
        end=end,
        days=(end - start).days + 1,
        nutrition=nutrient_totals(db, user_id=user_id, low=low, high=high),
        glucose=glucose_stats(glucose_sums(db, user_id=user_id, low=low, high=high, tz=prefs.tz)),
        bp=bp_stats(bp_sums(db, user_id=user_id, low=low, high=high), prefs.bp_standard),
        exercise=exercise_stats(exercise_groups(db, user_id=user_id, low=low, high=high)),
    )


@dataclass(frozen=True)
class Deltas:
    """This period minus the previous one; None where either side has no value."""

    kcal: float
    carb_g: float
    protein_g: float
    fat_g: float
    meals: int
    glucose_count: int
    glucose_mean_mg_dl: float | None
    glucose_sd_mg_dl: float | None
    glucose_cv_pct: float | None
    glucose_in_range_pct: float | None
    glucose_below_70_pct: float | None
    glucose_above_180_pct: float | None
    bp_count: int
    systolic_mean: float | None
    diastolic_mean: float | None
    exercise_minutes: int
    exercise_who_minutes: int
    exercise_energy_kcal: float


def deltas(current: PeriodSummary, previous: PeriodSummary) -> Deltas:
    c, p = current, previous
    return Deltas(
        kcal=c.nutrition.kcal - p.nutrition.kcal,
        carb_g=c.nutrition.carb_g - p.nutrition.carb_g,
        protein_g=c.nutrition.protein_g - p.nutrition.protein_g,
        fat_g=c.nutrition.fat_g - p.nutrition.fat_g,
        meals=c.nutrition.meals - p.nutrition.meals,
        glucose_count=c.glucose.count - p.glucose.count,
        glucose_mean_mg_dl=delta(c.glucose.mean_mg_dl, p.glucose.mean_mg_dl),
        glucose_sd_mg_dl=delta(c.glucose.sd_mg_dl, p.glucose.sd_mg_dl),
        glucose_cv_pct=delta(c.glucose.cv_pct, p.glucose.cv_pct),
        glucose_in_range_pct=delta(c.glucose.in_range_pct, p.glucose.in_range_pct),
        glucose_below_70_pct=delta(c.glucose.below_70_pct, p.glucose.below_70_pct),
        glucose_above_180_pct=delta(c.glucose.above_180_pct, p.glucose.above_180_pct),
        bp_count=c.bp.count - p.bp.count,
        systolic_mean=delta(c.bp.systolic_mean, p.bp.systolic_mean),
        diastolic_mean=delta(c.bp.diastolic_mean, p.bp.diastolic_mean),
        exercise_minutes=c.exercise.minutes - p.exercise.minutes,
        exercise_who_minutes=c.exercise.who_minutes - p.exercise.who_minutes,
        exercise_energy_kcal=c.exercise.energy_kcal - p.exercise.energy_kcal,
    )


@dataclass(frozen=True)
class Report:
    kind: str  # "day" | "week"
    start: date
    end: date  # inclusive
    timezone: str
    glucose_unit: str
    goals: Goals
    meals: list[MealEntry]
    current: PeriodSummary
    previous: PeriodSummary  # the day / week before
    deltas: Deltas
    goal_progress: GoalProgress  # day: that day's totals; week: the daily average
    hba1c: LatestHbA1c | None  # newest result up to `end`
    # WHO weekly goal: the whole week for a weekly report; for a daily report the week to date
    # (its Monday through that day).
    who: WhoProgress
    who_week_start: date


def _report(
    db: Session, *, kind: str, user_id: int, prefs: Preferences, start: date, days: int
) -> Report:
    # The previous period, this one: aggregates of both come from one statement per kind of
    # record, grouped by bucket_index over their three boundaries (period_summary's numbers).
    tz = prefs.tz
    end = start + timedelta(days=days - 1)
    before = start - timedelta(days=days)
    edges = [
        local_midnight(before, tz),
        local_midnight(start, tz),
        local_midnight(end + timedelta(days=1), tz),
    ]
    monday = week_start_of(end)
    windows = [(edges[0], edges[1]), (edges[1], edges[2])]
    if kind != "week":  # the WHO week to date: Monday through `end`
        windows.append((local_midnight(monday, tz), edges[2]))
    exercise = exercise_groups_in_windows(db, user_id=user_id, windows=windows)
    nutrition = nutrient_totals_by_period(db, user_id=user_id, edges=edges)
    glucose = glucose_sums_by_period(db, user_id=user_id, edges=edges, tz=tz)
    bp = bp_sums_by_period(db, user_id=user_id, edges=edges)
    previous, current = (
        PeriodSummary(
            start=first,
            end=first + timedelta(days=days - 1),
            days=days,
            nutrition=nutrition[i],
            glucose=glucose_stats(glucose[i]),
            bp=bp_stats(bp[i], prefs.bp_standard),
            exercise=exercise_stats(exercise[i]),
        )
        for i, first in enumerate((before, start))
    )
    who_exercise = current.exercise if kind == "week" else exercise_stats(exercise[2])
    goals = get_goals(db, user_id=user_id)
    n = current.nutrition
    per_day = NutrientTotals(n.kcal / days, n.carb_g / days, n.protein_g / days, n.fat_g / days)
    return Report(
        kind=kind,
        start=start,
        end=end,
        timezone=tz.key,
        glucose_unit=prefs.glucose_unit.value,
        goals=goals,
        meals=period_meals(db, user_id=user_id, prefs=prefs, start=start, end=end),
        current=current,
        previous=previous,
        deltas=deltas(current, previous),
        goal_progress=goal_progress(per_day, goals),
        hba1c=latest_hba1c(db, user_id=user_id, prefs=prefs, until=end),
        who=who_progress(who_exercise),
        who_week_start=monday,
    )


def daily_report(db: Session, *, user_id: int, prefs: Preferences, day: date) -> Report:
    """The local day `day` in the user's zone, compared with the day before."""
    return _report(db, kind="day", user_id=user_id, prefs=prefs, start=day, days=1)


def weekly_report(db: Session, *, user_id: int, prefs: Preferences, week_start: date) -> Report:
    """The Monday-to-Sunday week that contains `week_start` (any day of it is accepted and moved
    back to its Monday), compared with the week before."""
    return _report(
        db, kind="week", user_id=user_id, prefs=prefs, start=week_start_of(week_start), days=7
    )
