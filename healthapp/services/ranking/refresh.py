"""Keeping the stored metric values current: after writes, at a new local day, and deferred.

Every counted user must be recomputed at least once per local day, so that their row lies in
the current or the previous UTC day, the two periods a cohort reads (metrics.py): the hourly
`refresh_new_days` recomputes the users whose local day has just begun, and also any user whose
rows are older than that (the worker was down, or a zone's day was 25 hours long).

`refresh_user_metrics` rewrites one user's rows; callers run it after every write to that user's
records or meals (and it runs by itself when a badge is asked for and the stored period is not
the current one). `refresh_all_metrics` is the periodic job: it recomputes users in chunks, with
set-based GROUP BY user_id queries per chunk and time zone, so that users whose data did not
change still move into the new period (schedule it hourly with the zones whose local day has
just begun, see `zones_new_day` and `refresh_new_days`, or daily for all). Each chunk's histogram
change is applied with its rank_metric rows, one upsert per chunk, so the histogram is exact at
every commit.

Deferred refresh: a save should not pay for recomputing three metrics (bench/web_events.py:
~18 ms of the ~20 ms of web CPU a glucose save cost). With Redis configured, a write
(`ranks_changed`) only marks its user dirty once its transaction has committed; workers drain the
set every few seconds (`refresh_dirty`), and a user's own badge view refreshes them first if they
are still marked (`take_dirty`). Without Redis it is done at once.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import redis
from sqlalchemy import event
from sqlalchemy.orm import Session as SaSession
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, col, select

from healthapp import config, redis_client
from healthapp.db import session_scope, utcnow
from healthapp.models import RankMetric, User
from healthapp.services.preferences import DEFAULT_TIMEZONE, Preferences, get_preferences
from healthapp.services.ranking.histogram import get_user, store_values
from healthapp.services.ranking.metrics import Metric, MetricValue, compute_metrics, utc_day
from healthapp.services.reports import local_midnight

log = logging.getLogger(__name__)
CHUNK_SIZE = 500
DIRTY_KEY = "rank-dirty"


def refresh_user_metrics(
    db: Session, *, user_id: int, prefs: Preferences, now: datetime | None = None
) -> list[MetricValue]:
    """Recompute and store one user's metrics; call after any write to the user's glucose, BP,
    HbA1c, exercise or meals (in the same transaction or right after it)."""
    now = now or utcnow()
    user = get_user(db, user_id, lock=True)
    opted_out = {user_id} if user.rank_opt_out else set()
    values = compute_metrics(db, user_ids=[user_id], tz=prefs.tz, now=now, opted_out=opted_out)
    store_values(db, values, now)
    return values[user_id]


def refresh_all_metrics(
    db: Session,
    *,
    now: datetime | None = None,
    timezones: Collection[str] | None = None,
    user_ids: Collection[int] | None = None,
    chunk_size: int = CHUNK_SIZE,
    commit: bool = True,
) -> int:
    """The periodic job: recompute every user's metrics (only users of `timezones` when given,
    "" meaning not yet known = UTC; only `user_ids` when given), `chunk_size` users at a time,
    committing after each chunk when `commit`. Returns the number of users processed. With
    commit=False (tests, one transaction) the locks of every chunk are held to the end: on
    PostgreSQL, concurrent refreshes may then deadlock with it."""
    now = now or utcnow()
    last_id, processed = 0, 0
    while True:
        query = select(col(User.id), col(User.timezone), col(User.rank_opt_out)).where(
            col(User.id) > last_id
        )
        if timezones is not None:
            query = query.where(col(User.timezone).in_(list(timezones)))
        if user_ids is not None:
            query = query.where(col(User.id).in_(sorted(user_ids)))
        users = db.exec(query.order_by(col(User.id)).limit(chunk_size)).all()
        if not users:
            return processed
        by_zone: dict[str, list[int]] = {}
        opted_out: set[int] = set()
        for uid, zone, out in users:
            assert uid is not None  # a primary key, read back from the table
            by_zone.setdefault(zone or DEFAULT_TIMEZONE, []).append(int(uid))
            if out:
                opted_out.add(int(uid))
            last_id = int(uid)  # ordered by id: the chunk's last one at the end
        values: dict[int, list[MetricValue]] = {}
        for zone, ids in by_zone.items():
            values.update(
                compute_metrics(db, user_ids=ids, tz=ZoneInfo(zone), now=now, opted_out=opted_out)
            )
        store_values(db, values, now)
        if commit:
            db.commit()
        processed += len(users)


def set_rank_opt_out(
    db: Session, *, user_id: int, opt_out: bool, prefs: Preferences, now: datetime | None = None
) -> None:
    """Opt out of (True) or back into (False) the ranks; takes effect at once for every metric."""
    user = get_user(db, user_id, lock=True)
    user.rank_opt_out = opt_out
    db.add(user)
    db.flush()
    refresh_user_metrics(db, user_id=user_id, prefs=prefs, now=now)


def zones_new_day(zones: Iterable[str], now: datetime, within: timedelta) -> list[str]:
    """The zones among `zones` whose local day began less than `within` before `now` (for an
    hourly refresh_all_metrics(timezones=...) run)."""
    result = []
    for name in zones:
        tz = ZoneInfo(name or DEFAULT_TIMEZONE)
        if now - local_midnight(now.astimezone(tz).date(), tz) < within:
            result.append(name)
    return result


def stale_users(db: Session, *, now: datetime) -> list[int]:
    """Users with a stored row from before the previous UTC day: out of every cohort until
    they are recomputed."""
    oldest = (utc_day(now) - timedelta(days=1)).isoformat()
    # metric IN (...) first: a range scan of the (metric, period, rank_value) index per metric.
    rows = db.exec(
        select(col(RankMetric.user_id))
        .where(
            col(RankMetric.metric).in_([m.value for m in Metric]), col(RankMetric.period) < oldest
        )
        .distinct()
    ).all()
    return sorted(int(uid) for uid in rows)


def refresh_new_days(db: Session, *, now: datetime | None = None, within: timedelta) -> int:
    """The hourly job: refresh every user whose local day began within `within` (so their
    periods roll over even if they record nothing), then the stale ones. Returns the number of
    users processed."""
    now = now or utcnow()
    zones = {tz or DEFAULT_TIMEZONE for tz in db.exec(select(User.timezone).distinct()).all()}
    due = zones_new_day(zones, now, within)
    if DEFAULT_TIMEZONE in due:
        due.append("")  # users whose zone is not known yet count as UTC
    processed = refresh_all_metrics(db, now=now, timezones=due) if due else 0
    stale = stale_users(db, now=now)
    if stale:
        processed += refresh_all_metrics(db, now=now, user_ids=stale)
    return processed


# --- deferred refresh -----------------------------------------------------------------------------


# Looked up through their modules at each call, not bound at import, so that settings replaced
# after this module was loaded (tests) are the ones used.
def _dirty_key() -> str:
    return config.get_settings().redis_prefix + DIRTY_KEY


def _redis() -> Any | None:
    return redis_client.get_redis() if config.get_settings().redis_url else None


def ranks_changed(db: Session, *, user_id: int, prefs: Preferences | None = None) -> None:
    """Call after any write to the user's glucose, BP, HbA1c, exercise or meals."""
    if _redis() is None:
        prefs = prefs or get_preferences(db, user_id=user_id)
        refresh_user_metrics(db, user_id=user_id, prefs=prefs)
        return
    db.info.setdefault(_DIRTY_AFTER_COMMIT, set()).add(user_id)


# The users a session's transaction marked, marked in Redis by the listeners below, which every
# session shares: one listener added per save cost more than the save's Redis call.
_DIRTY_AFTER_COMMIT = "healthapp.rank_dirty_after_commit"


@event.listens_for(SaSession, "after_commit")
def _mark_dirty(db: SaSession) -> None:
    user_ids = db.info.pop(_DIRTY_AFTER_COMMIT, None)
    client = _redis() if user_ids else None
    if client is None:
        return
    try:
        client.sadd(_dirty_key(), *user_ids)
    except redis.RedisError as exc:
        log.warning("rank metrics of users %s not marked (%s); refreshing now", user_ids, exc)
        for user_id in user_ids:
            _refresh_now(user_id)


@event.listens_for(SaSession, "after_transaction_end")
def _forget_dirty(db: SaSession, transaction: SessionTransaction) -> None:
    # The outermost transaction's end: after its commit (marked above) or its rollback (nothing
    # changed). A savepoint's rollback keeps the marks: the rest of the transaction goes on.
    if transaction.parent is None:
        db.info.pop(_DIRTY_AFTER_COMMIT, None)


def _refresh_now(user_id: int) -> None:
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
    client = _redis()
    if client is None:
        return 0
    user_ids = [int(u) for u in client.spop(_dirty_key(), batch) or []]
    for user_id in user_ids:
        if db.get(User, user_id) is not None:  # deleted since it was marked
            refresh_user_metrics(db, user_id=user_id, prefs=get_preferences(db, user_id=user_id))
            db.commit()
    return len(user_ids)
