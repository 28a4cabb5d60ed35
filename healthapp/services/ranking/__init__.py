"""The "you are in the top n% of all users" badges.

metrics: which metrics exist and each user's value; histogram: the stored values and the
per-value histogram kept with every change; refresh: keeping them current (after writes,
deferred through Redis, at a new local day); the period every user shares is the UTC day
(metrics.py); ranks: reading a user's badges.
"""

from healthapp.services.ranking.histogram import forget_user, histogram_drift, rebuild_histogram
from healthapp.services.ranking.metrics import Metric, period_of, rank_value
from healthapp.services.ranking.ranks import (
    DEFAULT_MIN_COHORT,
    RankResult,
    cohort_counts,
    cohort_periods,
    user_ranks,
)
from healthapp.services.ranking.refresh import (
    DIRTY_KEY,
    ranks_changed,
    refresh_all_metrics,
    refresh_dirty,
    refresh_new_days,
    refresh_user_metrics,
    set_rank_opt_out,
    stale_users,
    zones_new_day,
)

__all__ = [
    "DEFAULT_MIN_COHORT",
    "DIRTY_KEY",
    "Metric",
    "RankResult",
    "cohort_counts",
    "cohort_periods",
    "forget_user",
    "histogram_drift",
    "period_of",
    "rank_value",
    "ranks_changed",
    "rebuild_histogram",
    "refresh_all_metrics",
    "refresh_dirty",
    "refresh_new_days",
    "refresh_user_metrics",
    "set_rank_opt_out",
    "stale_users",
    "user_ranks",
    "zones_new_day",
]
