"""Where the metric values are kept: rank_metric rows and the per-value histogram beside them.

Storage (models/ranking.py): rank_metric holds one row per (user, metric) with the current period,
the value as shown and the rank value (metrics.rank_value), present only while the user is
counted (enough data and not opted out). rank_histogram counts the rank_metric rows per (metric,
period, rank value), so that a rank reads a few thousand histogram rows at most, whatever the
number of users.

Every rank_metric change goes through `store_values`, which updates the histogram in the same
transaction: it locks the users' app_user rows (PostgreSQL: FOR NO KEY UPDATE, in id order, so
two refreshes of one user run one after the other and record inserts are not blocked), reads
their old (metric, period, rank value) rows, writes the new ones, and adds the difference to
the histogram with one upsert (users = users + delta, rows in key order so that concurrent
writers lock them in the same order) and deletes the rows that fell to 0. On SQLite writers are
serialized by the database lock, taken (BEGIN IMMEDIATE) before the old rows are read.
Deleting an account must call `forget_user` before the app_user row goes (ON DELETE CASCADE
would remove rank_metric rows behind the histogram's back);
`rebuild_histogram` recomputes it from rank_metric with INSERT ... SELECT ... GROUP BY (after a
bulk load, or to repair), and `histogram_drift` tells whether that is needed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, col, func, select

from healthapp.db import dialect_insert, utcnow
from healthapp.models import RankMetric, User
from healthapp.models.ranking import RankHistogram
from healthapp.services.ranking.metrics import Metric, MetricValue

ROWS_PER_STATEMENT = 1000  # multi-row VALUES: stays well below SQLite's bound-parameter limit

HistogramKey = tuple[str, str, int]  # (metric, period, rank value)


def _table(model: type[SQLModel]) -> sa.Table:
    """The model's Core table (`Model.__table__`, which SQLModel's stubs do not declare)."""
    return cast(sa.Table, sa.inspect(model).local_table)


def get_user(db: Session, user_id: int, *, lock: bool = False) -> User:
    """The user; with `lock`, their row is locked as `store_values` locks it (refreshes of one
    user then see each other's results)."""
    user = db.get(User, user_id, with_for_update={"key_share": True} if lock else None)
    if user is None:
        raise LookupError(f"user {user_id} does not exist")
    return user


def _sqlite_write_lock(db: Session) -> None:
    """On SQLite, take the database's write lock now unless this transaction holds it already.
    Python's sqlite3 opens a transaction only at the first INSERT/UPDATE/DELETE, so without
    this the old rows below would be read before it, outside the transaction: two writers
    then both count the same old row out of the histogram. BEGIN IMMEDIATE waits (the busy
    timeout) for the other writer to commit, then the reads see its rows."""
    if db.get_bind().dialect.name != "sqlite":
        return
    connection = db.connection()
    driver = connection.connection.driver_connection
    if driver is not None and not driver.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


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
    return [int(uid) for uid in rows if uid is not None]  # never None: a primary key


def store_values(
    db: Session, values: dict[int, list[MetricValue]], now: datetime, *, deleting: bool = False
) -> None:
    """Upsert the counted rows, delete the others (the user is then outside the cohort), and
    move the histogram by the difference; users deleted meanwhile are skipped."""
    _sqlite_write_lock(db)
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
    changes: Counter[HistogramKey] = Counter()
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


def _slices(rows: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for i in range(0, len(rows), ROWS_PER_STATEMENT):
        yield rows[i : i + ROWS_PER_STATEMENT]


_REWRITTEN = ("period", "value", "rank_value", "updated_at")


def _upsert(db: Session, rows: list[dict[str, Any]]) -> None:
    table = _table(RankMetric)
    insert = dialect_insert(db.get_bind().dialect.name)
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


def _count(db: Session, changes: Counter[HistogramKey]) -> None:
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
    table = _table(RankHistogram)
    insert = dialect_insert(db.get_bind().dialect.name)
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
    store_values(db, {user_id: []}, utcnow(), deleting=True)


def _counted_rows(wanted: Sequence[tuple[str, str]] | None) -> Any:
    """SELECT metric, period, rank value, number of rank_metric rows: what the histogram holds
    when it is exact (for the (metric, period) pairs `wanted`, or all)."""
    rows = _table(RankMetric)
    source = sa.select(rows.c.metric, rows.c.period, rows.c.rank_value, func.count()).group_by(
        rows.c.metric, rows.c.period, rows.c.rank_value
    )
    if wanted is not None:
        source = source.where(sa.tuple_(rows.c.metric, rows.c.period).in_(wanted))
    return source


def rebuild_histogram(db: Session, *, periods: Collection[tuple[str, str]] | None = None) -> int:
    """Recompute the histogram from rank_metric, for the given (metric, period) pairs or all,
    with one DELETE and one INSERT ... SELECT ... GROUP BY; returns the rows written. On
    PostgreSQL the histogram is locked against writers meanwhile (SHARE ROW EXCLUSIVE; readers
    go on): a concurrent refresh either committed before, and is counted, or applies its change
    after, to the rebuilt rows. For bulk loads that bypass the service, and for repairs."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(sa.text("LOCK TABLE rank_histogram IN SHARE ROW EXCLUSIVE MODE"))
    hist = _table(RankHistogram)
    wanted = sorted(periods) if periods is not None else None
    delete = sa.delete(hist)
    if wanted is not None:
        if not wanted:
            return 0
        delete = delete.where(sa.tuple_(hist.c.metric, hist.c.period).in_(wanted))
    db.exec(delete)
    db.exec(
        sa.insert(hist).from_select(["metric", "period", "value", "users"], _counted_rows(wanted))
    )
    written = sa.select(func.count()).select_from(hist)  # rowcount: -1 with some drivers
    if wanted is not None:
        written = written.where(sa.tuple_(hist.c.metric, hist.c.period).in_(wanted))
    return int(db.execute(written).one()[0])


def histogram_drift(db: Session) -> dict[HistogramKey, int]:
    """Histogram users minus rank_metric rows, for each (metric, period, rank value) where the
    histogram is not what `rebuild_histogram` would write (a row left at 0 counts, with 0);
    empty when it is exact. A check after bulk loads or for monitoring: one full GROUP BY over
    rank_metric, so not for a request path."""
    kept = {
        (str(m), str(p), int(v)): int(n)
        for m, p, v, n in db.exec(
            select(
                col(RankHistogram.metric),
                col(RankHistogram.period),
                col(RankHistogram.value),
                col(RankHistogram.users),
            )
        ).all()
    }
    counted = {(str(m), str(p), int(v)): int(n) for m, p, v, n in db.exec(_counted_rows(None))}
    return {
        key: kept.get(key, 0) - counted.get(key, 0)
        for key in sorted(kept.keys() | counted.keys())
        if key not in kept or key not in counted or kept[key] != counted[key]
    }
