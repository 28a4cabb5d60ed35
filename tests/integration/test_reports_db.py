"""Report aggregates and rank queries on SQLite and PostgreSQL: the same answers as the pure
statistics on the same rows, across a DST change; the rank histogram equal to GROUP BY over
rank_metric after any sequence of changes, concurrent ones included (PostgreSQL)."""

import random
import threading
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from healthapp.db import make_engine, migrate
from healthapp.domain import stats
from healthapp.domain.clinical import GlucoseTiming
from healthapp.domain.exercise import ExerciseKind, Intensity
from healthapp.models import BloodPressure, Exercise, Glucose, Meal, MealItem, RankMetric, User
from healthapp.models.ranking import RankHistogram
from healthapp.services import preferences, ranking, reports
from healthapp.services.auth import accounts, passwords
from healthapp.services.auth.throttle import LoginThrottle

ZONE = "America/New_York"
TZ = ZoneInfo(ZONE)
# Week of Monday 2026-10-26 to Sunday 2026-11-01, the night New York leaves DST.
WEEK = date(2026, 10, 26)
NOW = datetime(2026, 11, 1, 23, 0, tzinfo=TZ).astimezone(UTC)


def seed(db: Session, uid: int, rng: random.Random) -> tuple[list, list, list]:
    low, high = (
        reports.local_midnight(WEEK - timedelta(days=2), TZ),
        reports.local_midnight(WEEK + timedelta(days=9), TZ),
    )
    span = int((high - low).total_seconds())
    glucose, bp, exercise = [], [], []
    for _ in range(120):
        at = low + timedelta(seconds=rng.randrange(span))
        value = round(rng.uniform(40, 320), 3)
        timing = rng.choice(list(GlucoseTiming)).value
        db.add(Glucose(user_id=uid, measured_at=at, mg_dl=value, timing=timing))
        glucose.append(stats.GlucoseReading(at, value, timing))
    # the edges themselves: the first instant of the week is in, the first of the next week out
    for at in (reports.local_midnight(WEEK, TZ), reports.local_midnight(WEEK + timedelta(7), TZ)):
        db.add(Glucose(user_id=uid, measured_at=at, mg_dl=69.5, timing="other"))
        glucose.append(stats.GlucoseReading(at, 69.5, "other"))
    for _ in range(40):
        at = low + timedelta(seconds=rng.randrange(span))
        row = (rng.randint(95, 200), rng.randint(55, 125), rng.choice([None, rng.randint(50, 99)]))
        db.add(
            BloodPressure(
                user_id=uid, measured_at=at, systolic=row[0], diastolic=row[1], pulse=row[2]
            )
        )
        bp.append((at, row))
    for _ in range(15):
        at = low + timedelta(seconds=rng.randrange(span))
        row = (
            rng.choice(list(ExerciseKind)).value,
            rng.choice(list(Intensity)).value,
            rng.randint(5, 90),
            rng.choice([None, round(rng.uniform(20, 600), 1)]),
        )
        db.add(
            Exercise(
                user_id=uid,
                started_at=at,
                kind=row[0],
                intensity=row[1],
                duration_min=row[2],
                energy_kcal=row[3],
            )
        )
        exercise.append((at, row))
    for _ in range(10):
        meal = Meal(
            user_id=uid, eaten_at=low + timedelta(seconds=rng.randrange(span)), meal_type="lunch"
        )
        db.add(meal)
        db.flush()
        for _ in range(rng.randint(0, 3)):
            db.add(
                MealItem(
                    meal_id=meal.id,
                    user_id=uid,
                    food_id="fndds_coffee_espresso",
                    grams=10,
                    kcal=rng.uniform(10, 500),
                    carb_g=rng.uniform(0, 50),
                    protein_g=rng.uniform(0, 30),
                    fat_g=rng.uniform(0, 20),
                    source="manual",
                )
            )
    db.flush()
    return glucose, bp, exercise


def test_aggregates_equal_the_pure_statistics(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    with Session(engine) as db:
        user = User(login="alice", password_hash="x", timezone=ZONE)
        db.add(user)
        db.flush()
        uid = user.id
        assert uid is not None
        glucose, bp, exercise = seed(db, uid, random.Random(5))
        db.commit()
        prefs = preferences.get_preferences(db, user_id=uid)
        low = reports.local_midnight(WEEK, TZ)
        high = reports.local_midnight(WEEK + timedelta(days=7), TZ)
        assert high - low == timedelta(days=7, hours=1)  # the 25-hour Sunday

        report = reports.weekly_report(db, user_id=uid, prefs=prefs, week_start=WEEK)
        inside = [r for r in glucose if low <= r.measured_at < high]
        expected = stats.glucose_stats(stats.glucose_sums(inside, TZ))
        got = report.current.glucose
        assert got.count == expected.count > 0
        for name in (
            "mean_mg_dl",
            "sd_mg_dl",
            "cv_pct",
            "min_mg_dl",
            "max_mg_dl",
            "in_range_pct",
            "below_54_pct",
            "below_70_pct",
            "above_180_pct",
            "above_250_pct",
            "pre_meal_mean_mg_dl",
            "post_meal_mean_mg_dl",
            "gmi_pct",
        ):
            assert getattr(got, name) == pytest.approx(getattr(expected, name)), name
        assert (got.span_days, got.pre_meal_count, got.post_meal_count) == (
            expected.span_days,
            expected.pre_meal_count,
            expected.post_meal_count,
        )
        assert got.gmi_reason == ""
        assert got.span_days == 7

        bp_rows = [row for at, row in bp if low <= at < high]
        assert report.current.bp == stats.bp_stats(stats.bp_sums(bp_rows), prefs.bp_standard)

        ex_rows = [row for at, row in exercise if low <= at < high]
        assert report.current.exercise.minutes == sum(r[2] for r in ex_rows)
        assert report.current.exercise.energy_kcal == pytest.approx(sum(r[3] or 0 for r in ex_rows))
        assert report.current.exercise.energy_unknown_sessions == sum(r[3] is None for r in ex_rows)
        # Nutrition: the period's total equals the meals list, and the days add up to the week.
        meals = report.meals
        assert report.current.nutrition.kcal == pytest.approx(sum(m.kcal for m in meals))
        assert report.current.nutrition.meals == len(meals)
        days = reports.nutrition_series(db, user_id=uid, prefs=prefs, start=WEEK, days=7)
        assert sum(d.kcal for d in days) == pytest.approx(report.current.nutrition.kcal)
        assert sum(d.fat_g for d in days) == pytest.approx(report.current.nutrition.fat_g)
        # Daily glucose counts add up to the week's, the 25-hour day included.
        daily = [
            reports.daily_report(db, user_id=uid, prefs=prefs, day=WEEK + timedelta(days=i))
            for i in range(7)
        ]
        assert sum(d.current.glucose.count for d in daily) == got.count
        weeks = reports.exercise_series(db, user_id=uid, prefs=prefs, first_week=WEEK, weeks=2)
        assert weeks[0].minutes == report.current.exercise.minutes
        assert weeks[0].who_minutes == report.current.exercise.who_minutes
    engine.dispose()


def week_badge(db: Session, uid: int, prefs: preferences.Preferences) -> ranking.RankResult:
    """This week's exercise badge, among at least the default 20 users."""
    return ranking.user_ranks(
        db,
        user_id=uid,
        prefs=prefs,
        metrics=(ranking.Metric.EXERCISE_WEEK,),
        now=NOW,
    )[0]


def test_rank_queries(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    with Session(engine) as db:
        ids = []
        for i in range(22):
            user = User(login=f"u{i}", password_hash="x", timezone=[ZONE, "Asia/Seoul"][i % 2])
            db.add(user)
            db.flush()
            assert user.id is not None
            minutes = [30, 30, 30, 45][i % 4] + (0 if i < 20 else 1000)
            db.add(
                Exercise(
                    user_id=user.id,
                    started_at=NOW - timedelta(hours=30),
                    kind="walking",
                    duration_min=minutes,
                    intensity="moderate",
                )
            )
            ids.append(user.id)
        db.commit()
        assert ranking.refresh_all_metrics(db, now=NOW, chunk_size=5) == 22
        # NOW is Sunday evening in New York (local week W44) but Monday morning in Seoul (W45):
        # the Seoul users' exercise (Saturday/Sunday) is last week's there, so they count 0
        # minutes, in the same cohort as New York's: one period (the UTC date) for every zone.
        ny = [uid for i, uid in enumerate(ids) if i % 2 == 0]
        prefs = preferences.get_preferences(db, user_id=ny[-1])
        period = NOW.astimezone(UTC).date().isoformat()
        best = week_badge(db, ny[-1], prefs)
        assert (best.period, best.cohort, best.better, best.top_percent) == (period, 22, 0, 5)
        tied = week_badge(db, ny[0], prefs)
        # New York users (even i) have 30 minutes, but i = 20 has 1030: one better, ten tied.
        assert tied.value == 30
        assert tied.better == 1
        assert tied.top_percent == 10
        assert ranking.cohort_counts(
            db, metric=ranking.Metric.EXERCISE_WEEK, period=period, value=0
        ) == (11, 22)
        # Upsert: refreshing again changes nothing and duplicates nothing.
        assert_histogram_exact(db)
        ranking.refresh_all_metrics(db, now=NOW)
        assert db.exec(select(sa.func.count()).select_from(RankMetric)).one() == 22 * 2
        assert_histogram_exact(db)
        for uid in (ny[-1], ny[1], ids[1]):  # two from New York, one from Seoul: 19 left
            own = preferences.get_preferences(db, user_id=uid)
            ranking.set_rank_opt_out(db, user_id=uid, opt_out=True, prefs=own, now=NOW)
        db.commit()
        again = week_badge(db, ny[0], prefs)
        assert (again.cohort, again.better, again.reason) == (19, 0, "cohort_too_small")
        assert db.get(User, ny[-1]).rank_opt_out is True  # type: ignore[union-attr]
        assert_histogram_exact(db)
        assert ranking.rebuild_histogram(db) == len(grouped(db))
        db.commit()
        assert_histogram_exact(db)
    engine.dispose()


def histogram(db: Session) -> dict[tuple[str, str, int], int]:
    return {(r.metric, r.period, r.value): r.users for r in db.exec(select(RankHistogram))}


def grouped(db: Session) -> dict[tuple[str, str, int], int]:
    key = (col(RankMetric.metric), col(RankMetric.period), col(RankMetric.rank_value))
    rows = db.exec(select(*key, func.count()).group_by(*key)).all()
    return {(m, p, int(v)): int(n) for m, p, v, n in rows}


def assert_histogram_exact(db: Session) -> None:
    db.flush()
    assert histogram(db) == grouped(db)


def add_exercise(db: Session, uid: int, at: datetime, minutes: int) -> None:
    db.add(
        Exercise(
            user_id=uid, started_at=at, kind="walking", duration_min=minutes, intensity="moderate"
        )
    )


def test_histogram_after_random_changes(database_url: str, throttle: LoginThrottle) -> None:
    """Refreshes, opt-outs, days passing and account deletions (the real delete_account, whose
    ON DELETE CASCADE would drop rank rows silently): the histogram stays GROUP BY-exact and
    every badge agrees with COUNTs over rank_metric."""
    migrate(database_url)
    engine = make_engine(database_url)
    rng = random.Random(11)
    password = "a long enough password 1"
    hashed = passwords.hash_password(password)
    zones = [ZONE, "Asia/Seoul", "UTC"]
    now = NOW
    with Session(engine) as db:
        users = []
        for i in range(30):
            user = User(login=f"h{i}", password_hash=hashed, timezone=zones[i % 3])
            db.add(user)
            db.flush()
            assert user.id is not None
            users.append(user.id)
            for _ in range(rng.randint(0, 3)):
                add_exercise(db, user.id, now - timedelta(hours=rng.randint(0, 400)), 15 * i % 90)
        db.commit()
        ranking.refresh_all_metrics(db, now=now, chunk_size=8)
        assert_histogram_exact(db)
        for _step in range(40):
            uid = rng.choice(users)
            prefs = preferences.get_preferences(db, user_id=uid)
            op = rng.randrange(6)
            if op == 0:
                add_exercise(db, uid, now - timedelta(hours=rng.randint(0, 60)), rng.randint(1, 99))
                ranking.refresh_user_metrics(db, user_id=uid, prefs=prefs, now=now)
            elif op == 1:
                out = not db.get(User, uid).rank_opt_out  # type: ignore[union-attr]
                ranking.set_rank_opt_out(db, user_id=uid, opt_out=out, prefs=prefs, now=now)
            elif op == 2:
                now += timedelta(hours=rng.randint(1, 60))
                ranking.refresh_all_metrics(db, now=now, chunk_size=rng.randint(1, 12))
            elif op == 3 and len(users) > 10:
                accounts.delete_account(
                    db, user_id=uid, password=password, throttle=throttle, client_ip="ip"
                )
                users.remove(uid)
            else:
                for result in ranking.user_ranks(db, user_id=uid, prefs=prefs, now=now):
                    if not result.cohort:
                        continue
                    mine = db.exec(
                        select(RankMetric).where(
                            RankMetric.user_id == uid, RankMetric.metric == result.metric
                        )
                    ).one()
                    same = (RankMetric.metric == mine.metric, RankMetric.period == mine.period)
                    count = select(func.count()).select_from(RankMetric).where(*same)
                    cohort = db.exec(count).one()
                    better = db.exec(count.where(RankMetric.rank_value > mine.rank_value)).one()
                    assert (result.better, result.cohort) == (better, cohort)
            db.commit()
            assert_histogram_exact(db)
    engine.dispose()


def test_concurrent_writers_keep_the_histogram_exact(postgres_url: str) -> None:
    """Threads on their own connections: records added and refreshed for users others refresh
    too, opt-outs, the periodic job, and accounts deleted meanwhile. Row locks serialize the
    writers of one user, so the histogram stays exact, and nobody deadlocks."""
    migrate(postgres_url)
    engine = make_engine(postgres_url)
    with Session(engine) as db:
        users = []
        for i in range(40):
            user = User(login=f"c{i}", password_hash="x", timezone="UTC")
            db.add(user)
            db.flush()
            assert user.id is not None
            users.append(user.id)
            add_exercise(db, user.id, NOW - timedelta(hours=1), 10 + i % 7)
        db.commit()
        ranking.refresh_all_metrics(db, now=NOW)
    doomed = users[-6:]
    errors: list[BaseException] = []

    def worker(kind: str, seed: int) -> None:
        rng = random.Random(seed)
        try:
            with Session(engine) as db:
                for _ in range(25):
                    uid = rng.choice(users[:10] if kind != "delete" else doomed)
                    try:
                        prefs = preferences.get_preferences(db, user_id=uid)
                        if kind == "record":
                            add_exercise(db, uid, NOW - timedelta(minutes=30), rng.randint(1, 9))
                            db.flush()
                            ranking.refresh_user_metrics(db, user_id=uid, prefs=prefs, now=NOW)
                        elif kind == "opt":
                            out = rng.random() < 0.5
                            ranking.set_rank_opt_out(
                                db, user_id=uid, opt_out=out, prefs=prefs, now=NOW
                            )
                        elif kind == "batch":
                            ranking.refresh_all_metrics(db, now=NOW, chunk_size=7)
                        else:
                            ranking.forget_user(db, uid)
                            db.exec(sa.delete(User).where(col(User.id) == uid))
                        db.commit()
                    except (LookupError, sa.exc.IntegrityError):
                        db.rollback()  # the user was deleted meanwhile: nothing to count
        except BaseException as exc:
            errors.append(exc)

    kinds = ["record", "record", "record", "opt", "batch", "delete"]
    threads = [threading.Thread(target=worker, args=(k, i)) for i, k in enumerate(kinds)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    with Session(engine) as db:
        assert_histogram_exact(db)
        assert db.exec(select(func.count()).select_from(User)).one() == 34
        total = db.exec(
            select(func.sum(RankHistogram.users)).where(
                RankHistogram.metric == ranking.Metric.EXERCISE_WEEK.value
            )
        ).one()
        opted = db.exec(select(func.count()).where(col(User.rank_opt_out))).one()
        assert total == 34 - opted
    engine.dispose()


def test_existing_accounts_get_default_goals_and_are_counted(database_url: str) -> None:
    migrate(database_url, "0003")
    engine = make_engine(database_url)
    with engine.begin() as conn:  # an account made before 0004, written with 0003's columns
        table = sa.Table("app_user", sa.MetaData(), autoload_with=conn)
        assert "goal_kcal" not in table.c
        moment = datetime(2026, 1, 1, tzinfo=UTC)
        conn.execute(
            table.insert().values(
                login="old",
                password_hash="x",
                language="en",
                glucose_unit="mg/dL",
                bp_standard="",
                timezone="",
                hba1c_target=7.0,
                created_at=moment,
                password_changed_at=moment,
            )
        )
    migrate(database_url)
    with Session(engine) as db:
        user = db.exec(select(User)).one()
        assert (user.goal_kcal, user.goal_carb_g, user.goal_protein_g, user.goal_fat_g) == (
            2000,
            250,
            75,
            65,
        )
        assert user.rank_opt_out is False
    engine.dispose()
