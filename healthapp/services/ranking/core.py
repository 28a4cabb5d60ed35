"""The "you are in the top n% of all users" badges.

Metrics (higher is better for each), in the user's own calendar (Preferences.tz):
- exercise_week: exercise minutes this local week (Monday-Sunday). Enough data: at least one
  exercise session this week or in the 3 weeks before it (someone who logs exercise; a week
  without any then counts as 0 minutes). Period "2026-W48" (ISO week).
- consistency_30d: local days, of the last 30 (today included), with at least one record of any
  type (glucose, blood pressure, HbA1c, exercise, meal). Enough data: at least one such day.
  Period: the last day of the window, "2026-11-29".
- glucose_tir_14d: % of glucose readings in 70-180 mg/dL over the last 14 local days (today
  included), with the band rule of services/stats.py. Enough data: the GMI rule, at least 14
  readings whose first and last are at least 7 local days apart (counting both). Period: the last
  day of the window. Ranked by whole percent (below).

Storage (models/ranking.py): rank_metric holds one row per (user, metric) with the current period,
the value as shown and the rank value, present only while the user is counted (enough data and
not opted out). The rank value is the value rounded half up to a whole number (`rank_value`):
minutes and days are whole already, time in range is ranked by whole percent (78.57 % ranks as
79 %, and ties with everyone at 79 %), so a (metric, period) has at most a few thousand distinct
rank values. rank_histogram counts the rank_metric rows per (metric, period, rank value).

Every rank_metric change goes through `_store`, which updates the histogram in the same
transaction: it locks the users' app_user rows (PostgreSQL: FOR NO KEY UPDATE, in id order, so
two refreshes of one user run one after the other and record inserts are not blocked), reads
their old (metric, period, rank value) rows, writes the new ones, and adds the difference to
the histogram with one upsert (users = users + delta, rows in key order so that concurrent
writers lock them in the same order) and deletes the rows that fell to 0. On SQLite writers are
serialized by the database lock. Deleting an account must call `forget_user` before the
app_user row goes (ON DELETE CASCADE would remove rank_metric rows behind the histogram's back);
`rebuild_histogram` recomputes it from rank_metric with INSERT ... SELECT ... GROUP BY (after a
bulk load, or to repair).

`refresh_user_metrics` rewrites one user's rows; callers run it after every write to that user's
records or meals (and it runs by itself when a badge is asked for and the stored period is not
the current one). `refresh_all_metrics` is the periodic job: it recomputes users in chunks, with
set-based GROUP BY user_id queries per chunk and time zone, so that users whose data did not
change still move into the new period (schedule it hourly with the zones whose local day has
just begun, see `zones_new_day`, or daily for all). Each chunk's histogram change is applied with
its rank_metric rows, one upsert per chunk, so the histogram is exact at every commit.

A rank reads the histogram only: cohort = SUM(users) over (metric, period), strictly better =
SUM(users) over rank values above the user's, one query over the primary key range (metric,
period), at most a few thousand rows whatever the number of users (bench/reports_rank.py,
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

import logging
import math
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import redis
import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from healthapp.db import utcnow
from healthapp.domain.stats import ABOVE_180_FROM, BELOW_70_UNDER, gmi_rule, top_percent
from healthapp.models import BloodPressure, Exercise, Glucose, HbA1c, Meal, RankMetric, User
from healthapp.models.ranking import RankHistogram
from healthapp.services.preferences import DEFAULT_TIMEZONE, Preferences
from healthapp.services.reports import bucket_index, day_edges, local_midnight, week_start_of

log = logging.getLogger(__name__)
DEFAULT_MIN_COHORT = 20
CONSISTENCY_DAYS = 30
TIR_DAYS = 14
EXERCISE_LOOKBACK_WEEKS = 4  # this week and the 3 before
CHUNK_SIZE = 500
ROWS_PER_STATEMENT = 1000  # multi-row VALUES: stays well below SQLite's bound-parameter limit


class Metric(StrEnum):
    EXERCISE_WEEK = "exercise_week"
    CONSISTENCY_30D = "consistency_30d"
    GLUCOSE_TIR_14D = "glucose_tir_14d"


class Reason(StrEnum):
    """Why no badge is shown (catalogue key: rank.reason.<value>)."""

    OPTED_OUT = "opted_out"
    NOT_ENOUGH_DATA = "not_enough_data"
    COHORT_TOO_SMALL = "cohort_too_small"


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


def rank_value(value: float) -> int:
    """The whole number a value is ranked by: `value` rounded half up (0.5 -> 1, 78.57 -> 79).
    Exact for time in range, 100 k / n as a correctly rounded float: unless it is a half, it is
    at least 1 / (2 n) away from one, far beyond a float's error."""
    return math.floor(value + 0.5)


def period_of(metric: Metric, local_today: date) -> str:
    if metric is Metric.EXERCISE_WEEK:
        year, week, _ = local_today.isocalendar()
        return f"{year}-W{week:02d}"
    return local_today.isoformat()


def zones_new_day(zones: Iterable[str], now: datetime, within: timedelta) -> list[str]:
    """The zones among `zones` whose local day began less than `within` before `now` (for an
    hourly refresh_all_metrics(timezones=...) run)."""
    result = []
    for name in zones:
        tz = ZoneInfo(name or DEFAULT_TIMEZONE)
        if now - local_midnight(now.astimezone(tz).date(), tz) < within:
            result.append(name)
    return result


# --- computing (set-based over user ids sharing one time zone) -----------------------------------


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
    rows = db.exec(
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
    rows = db.exec(
        select(
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


_COMPUTE = {
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
    for metric, compute in _COMPUTE.items():
        period = period_of(metric, today)
        for uid, (value, eligible) in compute(db, user_ids, tz, today).items():
            counted = eligible and uid not in opted_out
            result[uid].append(MetricValue(metric, period, value, eligible, counted))
    return result


def _lock_users(db: Session, user_ids: Sequence[int], *, deleting: bool = False) -> list[int]:
    """Lock the users' rows until the end of the transaction (PostgreSQL; a no-op on SQLite,
    whose writers take the whole database) in id order; returns those that still exist.
    FOR NO KEY UPDATE, which lets records be inserted meanwhile (their foreign key check takes
    KEY SHARE); FOR UPDATE when the users are about to be deleted, which waits for those inserts
    first (the DELETE would wait for them anyway, while holding the lock a refresh needs)."""
    if not user_ids:
        return []
    rows = db.exec(
        select(col(User.id))
        .where(col(User.id).in_(sorted(user_ids)))
        .order_by(col(User.id))
        .with_for_update(key_share=not deleting)
    ).all()
    return [int(uid) for uid in rows]


def _store(
    db: Session, values: dict[int, list[MetricValue]], now: datetime, *, deleting: bool = False
) -> None:
    """Upsert the counted rows, delete the others (the user is then outside the cohort), and
    move the histogram by the difference; users deleted meanwhile are skipped."""
    live = _lock_users(db, list(values), deleting=deleting)
    if not live:
        return
    old = {
        (int(uid), str(metric)): (str(period), int(key))
        for uid, metric, period, key in db.exec(
            select(
                col(RankMetric.user_id),
                col(RankMetric.metric),
                col(RankMetric.period),
                col(RankMetric.rank_value),
            ).where(col(RankMetric.user_id).in_(live))
        ).all()
    }
    new = {(uid, v.metric.value): v for uid in live for v in values[uid] if v.counted}
    changes: Counter[tuple[str, str, int]] = Counter()
    for (_, metric), (period, key) in old.items():
        changes[(metric, period, key)] -= 1
    for (_, metric), v in new.items():
        changes[(metric, v.period, v.rank_value)] += 1
    for metric in Metric:
        gone = [uid for uid, m in old if m == metric.value and (uid, m) not in new]
        if gone:
            db.exec(
                sa.delete(RankMetric).where(
                    col(RankMetric.metric) == metric.value, col(RankMetric.user_id).in_(gone)
                )
            )
    rows = [
        {
            "user_id": uid,
            "metric": metric,
            "period": v.period,
            "value": v.value,
            "rank_value": v.rank_value,
            "updated_at": now,
        }
        for (uid, metric), v in new.items()
    ]
    if rows:
        _upsert(db, rows)
    _count(db, changes)
    db.flush()


def _insert_for(db: Session) -> Any:
    """The dialect's INSERT with ON CONFLICT, or None on other databases."""
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert

        return insert
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert

        return insert
    return None


def _slices(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for i in range(0, len(rows), ROWS_PER_STATEMENT):
        yield rows[i : i + ROWS_PER_STATEMENT]


_REWRITTEN = ("period", "value", "rank_value", "updated_at")


def _upsert(db: Session, rows: list[dict[str, Any]]) -> None:
    table: Any = RankMetric.__table__
    insert = _insert_for(db)
    if insert is None:
        for row in rows:  # other databases: one merge per row
            db.merge(RankMetric(**row))
        return
    for part in _slices(rows):
        stmt = insert(table).values(part)
        stmt = stmt.on_conflict_do_update(
            index_elements=["user_id", "metric"],
            set_={name: stmt.excluded[name] for name in _REWRITTEN},
        )
        db.exec(stmt)


def _count(db: Session, changes: Counter[tuple[str, str, int]]) -> None:
    """Add `changes` (users per (metric, period, rank value), + or -) to the histogram and
    delete the rows that fell to 0. Rows go in key order: concurrent writers lock the
    histogram rows they share in the same order, so they wait for each other, never deadlock."""
    rows = [
        {"metric": metric, "period": period, "value": key, "users": n}
        for (metric, period, key), n in sorted(changes.items())
        if n
    ]
    if not rows:
        return
    table: Any = RankHistogram.__table__
    insert = _insert_for(db)
    for part in _slices(rows):
        if insert is not None:
            stmt = insert(table).values(part)
            stmt = stmt.on_conflict_do_update(
                index_elements=["metric", "period", "value"],
                set_={"users": table.c.users + stmt.excluded.users},
            )
            db.exec(stmt)
            continue
        for row in part:  # other databases: UPDATE, INSERT when there was no row
            key = (
                (table.c.metric == row["metric"])
                & (table.c.period == row["period"])
                & (table.c.value == row["value"])
            )
            done = db.exec(sa.update(table).where(key).values(users=table.c.users + row["users"]))
            if not done.rowcount:
                db.exec(sa.insert(table).values(row))
    fell = [(r["metric"], r["period"], r["value"]) for r in rows if r["users"] < 0]
    for i in range(0, len(fell), ROWS_PER_STATEMENT):
        db.exec(
            sa.delete(table).where(
                sa.tuple_(table.c.metric, table.c.period, table.c.value).in_(
                    fell[i : i + ROWS_PER_STATEMENT]
                ),
                table.c.users <= 0,
            )
        )


def forget_user(db: Session, user_id: int) -> None:
    """Take the user out of every rank: delete their rank_metric rows and count them out of
    the histogram. The account deletion calls this before deleting the app_user row (whose ON
    DELETE CASCADE would drop the rows without telling the histogram), in the same transaction."""
    _store(db, {user_id: []}, utcnow(), deleting=True)


def rebuild_histogram(db: Session, *, periods: Collection[tuple[str, str]] | None = None) -> int:
    """Recompute the histogram from rank_metric, for the given (metric, period) pairs or all,
    with one DELETE and one INSERT ... SELECT ... GROUP BY; returns the rows written. On
    PostgreSQL the histogram is locked against writers meanwhile (SHARE ROW EXCLUSIVE; readers
    go on): a concurrent refresh either committed before, and is counted, or applies its change
    after, to the rebuilt rows. For bulk loads that bypass the service, and for repairs."""
    if db.get_bind().dialect.name == "postgresql":
        db.exec(sa.text("LOCK TABLE rank_histogram IN SHARE ROW EXCLUSIVE MODE"))
    hist: Any = RankHistogram.__table__
    rows: Any = RankMetric.__table__
    wanted = sorted(periods) if periods is not None else None
    delete = sa.delete(hist)
    source = sa.select(rows.c.metric, rows.c.period, rows.c.rank_value, func.count()).group_by(
        rows.c.metric, rows.c.period, rows.c.rank_value
    )
    if wanted is not None:
        if not wanted:
            return 0
        delete = delete.where(sa.tuple_(hist.c.metric, hist.c.period).in_(wanted))
        source = source.where(sa.tuple_(rows.c.metric, rows.c.period).in_(wanted))
    db.exec(delete)
    db.exec(sa.insert(hist).from_select(["metric", "period", "value", "users"], source))
    written = sa.select(func.count()).select_from(hist)  # rowcount: -1 with some drivers
    if wanted is not None:
        written = written.where(sa.tuple_(hist.c.metric, hist.c.period).in_(wanted))
    return int(db.exec(written).one()[0])


def _user(db: Session, user_id: int, *, lock: bool = False) -> User:
    """The user; with `lock`, their row is locked as `_lock_users` does (refreshes of one user
    then see each other's results)."""
    user = db.get(User, user_id, with_for_update={"key_share": True} if lock else None)
    if user is None:
        raise LookupError(f"user {user_id} does not exist")
    return user


def refresh_user_metrics(
    db: Session, *, user_id: int, prefs: Preferences, now: datetime | None = None
) -> list[MetricValue]:
    """Recompute and store one user's metrics; call after any write to the user's glucose, BP,
    HbA1c, exercise or meals (in the same transaction or right after it)."""
    now = now or utcnow()
    user = _user(db, user_id, lock=True)
    opted_out = {user_id} if user.rank_opt_out else set()
    values = compute_metrics(db, user_ids=[user_id], tz=prefs.tz, now=now, opted_out=opted_out)
    _store(db, values, now)
    return values[user_id]


def refresh_all_metrics(
    db: Session,
    *,
    now: datetime | None = None,
    timezones: Collection[str] | None = None,
    chunk_size: int = CHUNK_SIZE,
    commit: bool = True,
) -> int:
    """The periodic job: recompute every user's metrics (only users of `timezones` when given,
    "" meaning not yet known = UTC), `chunk_size` users at a time, committing after each chunk
    when `commit`. Returns the number of users processed. With commit=False (tests, one
    transaction) the locks of every chunk are held to the end: on PostgreSQL, concurrent
    refreshes may then deadlock with it."""
    now = now or utcnow()
    last_id, processed = 0, 0
    while True:
        query = select(col(User.id), col(User.timezone), col(User.rank_opt_out)).where(
            col(User.id) > last_id
        )
        if timezones is not None:
            query = query.where(col(User.timezone).in_(list(timezones)))
        users = db.exec(query.order_by(col(User.id)).limit(chunk_size)).all()
        if not users:
            return processed
        by_zone: dict[str, list[int]] = {}
        for uid, zone, _ in users:
            by_zone.setdefault(zone or DEFAULT_TIMEZONE, []).append(int(uid))
        opted_out = {int(uid) for uid, _, out in users if out}
        values: dict[int, list[MetricValue]] = {}
        for zone, ids in by_zone.items():
            values.update(
                compute_metrics(db, user_ids=ids, tz=ZoneInfo(zone), now=now, opted_out=opted_out)
            )
        _store(db, values, now)
        if commit:
            db.commit()
        processed += len(users)
        last_id = int(users[-1][0])


def set_rank_opt_out(
    db: Session, *, user_id: int, opt_out: bool, prefs: Preferences, now: datetime | None = None
) -> None:
    """Opt out of (True) or back into (False) the ranks; takes effect at once for every metric."""
    user = _user(db, user_id, lock=True)
    user.rank_opt_out = opt_out
    db.add(user)
    db.flush()
    refresh_user_metrics(db, user_id=user_id, prefs=prefs, now=now)


# --- reading ranks --------------------------------------------------------------------------------


def _stored(db: Session, user_id: int) -> dict[str, tuple[str, float, int]]:
    rows = db.exec(
        select(
            col(RankMetric.metric),
            col(RankMetric.period),
            col(RankMetric.value),
            col(RankMetric.rank_value),
        ).where(RankMetric.user_id == user_id)
    ).all()
    return {metric: (period, value, key) for metric, period, value, key in rows}


def _counts(db: Session, metric: Metric, period: str, key: int) -> tuple[int, int]:
    users = col(RankHistogram.users)
    better, cohort = db.exec(
        select(
            func.coalesce(func.sum(sa.case((col(RankHistogram.value) > key, users), else_=0)), 0),
            func.coalesce(func.sum(users), 0),
        ).where(RankHistogram.metric == metric.value, RankHistogram.period == period)
    ).one()
    return int(better), int(cohort)


def cohort_counts(db: Session, *, metric: Metric, period: str, value: float) -> tuple[int, int]:
    """(users strictly better than `value`, cohort size) for `metric` in `period`, compared by
    rank value: one pass over the period's histogram rows."""
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
    today = now.astimezone(prefs.tz).date()
    periods = {metric: period_of(metric, today) for metric in metrics}
    user = _user(db, user_id)
    if user.rank_opt_out:
        return [
            RankResult(m.value, periods[m], None, None, Reason.OPTED_OUT.value, 0, 0, min_cohort)
            for m in metrics
        ]
    if take_dirty(user_id):  # written since the last refresh: bring the own row up to date
        refresh_user_metrics(db, user_id=user_id, prefs=prefs, now=now)
    stored = _stored(db, user_id)
    computed: dict[Metric, MetricValue] = {}
    if any(stored.get(m.value, ("", 0.0, 0))[0] != periods[m] for m in metrics):
        # Missing (not enough data, or never computed) or from an earlier period: recompute.
        computed = {
            v.metric: v for v in refresh_user_metrics(db, user_id=user_id, prefs=prefs, now=now)
        }
        stored = _stored(db, user_id)
    results = []
    for metric in metrics:
        period = periods[metric]
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
        value, key = row[1], row[2]
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


def user_rank(
    db: Session,
    *,
    user_id: int,
    prefs: Preferences,
    metric: Metric | str,
    now: datetime | None = None,
    min_cohort: int = DEFAULT_MIN_COHORT,
) -> RankResult:
    """One metric's badge; see user_ranks."""
    return user_ranks(
        db,
        user_id=user_id,
        prefs=prefs,
        now=now,
        metrics=(Metric(metric),),
        min_cohort=min_cohort,
    )[0]


def refresh_new_days(db: Session, *, now: datetime | None = None, within: timedelta) -> int:
    """The hourly job: refresh every user whose local day began within `within` (so their
    periods roll over even if they record nothing). Returns the number of users processed."""
    now = now or utcnow()
    zones = {tz or DEFAULT_TIMEZONE for tz in db.exec(select(User.timezone).distinct()).all()}
    due = zones_new_day(zones, now, within)
    if DEFAULT_TIMEZONE in due:
        due.append("")  # users whose zone is not known yet count as UTC
    return refresh_all_metrics(db, now=now, timezones=due) if due else 0


# --- deferred refresh -----------------------------------------------------------------------------
# A save should not pay for recomputing three metrics (bench/web_events.py: ~18 ms of the ~20 ms
# of web CPU a glucose save cost). With Redis configured, a write only marks its user dirty once
# its transaction has committed; workers drain the set every few seconds, and a user's own badge
# view refreshes them first if they are still marked. Without Redis it is done at once.

DIRTY_KEY = "rank-dirty"


def _dirty_key() -> str:
    from healthapp.config import get_settings

    return get_settings().redis_prefix + DIRTY_KEY


def _redis() -> Any | None:
    from healthapp.config import get_settings
    from healthapp.redis_client import get_redis

    return get_redis() if get_settings().redis_url else None


def ranks_changed(db: Session, *, user_id: int, prefs: Preferences | None = None) -> None:
    """Call after any write to the user's glucose, BP, HbA1c, exercise or meals."""
    client = _redis()
    if client is None:
        from healthapp.services.preferences import get_preferences

        prefs = prefs or get_preferences(db, user_id=user_id)
        refresh_user_metrics(db, user_id=user_id, prefs=prefs)
        return

    def mark(_session: Session) -> None:
        try:
            client.sadd(_dirty_key(), user_id)
        except redis.RedisError as exc:
            log.warning("rank metrics of user %s not marked (%s); refreshing now", user_id, exc)
            _refresh_now(user_id)

    sa.event.listen(db, "after_commit", mark, once=True)


def _refresh_now(user_id: int) -> None:
    from healthapp.db import session_scope
    from healthapp.services.preferences import get_preferences

    with session_scope() as db:
        refresh_user_metrics(db, user_id=user_id, prefs=get_preferences(db, user_id=user_id))


def take_dirty(user_id: int) -> bool:
    """True when the user was marked dirty (and is not any more)."""
    client = _redis()
    if client is None:
        return False
    try:
        return bool(client.srem(_dirty_key(), user_id))
    except redis.RedisError:
        return True  # unknown: refreshing once more costs a few milliseconds


def refresh_dirty(db: Session, *, batch: int = 200) -> int:
    """The workers' loop: refresh users marked dirty, `batch` at a time (SPOP is atomic, so
    several workers never take the same user). Returns how many were refreshed."""
    from healthapp.services.preferences import get_preferences

    client = _redis()
    if client is None:
        return 0
    user_ids = [int(u) for u in client.spop(_dirty_key(), batch) or []]
    for user_id in user_ids:
        if db.get(User, user_id) is not None:  # deleted since it was marked
            refresh_user_metrics(db, user_id=user_id, prefs=get_preferences(db, user_id=user_id))
            db.commit()
    return len(user_ids)
