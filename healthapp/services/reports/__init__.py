"""Daily and weekly reports, dashboard numbers and chart series, daily goals: SQL aggregates per
local period (periods, aggregates), the report (report, meal_list, view), the home page
(dashboard, series, latest) and the goals (goals)."""

from healthapp.services.reports.aggregates import (
    bp_sums,
    exercise_groups,
    glucose_sums,
    nutrient_totals,
)
from healthapp.services.reports.dashboard import DashboardNumbers, dashboard_numbers
from healthapp.services.reports.goals import (
    DEFAULT_GOALS,
    GOAL_ERROR_KEYS,
    get_goals,
    goals_form,
    update_goals,
)
from healthapp.services.reports.latest import latest_hba1c
from healthapp.services.reports.periods import (
    bucket_index,
    day_edges,
    local_midnight,
    week_start_of,
)
from healthapp.services.reports.report import Report, daily_report, weekly_report
from healthapp.services.reports.series import (
    bp_series,
    exercise_series,
    glucose_series,
    nutrition_series,
)

__all__ = [
    "DEFAULT_GOALS",
    "GOAL_ERROR_KEYS",
    "DashboardNumbers",
    "Report",
    "bp_series",
    "bp_sums",
    "bucket_index",
    "daily_report",
    "dashboard_numbers",
    "day_edges",
    "exercise_groups",
    "exercise_series",
    "get_goals",
    "glucose_series",
    "glucose_sums",
    "goals_form",
    "latest_hba1c",
    "local_midnight",
    "nutrient_totals",
    "nutrition_series",
    "update_goals",
    "week_start_of",
    "weekly_report",
]
