"""Which rank metrics exist, how each user's value is computed, and the rank of a value.

Metrics (higher is better for each), each over a window in the user's own calendar
(Preferences.tz) that ends at their local today:
- exercise_week: exercise minutes this local week (Monday-Sunday). Enough data: at least one
  exercise session this week or in the 3 weeks before it (someone who logs exercise; a week
  without any then counts as 0 minutes).
- consistency_30d: local days, of the last 30 (today included), with at least one record of any
  type (glucose, blood pressure, HbA1c, exercise, meal). Enough data: at least one such day.
- glucose_tir_14d: % of glucose readings in 70-180 mg/dL over the last 14 local days (today
  included), with the band rule of domain/stats. Enough data: the GMI rule, at least 14
  readings whose first and last are at least 7 local days apart (counting both). Ranked by
  whole percent (`rank_value`).

The period: one shared key for everybody, whatever their zone. A value is stored under the UTC
date of the moment it was computed ("2026-11-29", `period_of`), for every metric. Keying by
the user's local date (as before) split the users into one cohort per zone offset: at any
moment users east of UTC are a day ahead of those west of it, so with a few users in four
zones no cohort ever reached the minimum. A "period every user falls into" is therefore a
stretch of UTC time, not a local calendar: the users counted in a rank are those whose value
was computed on the current or the previous UTC day (ranks.py). Each user's value is
recomputed at least once a local day (at their local midnight by the hourly job, after every
write, at every badge view), so every user who is counted at all is in one of the two; each user
has one row per metric, so nobody counts twice. Values in one cohort then cover windows that end
on local days at most one day apart: the rank compares "this local week / the last 30 / 14 local
days" of each user as of their own today.

The rank value is the value rounded half up to a whole number: minutes and days are whole
already, time in range is ranked by whole percent (78.57 % ranks as 79 %, and ties with everyone
at 79 %), so a period has at most a few thousand distinct rank values per metric.

Values are computed set-based: one GROUP BY user_id query per metric for many users who share a
time zone, so the periodic refresh costs a few queries per chunk of users, not per user.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from healthapp.domain.stats import ABOVE_180_FROM, BELOW_70_UNDER, gmi_rule
from healthapp.models import BloodPressure, Exercise, Glucose, HbA1c, Meal
from healthapp.services.reports import bucket_index, day_edges, local_midnight, week_start_of

CONSISTENCY_DAYS = 30
TIR_DAYS = 14
EXERCISE_LOOKBACK_WEEKS = 4  # this week and the 3 before


class Metric(StrEnum):
    EXERCISE_WEEK = "exercise_week"
    CONSISTENCY_30D = "consistency_30d"
    GLUCOSE_TIR_14D = "glucose_tir_14d"


@dataclass(frozen=True)
class MetricValue:
    metric: Metric
    period: str
    value: float
    eligible: bool  # enough data in the period
    counted: bool  # eligible and not opted out: stored, part of the cohort

    @property
    def rank_value(self) -> int:
        return rank_value(self.value)


def rank_value(value: float) -> int:
    """The whole number a value is ranked by: `value` rounded half up (0.5 -> 1, 78.57 -> 79).
    Exact for time in range, 100 k / n as a correctly rounded float: unless it is a half, it is
    at least 1 / (2 n) away from one, far beyond a float's error."""
    return math.floor(value + 0.5)


def period_of(now: datetime) -> str:
    """The period a value computed at `now` belongs to: the UTC date, the same for every zone."""
    return utc_day(now).isoformat()


def utc_day(now: datetime) -> date:
    return now.astimezone(UTC).date()


# Each returns user id -> (value, enough data) for every id asked for.
_Compute = Callable[[Session, Sequence[int], ZoneInfo, date], dict[int, tuple[float, bool]]]


def _exercise_week(
    db: Session, ids: Sequence[int], tz: ZoneInfo, today: date
) -> dict[int, tuple[float, bool]]:
    monday = week_start_of(today)
    week_low = local_midnight(monday, tz)
    low = local_midnight(monday - timedelta(weeks=EXERCISE_LOOKBACK_WEEKS - 1), tz)
    high = local_midnight(monday + timedelta(weeks=1), tz)
    started = col(Exercise.started_at)
    rows = db.exec(
        select(
            col(Exercise.user_id),
            func.sum(sa.case((started >= week_low, col(Exercise.duration_min)), else_=0)),
            func.count(),
        )
        .where(col(Exercise.user_id).in_(ids), started >= low, started < high)
        .group_by(col(Exercise.user_id))
    ).all()
    found = {int(uid): (float(minutes or 0), count > 0) for uid, minutes, count in rows}
    return {uid: found.get(uid, (0.0, False)) for uid in ids}


def _consistency(
    db: Session, ids: Sequence[int], tz: ZoneInfo, today: date
) -> dict[int, tuple[float, bool]]:
    first = today - timedelta(days=CONSISTENCY_DAYS - 1)
    edges = day_edges(first, CONSISTENCY_DAYS, tz)
    parts: list[Any] = []
    for model, column in (
        (Glucose, Glucose.measured_at),
        (BloodPressure, BloodPressure.measured_at),
        (Exercise, Exercise.started_at),
        (Meal, Meal.eaten_at),
    ):
        when = col(column)
        parts.append(
            sa.select(
                col(model.user_id).label("user_id"), bucket_index(when, edges).label("bucket")
            ).where(col(model.user_id).in_(ids), when >= edges[0], when < edges[-1])
        )
    days = [first + timedelta(days=i) for i in range(CONSISTENCY_DAYS)]
    measured_on = col(HbA1c.measured_on)
    parts.append(
        sa.select(
            col(HbA1c.user_id).label("user_id"),
            sa.case(*[(measured_on == day, i) for i, day in enumerate(days)]).label("bucket"),
        ).where(col(HbA1c.user_id).in_(ids), measured_on >= days[0], measured_on <= days[-1])
    )
    distinct_days = sa.union(*parts).subquery()  # UNION: one row per (user, day)
    rows = db.execute(
        sa.select(distinct_days.c.user_id, func.count()).group_by(distinct_days.c.user_id)
    ).all()
    found = {int(uid): int(n) for uid, n in rows}
    return {uid: (float(found.get(uid, 0)), found.get(uid, 0) > 0) for uid in ids}


def _glucose_tir(
    db: Session, ids: Sequence[int], tz: ZoneInfo, today: date
) -> dict[int, tuple[float, bool]]:
    low = local_midnight(today - timedelta(days=TIR_DAYS - 1), tz)
    high = local_midnight(today + timedelta(days=1), tz)
    value, when = col(Glucose.mg_dl), col(Glucose.measured_at)
    rows = db.execute(  # five columns: more than sqlmodel.select's overloads take
        sa.select(
            col(Glucose.user_id),
            func.count(),
            func.sum(sa.case(((value >= BELOW_70_UNDER) & (value < ABOVE_180_FROM), 1), else_=0)),
            func.min(when),
            func.max(when),
        )
        .where(col(Glucose.user_id).in_(ids), when >= low, when < high)
        .group_by(col(Glucose.user_id))
    ).all()
    result = {uid: (0.0, False) for uid in ids}
    for uid, count, in_range, first, last in rows:
        span = (last.astimezone(tz).date() - first.astimezone(tz).date()).days + 1
        # 100 * k / n is correctly rounded: equal shares give equal floats, so ties stay ties.
        result[int(uid)] = (100 * int(in_range or 0) / int(count), not gmi_rule(int(count), span))
    return result


_COMPUTE: dict[Metric, _Compute] = {
    Metric.EXERCISE_WEEK: _exercise_week,
    Metric.CONSISTENCY_30D: _consistency,
    Metric.GLUCOSE_TIR_14D: _glucose_tir,
}


def compute_metrics(
    db: Session,
    *,
    user_ids: Sequence[int],
    tz: ZoneInfo,
    now: datetime,
    opted_out: Collection[int] = (),
) -> dict[int, list[MetricValue]]:
    """Every metric for users who share the time zone `tz`, as of `now`."""
    today = now.astimezone(tz).date()
    result: dict[int, list[MetricValue]] = {uid: [] for uid in user_ids}
    if not user_ids:
        return result
    period = period_of(now)
    for metric, compute in _COMPUTE.items():
        for uid, (value, eligible) in compute(db, user_ids, tz, today).items():
            counted = eligible and uid not in opted_out
            result[uid].append(MetricValue(metric, period, value, eligible, counted))
    return result
