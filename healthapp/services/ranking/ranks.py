"""Reading a user's "top n%" badges from the histogram.

A rank reads the histogram only: cohort = SUM(users) over (metric, period) for the current
period (today's UTC date) and the one before it (see metrics.py: every counted user's value was
computed on one of the two UTC days, whatever their zone), strictly better = SUM(users) over rank
values above the user's, one query over two primary key ranges (metric, period), at most a few
thousand rows whatever the number of users (bench/reports_rank.py,
1,000,000 users in one cohort: about 1 ms per metric on PostgreSQL 15, where the two COUNTs over
the cohort's index range that ranks used before took 70-90 ms). Nothing reads anybody else's
records.

top n % = ceil(100 x (strictly better + 1) / cohort) (stats.top_percent): the best of 20 users is
"top 5 %", users with equal rank values share the best place among them, the worst is
"top 100 %".
Shown only when the cohort has at least `min_cohort` users (default 20), else None with the
reason "cohort_too_small"; other reasons: "opted_out", "not_enough_data".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from healthapp.db import utcnow
from healthapp.domain.stats import top_percent
from healthapp.models import RankMetric
from healthapp.models.ranking import RankHistogram
from healthapp.services.preferences import Preferences
from healthapp.services.ranking.histogram import get_user
from healthapp.services.ranking.metrics import Metric, MetricValue, period_of, rank_value
from healthapp.services.ranking.refresh import refresh_user_metrics, take_dirty

DEFAULT_MIN_COHORT = 20


class Reason(StrEnum):
    """Why no badge is shown (catalogue key: rank.reason.<value>)."""

    OPTED_OUT = "opted_out"
    NOT_ENOUGH_DATA = "not_enough_data"
    COHORT_TOO_SMALL = "cohort_too_small"


@dataclass(frozen=True)
class RankResult:
    metric: str
    period: str
    value: float | None  # the user's value; None when opted out
    top_percent: int | None  # "top n %"; None with a reason
    reason: str  # "" when top_percent is given, else a Reason value
    better: int  # users of the cohort with a strictly higher value
    cohort: int  # users counted for this metric and period (the user included)
    min_cohort: int


def cohort_periods(period: str) -> tuple[str, str]:
    """The periods whose rows form the cohort of `period`: that UTC day and the one before."""
    day = date.fromisoformat(period)
    return (day - timedelta(days=1)).isoformat(), period


_Stored = tuple[str, float, int, datetime]  # period, value, rank value, computed at


def _stored(db: Session, user_id: int) -> dict[str, _Stored]:
    rows = db.execute(  # five columns: more than sqlmodel.select's overloads take
        sa.select(
            col(RankMetric.metric),
            col(RankMetric.period),
            col(RankMetric.value),
            col(RankMetric.rank_value),
            col(RankMetric.updated_at),
        ).where(col(RankMetric.user_id) == user_id)
    ).all()
    return {metric: (period, value, key, at) for metric, period, value, key, at in rows}


def _current(row: _Stored | None, now: datetime, prefs: Preferences) -> bool:
    """The stored row was computed in the current period and on the user's current local day
    (a window that ends at their local today)."""
    if row is None:
        return False
    period, _, _, at = row
    tz = prefs.tz
    return period == period_of(now) and at.astimezone(tz).date() == now.astimezone(tz).date()


def _counts(db: Session, metric: Metric, period: str, key: int) -> tuple[int, int]:
    users = col(RankHistogram.users)
    better, cohort = db.exec(
        select(
            func.coalesce(func.sum(sa.case((col(RankHistogram.value) > key, users), else_=0)), 0),
            func.coalesce(func.sum(users), 0),
        ).where(
            RankHistogram.metric == metric.value,
            col(RankHistogram.period).in_(cohort_periods(period)),
        )
    ).one()
    return int(better), int(cohort)


def cohort_counts(db: Session, *, metric: Metric, period: str, value: float) -> tuple[int, int]:
    """(users strictly better than `value`, cohort size) for `metric` in `period` (a UTC date;
    the cohort also holds the rows of the day before), compared by rank value: one pass over
    the two periods' histogram rows."""
    return _counts(db, metric, period, rank_value(value))


def user_ranks(
    db: Session,
    *,
    user_id: int,
    prefs: Preferences,
    now: datetime | None = None,
    metrics: Sequence[Metric] = tuple(Metric),
    min_cohort: int = DEFAULT_MIN_COHORT,
) -> list[RankResult]:
    """The user's badge for each of `metrics` (see the module doc for the rules)."""
    now = now or utcnow()
    period = period_of(now)
    user = get_user(db, user_id)
    if user.rank_opt_out:
        return [
            RankResult(m.value, period, None, None, Reason.OPTED_OUT.value, 0, 0, min_cohort)
            for m in metrics
        ]
    if take_dirty(user_id):  # written since the last refresh: bring the own row up to date
        refresh_user_metrics(db, user_id=user_id, prefs=prefs, now=now)
    stored = _stored(db, user_id)
    computed: dict[Metric, MetricValue] = {}
    if not all(_current(stored.get(m.value), now, prefs) for m in metrics):
        # Missing (not enough data, or never computed), or from an earlier period or local day:
        # recompute.
        computed = {
            v.metric: v for v in refresh_user_metrics(db, user_id=user_id, prefs=prefs, now=now)
        }
        stored = _stored(db, user_id)
    results = []
    for metric in metrics:
        row = stored.get(metric.value)
        if row is None or row[0] != period:
            own = computed.get(metric)
            results.append(
                RankResult(
                    metric.value,
                    period,
                    own.value if own else None,
                    None,
                    Reason.NOT_ENOUGH_DATA.value,
                    0,
                    0,
                    min_cohort,
                )
            )
            continue
        _, value, key, _ = row
        better, cohort = _counts(db, metric, period, key)
        if cohort < min_cohort:
            results.append(
                RankResult(
                    metric.value,
                    period,
                    value,
                    None,
                    Reason.COHORT_TOO_SMALL.value,
                    better,
                    cohort,
                    min_cohort,
                )
            )
            continue
        results.append(
            RankResult(
                metric.value,
                period,
                value,
                top_percent(better, cohort),
                "",
                better,
                cohort,
                min_cohort,
            )
        )
    return results
