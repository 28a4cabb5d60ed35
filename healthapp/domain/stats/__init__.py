"""Statistics for reports, the dashboard and ranks. Pure functions, no Reflex and no database.

The database adds readings up (COUNT, SUM, SUM of squares, SUM(CASE ...)) and hands the sums to
these functions (services.reports); `glucose_sums` etc. build the same sums from rows in Python,
for tests and small inputs. So a statistic has one definition whichever side adds up.

Modules: `glucose` (time in range, GMI, eAG), `agp` (ambulatory glucose profile, the five
bands), `blood_pressure` (categories of a standard),
`exercise` (WHO minutes), `nutrition` (goals, macro split), `ranks` (top n %, percentiles),
`basics` (what they share).
"""

from __future__ import annotations

from healthapp.domain.stats.agp import (
    AGP_DAYS,
    Band,
    BandShare,
    HourBin,
    hourly_profile,
    local_hour,
    time_in_ranges,
    whole_percents,
)
from healthapp.domain.stats.basics import delta, sample_sd
from healthapp.domain.stats.blood_pressure import (
    BP_CATEGORY_ORDER,
    BPStats,
    BPSums,
    bp_stats,
    bp_sums,
)
from healthapp.domain.stats.exercise import (
    WHO_MINUTE_WEIGHTS,
    WHO_WEEKLY_GOAL_MIN,
    ExerciseGroup,
    ExerciseStats,
    WhoProgress,
    exercise_stats,
    who_progress,
)
from healthapp.domain.stats.glucose import (
    ABOVE_180_FROM,
    ABOVE_250_FROM,
    BELOW_54_UNDER,
    BELOW_70_UNDER,
    EAG_INTERCEPT,
    EAG_SLOPE,
    GMI_INTERCEPT,
    GMI_MIN_READINGS,
    GMI_MIN_SPAN_DAYS,
    GMI_SLOPE,
    POST_MEAL_TIMINGS,
    TARGET_HIGH_MG_DL,
    TARGET_LOW_MG_DL,
    GlucoseReading,
    GlucoseStats,
    GlucoseSums,
    eag_mg_dl,
    glucose_stats,
    glucose_sums,
    gmi_percent,
    gmi_rule,
)
from healthapp.domain.stats.nutrition import (
    KCAL_PER_G_CARB,
    KCAL_PER_G_FAT,
    KCAL_PER_G_PROTEIN,
    GoalProgress,
    Goals,
    MacroSplit,
    NutrientTotals,
    goal_progress,
    macro_split,
)
from healthapp.domain.stats.ranks import percentile, top_percent

__all__ = [
    "ABOVE_180_FROM",
    "ABOVE_250_FROM",
    "AGP_DAYS",
    "BELOW_54_UNDER",
    "BELOW_70_UNDER",
    "BP_CATEGORY_ORDER",
    "EAG_INTERCEPT",
    "EAG_SLOPE",
    "GMI_INTERCEPT",
    "GMI_MIN_READINGS",
    "GMI_MIN_SPAN_DAYS",
    "GMI_SLOPE",
    "KCAL_PER_G_CARB",
    "KCAL_PER_G_FAT",
    "KCAL_PER_G_PROTEIN",
    "POST_MEAL_TIMINGS",
    "TARGET_HIGH_MG_DL",
    "TARGET_LOW_MG_DL",
    "WHO_MINUTE_WEIGHTS",
    "WHO_WEEKLY_GOAL_MIN",
    "BPStats",
    "BPSums",
    "Band",
    "BandShare",
    "ExerciseGroup",
    "ExerciseStats",
    "GlucoseReading",
    "GlucoseStats",
    "GlucoseSums",
    "GoalProgress",
    "Goals",
    "HourBin",
    "MacroSplit",
    "NutrientTotals",
    "WhoProgress",
    "bp_stats",
    "bp_sums",
    "delta",
    "eag_mg_dl",
    "exercise_stats",
    "glucose_stats",
    "glucose_sums",
    "gmi_percent",
    "gmi_rule",
    "goal_progress",
    "hourly_profile",
    "local_hour",
    "macro_split",
    "percentile",
    "sample_sd",
    "time_in_ranges",
    "top_percent",
    "who_progress",
    "whole_percents",
]
