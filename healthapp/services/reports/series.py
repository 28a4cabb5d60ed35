"""The dashboard's chart series: glucose and BP points, nutrition per day, exercise per week.

Points are bounded rows (the newest ones); per-day and per-week values are one per_period
statement each. Glucose points are in the user's unit already.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, select

from healthapp.domain.stats import exercise_stats, macro_split
from healthapp.domain.units import display_glucose
from healthapp.models import BloodPressure, Glucose
from healthapp.services.preferences import Preferences
from healthapp.services.reports.aggregates import (
    exercise_groups_by_period,
    nutrient_totals_by_period,
)
from healthapp.services.reports.periods import day_edges, day_span, local_midnight, week_start_of

GLUCOSE_CHART_DAYS = 14
GLUCOSE_CHART_MAX_POINTS = 2000  # 14 days of 5-minute CGM data is 4032; keep the newest 2000
BP_CHART_READINGS = 30
NUTRITION_CHART_DAYS = 14
EXERCISE_CHART_WEEKS = 8


@dataclass(frozen=True)
class GlucosePoint:
    at: datetime  # UTC
    local: str  # "2026-11-29T08:30" in the user's zone (chart axis)
    value: float  # in the user's unit, as shown (whole mg/dL or mmol/L to 0.1)
    mg_dl: float
    timing: str


@dataclass(frozen=True)
class BPPoint:
    at: datetime
    local: str
    systolic: int
    diastolic: int
    pulse: int | None


@dataclass(frozen=True)
class DayNutrition:
    day: date
    kcal: float
    carb_g: float
    protein_g: float
    fat_g: float
    # share of the macro energy (4/4/9 kcal per g), 0 on a day without meals
    carb_pct: float
    protein_pct: float
    fat_pct: float


@dataclass(frozen=True)
class WeekExercise:
    week_start: date
    minutes: int
    who_minutes: int


def _axis_text(value: datetime, prefs: Preferences) -> str:
    return value.astimezone(prefs.tz).strftime("%Y-%m-%dT%H:%M")


def glucose_series(
    db: Session,
    *,
    user_id: int,
    prefs: Preferences,
    start: date,
    end: date,
    limit: int = GLUCOSE_CHART_MAX_POINTS,
) -> list[GlucosePoint]:
    """Readings of local days start..end, oldest first (the newest `limit` when there are more)."""
    low, high = day_span(start, end, prefs.tz)
    rows = db.exec(
        select(col(Glucose.measured_at), col(Glucose.mg_dl), col(Glucose.timing))
        .where(
            Glucose.user_id == user_id,
            col(Glucose.measured_at) >= low,
            col(Glucose.measured_at) < high,
        )
        .order_by(col(Glucose.measured_at).desc(), col(Glucose.id).desc())
        .limit(limit)
    ).all()
    return [
        GlucosePoint(
            at=at,
            local=_axis_text(at, prefs),
            value=float(display_glucose(mg_dl, prefs.glucose_unit)),
            mg_dl=mg_dl,
            timing=timing,
        )
        for at, mg_dl, timing in reversed(rows)
    ]


def bp_series(
    db: Session,
    *,
    user_id: int,
    prefs: Preferences,
    until: datetime,
    limit: int = BP_CHART_READINGS,
) -> list[BPPoint]:
    """The last `limit` readings before `until`, oldest first."""
    rows = db.exec(
        select(
            col(BloodPressure.measured_at),
            col(BloodPressure.systolic),
            col(BloodPressure.diastolic),
            col(BloodPressure.pulse),
        )
        .where(BloodPressure.user_id == user_id, col(BloodPressure.measured_at) < until)
        .order_by(col(BloodPressure.measured_at).desc(), col(BloodPressure.id).desc())
        .limit(limit)
    ).all()
    return [BPPoint(at, _axis_text(at, prefs), s, d, p) for at, s, d, p in reversed(rows)]


def nutrition_series(
    db: Session, *, user_id: int, prefs: Preferences, start: date, days: int
) -> list[DayNutrition]:
    """Per local day from `start`, `days` days: nutrient totals (one GROUP BY over buckets)."""
    per_day = nutrient_totals_by_period(db, user_id=user_id, edges=day_edges(start, days, prefs.tz))
    series = []
    for i, totals in enumerate(per_day):
        split = macro_split(totals)
        series.append(
            DayNutrition(
                day=start + timedelta(days=i),
                kcal=totals.kcal,
                carb_g=totals.carb_g,
                protein_g=totals.protein_g,
                fat_g=totals.fat_g,
                carb_pct=split.carb_pct if split else 0.0,
                protein_pct=split.protein_pct if split else 0.0,
                fat_pct=split.fat_pct if split else 0.0,
            )
        )
    return series


def exercise_series(
    db: Session, *, user_id: int, prefs: Preferences, first_week: date, weeks: int
) -> list[WeekExercise]:
    """Per Monday-start local week from `first_week`'s Monday: total and WHO minutes."""
    monday = week_start_of(first_week)
    edges = [local_midnight(monday + timedelta(weeks=i), prefs.tz) for i in range(weeks + 1)]
    series = []
    for i, groups in enumerate(exercise_groups_by_period(db, user_id=user_id, edges=edges)):
        week = exercise_stats(groups)
        series.append(WeekExercise(monday + timedelta(weeks=i), week.minutes, week.who_minutes))
    return series
