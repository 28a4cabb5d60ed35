"""The histogram stays equal to GROUP BY over rank_metric through every kind of change, and
rebuilds."""

import random
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from healthapp.db import session_scope
from healthapp.models import Exercise, Glucose, RankMetric, User
from healthapp.models.ranking import RankHistogram
from healthapp.services import ranking
from healthapp.services.auth import accounts, passwords
from healthapp.services.auth.throttle import LoginThrottle
from healthapp.services.ranking import Metric
from healthapp.services.ranking.histogram import store_values
from healthapp.services.ranking.metrics import MetricValue
from tests.unit.services.ranking.helpers import (
    NOW,
    PERIOD,
    assert_histogram_exact,
    badge,
    brute_force,
    cohort,
    exercise,
    new_user,
    prefs,
)


def histogram(db: Session) -> dict[tuple[str, str, int], int]:
    rows = db.exec(select(RankHistogram)).all()
    return {(r.metric, r.period, r.value): r.users for r in rows}


def test_the_histogram_follows_every_kind_of_change(db: Session) -> None:
    ids = cohort(db, [10 * (i + 1) for i in range(20)])
    assert_histogram_exact(db)
    assert histogram(db)[(Metric.EXERCISE_WEEK.value, PERIOD, 200)] == 1
    # Value change.
    exercise(db, ids[0], NOW - timedelta(minutes=5), 190)  # 10 -> 200 minutes: ties the best
    ranking.refresh_user_metrics(db, user_id=ids[0], prefs=prefs(db, ids[0]), now=NOW)
    assert_histogram_exact(db)
    assert histogram(db)[(Metric.EXERCISE_WEEK.value, PERIOD, 200)] == 2
    assert (Metric.EXERCISE_WEEK.value, PERIOD, 10) not in histogram(db)  # fell to 0: deleted
    # Opt-out and back.
    ranking.set_rank_opt_out(db, user_id=ids[1], opt_out=True, prefs=prefs(db, ids[1]), now=NOW)
    assert_histogram_exact(db)
    ranking.set_rank_opt_out(db, user_id=ids[1], opt_out=False, prefs=prefs(db, ids[1]), now=NOW)
    assert_histogram_exact(db)
    # Period change: one user moves on, then everyone.
    later = NOW + timedelta(weeks=1)
    badge_later = ranking.user_ranks(
        db, user_id=ids[2], prefs=prefs(db, ids[2]), metrics=(Metric.EXERCISE_WEEK,), now=later
    )[0]
    assert (badge_later.period, badge_later.cohort) == ("2026-12-02", 1)
    assert_histogram_exact(db)
    ranking.refresh_all_metrics(db, now=later, chunk_size=7, commit=False)
    assert_histogram_exact(db)
    assert {p for _, p, _ in histogram(db)} == {"2026-12-02"}  # the rows of 11-25 all gone
    # Deleted records: out of the cohort.
    db.exec(sa.delete(Exercise).where(col(Exercise.user_id) == ids[3]))
    ranking.refresh_user_metrics(db, user_id=ids[3], prefs=prefs(db, ids[3]), now=later)
    assert_histogram_exact(db)
    # Forgotten user.
    ranking.forget_user(db, ids[4])
    assert db.exec(select(RankMetric).where(RankMetric.user_id == ids[4])).all() == []
    assert_histogram_exact(db)
    ranking.forget_user(db, 10**9)  # no such user: nothing happens
    assert_histogram_exact(db)


def test_account_deletion_counts_the_user_out(db: Session, throttle: LoginThrottle) -> None:
    ids = cohort(db, [10 * (i + 1) for i in range(21)])
    star = ids[-1]
    user = db.get(User, star)
    assert user is not None
    user.password_hash = passwords.hash_password("a long enough password 1")
    db.add(user)
    db.flush()
    assert badge(db, ids[-2]).better == 1
    accounts.delete_account(
        db, user_id=star, password="a long enough password 1", throttle=throttle, client_ip="ip"
    )
    db.flush()
    assert db.get(User, star) is None
    assert_histogram_exact(db)
    assert (badge(db, ids[-2]).better, badge(db, ids[-2]).cohort) == (0, 20)


def test_rebuild_histogram(db: Session) -> None:
    cohort(db, [10 * (i % 7) for i in range(25)])
    assert_histogram_exact(db)
    expected = histogram(db)
    db.exec(sa.update(RankHistogram).values(users=RankHistogram.users + 5))
    db.add(RankHistogram(metric="exercise_week", period="1999-W01", value=3, users=2))
    db.add(RankHistogram(metric="exercise_week", period="1999-W01", value=4, users=0))
    db.flush()
    assert ranking.histogram_drift(db) == {
        **{key: 5 for key in expected},
        ("exercise_week", "1999-W01", 3): 2,
        ("exercise_week", "1999-W01", 4): 0,  # a row left at 0 is drift too
    }
    week = [(Metric.EXERCISE_WEEK.value, PERIOD)]
    written = ranking.rebuild_histogram(db, periods=week)
    assert written == len({k for k in expected if k[:2] == week[0]})
    got = histogram(db)
    assert {k: n for k, n in got.items() if k[:2] == week[0]} == {
        k: n for k, n in expected.items() if k[:2] == week[0]
    }
    assert got[("exercise_week", "1999-W01", 3)] == 2  # other periods left alone
    assert ranking.rebuild_histogram(db, periods=[]) == 0
    ranking.rebuild_histogram(db)
    assert histogram(db) == expected
    assert ranking.histogram_drift(db) == {}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_sequences_keep_the_histogram_exact(db: Session, seed: int) -> None:
    """Refreshes (one user, all, some zones), new records, deleted records, opt-outs, zone
    changes, days passing, badges read (which refresh stale rows), forgotten and deleted users:
    after every step the histogram equals GROUP BY over rank_metric, and every badge equals
    the COUNTs over rank_metric."""
    rng = random.Random(seed)
    zones = ["UTC", "Asia/Seoul", "America/New_York", ""]
    now = NOW
    users: list[int] = []

    def add_user() -> None:
        uid = new_user(db, f"r{len(users)}-{rng.random()}", rng.choice(zones))
        users.append(uid)
        for _ in range(rng.randint(0, 4)):
            add_records(uid)

    def add_records(uid: int) -> None:
        if rng.random() < 0.5:
            at = now - timedelta(hours=rng.randint(0, 24 * 30))
            exercise(db, uid, at, rng.choice([5, 15, 30, 45, 60, 90]))
        else:
            for day in rng.sample(range(14), k=rng.randint(1, 14)):
                at = now - timedelta(days=day, hours=rng.randint(0, 23))
                value = rng.choice([60, 100, 150, 200, 260])
                db.add(Glucose(user_id=uid, measured_at=at, mg_dl=value, timing="other"))
        db.flush()

    for _ in range(25):
        add_user()
    ranking.refresh_all_metrics(db, now=now, commit=False)
    assert_histogram_exact(db)
    for _step in range(60):
        op = rng.randrange(10)
        uid = rng.choice(users)
        if op == 0:
            add_records(uid)
            ranking.refresh_user_metrics(db, user_id=uid, prefs=prefs(db, uid), now=now)
        elif op == 1:
            for model in (Exercise, Glucose):
                rows = db.exec(select(model).where(model.user_id == uid)).all()
                for row in rng.sample(rows, k=len(rows) // 2):
                    db.delete(row)
            db.flush()
            ranking.refresh_user_metrics(db, user_id=uid, prefs=prefs(db, uid), now=now)
        elif op == 2:
            out = not db.get(User, uid).rank_opt_out  # type: ignore[union-attr]
            ranking.set_rank_opt_out(db, user_id=uid, opt_out=out, prefs=prefs(db, uid), now=now)
        elif op == 3:
            zone_subset = rng.sample(zones, k=rng.randint(1, len(zones)))
            ranking.refresh_all_metrics(
                db,
                now=now,
                chunk_size=rng.randint(1, 9),
                commit=False,
                timezones=zone_subset if rng.random() < 0.5 else None,
            )
        elif op == 4:
            now += timedelta(hours=rng.randint(1, 80))
        elif op == 5:
            user = db.get(User, uid)
            assert user is not None
            user.timezone = rng.choice(zones)
            db.add(user)
            db.flush()
            ranking.refresh_user_metrics(db, user_id=uid, prefs=prefs(db, uid), now=now)
        elif op == 6 and len(users) > 5:
            ranking.forget_user(db, uid)  # what accounts.delete_account does first
            db.exec(sa.delete(User).where(col(User.id) == uid))
            db.expire_all()
            users.remove(uid)
        elif op == 7:
            add_user()
        else:
            for result in ranking.user_ranks(db, user_id=uid, prefs=prefs(db, uid), now=now):
                if result.cohort:
                    metric = Metric(result.metric)
                    assert (result.better, result.cohort) == brute_force(db, uid, metric)
        assert_histogram_exact(db)
    ranking.refresh_all_metrics(db, now=now, commit=False)
    assert_histogram_exact(db)
    assert histogram(db)  # something was counted


def test_concurrent_writers_on_sqlite_keep_the_histogram_exact(engine: Engine) -> None:
    """Eight threads move the same five users' values at once, each in its own transaction on
    the test's file database; the old rows were once read before the write lock was taken, so
    two writers counted the same old row out twice."""
    with Session(engine) as db:
        users = [new_user(db, f"racer{i}") for i in range(5)]
        db.commit()
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(seed: int) -> None:
        pick = random.Random(seed)
        try:
            start.wait()
            for _ in range(25):
                uid = pick.choice(users)
                value = MetricValue(Metric.EXERCISE_WEEK, PERIOD, float(pick.randint(0, 6)),
                                    eligible=True, counted=pick.random() < 0.8)  # fmt: skip
                with session_scope(engine) as db:
                    store_values(db, {uid: [value]}, NOW)
        except BaseException as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Session(engine) as db:
        assert ranking.histogram_drift(db) == {}
        assert sum(histogram(db).values()) == len(db.exec(select(RankMetric)).all())
