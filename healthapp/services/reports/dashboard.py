"""Everything the signed-in home page shows: today's and this week's numbers, the latest results,
and the chart series."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session

from healthapp.domain.stats import (
    TARGET_HIGH_MG_DL,
    TARGET_LOW_MG_DL,
    ExerciseStats,
    GoalProgress,
    Goals,
    NutrientTotals,
    WhoProgress,
    exercise_stats,
    goal_progress,
    who_progress,
)
from healthapp.domain.units import display_glucose
from healthapp.services.preferences import Preferences
from healthapp.services.reports.aggregates import exercise_groups, nutrient_totals
from healthapp.services.reports.goals import get_goals
from healthapp.services.reports.latest import (
    LatestBP,
    LatestGlucose,
    LatestHbA1c,
    latest_bp,
    latest_glucose,
    latest_hba1c,
)
from healthapp.services.reports.periods import local_midnight, week_start_of
from healthapp.services.reports.series import (
    EXERCISE_CHART_WEEKS,
    GLUCOSE_CHART_DAYS,
    NUTRITION_CHART_DAYS,
    BPPoint,
    DayNutrition,
    GlucosePoint,
    WeekExercise,
    bp_series,
    exercise_series,
    glucose_series,
    nutrition_series,
)


@dataclass(frozen=True)
class DashboardNumbers:
    today: date
    week_start: date
    timezone: str
    glucose_unit: str
    goals: Goals
    today_nutrition: NutrientTotals
    today_progress: GoalProgress
    week_nutrition: NutrientTotals  # Monday through today
    total_nutrition: NutrientTotals  # since the first entry
    week_exercise: ExerciseStats
    total_exercise: ExerciseStats
    who: WhoProgress  # this week against the WHO 150 minutes
    latest_glucose: LatestGlucose | None
    latest_bp: LatestBP | None
    latest_hba1c: LatestHbA1c | None
    glucose_points: list[GlucosePoint]  # last 14 days
    glucose_target_low: float  # 70-180 mg/dL band in the user's unit
    glucose_target_high: float
    bp_points: list[BPPoint]  # last 30 readings
    nutrition_days: list[DayNutrition]  # last 14 days
    exercise_weeks: list[WeekExercise]  # last 8 weeks, this one included
    has_data: bool  # False: show the empty state inviting a first entry


def dashboard_numbers(
    db: Session, *, user_id: int, prefs: Preferences, today: date
) -> DashboardNumbers:
    """Everything the signed-in home page shows, for the user's local day `today`."""
    tz = prefs.tz
    monday = week_start_of(today)
    day_low = local_midnight(today, tz)
    day_high = local_midnight(today + timedelta(days=1), tz)
    week_low = local_midnight(monday, tz)
    goals = get_goals(db, user_id=user_id)
    today_nutrition = nutrient_totals(db, user_id=user_id, low=day_low, high=day_high)
    week_exercise = exercise_stats(
        exercise_groups(db, user_id=user_id, low=week_low, high=day_high)
    )
    total_nutrition = nutrient_totals(db, user_id=user_id, low=None, high=None)
    total_exercise = exercise_stats(exercise_groups(db, user_id=user_id, low=None, high=None))
    latest = (
        latest_glucose(db, user_id=user_id, prefs=prefs, until=day_high),
        latest_bp(db, user_id=user_id, prefs=prefs, until=day_high),
        latest_hba1c(db, user_id=user_id, prefs=prefs, until=today),
    )
    unit = prefs.glucose_unit
    return DashboardNumbers(
        today=today,
        week_start=monday,
        timezone=tz.key,
        glucose_unit=unit.value,
        goals=goals,
        today_nutrition=today_nutrition,
        today_progress=goal_progress(today_nutrition, goals),
        week_nutrition=nutrient_totals(db, user_id=user_id, low=week_low, high=day_high),
        total_nutrition=total_nutrition,
        week_exercise=week_exercise,
        total_exercise=total_exercise,
        who=who_progress(week_exercise),
        latest_glucose=latest[0],
        latest_bp=latest[1],
        latest_hba1c=latest[2],
        glucose_points=glucose_series(
            db,
            user_id=user_id,
            prefs=prefs,
            start=today - timedelta(days=GLUCOSE_CHART_DAYS - 1),
            end=today,
        ),
        glucose_target_low=float(display_glucose(Decimal(TARGET_LOW_MG_DL), unit)),
        glucose_target_high=float(display_glucose(Decimal(TARGET_HIGH_MG_DL), unit)),
        bp_points=bp_series(db, user_id=user_id, prefs=prefs, until=day_high),
        nutrition_days=nutrition_series(
            db,
            user_id=user_id,
            prefs=prefs,
            start=today - timedelta(days=NUTRITION_CHART_DAYS - 1),
            days=NUTRITION_CHART_DAYS,
        ),
        exercise_weeks=exercise_series(
            db,
            user_id=user_id,
            prefs=prefs,
            first_week=monday - timedelta(weeks=EXERCISE_CHART_WEEKS - 1),
            weeks=EXERCISE_CHART_WEEKS,
        ),
        has_data=any(item is not None for item in latest)
        or total_nutrition.meals > 0
        or total_exercise.sessions > 0,
    )
