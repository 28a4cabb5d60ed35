"""The demo populations: deterministic, plausible per persona, and fast."""

from __future__ import annotations

import bisect
import statistics
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from healthapp.cli import demo
from healthapp.db import make_engine, migrate
from healthapp.models import (
    BloodPressure,
    Exercise,
    Glucose,
    HbA1c,
    Meal,
    MealItem,
    RankMetric,
    User,
)
from healthapp.services import ranking

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
START = date(2026, 3, 1)  # 273 days: three HbA1c results each


@pytest.fixture(scope="module")
def population(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Engine, demo.DemoResult]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
    migrate(url)
    engine = make_engine(url)
    with Session(engine) as db:
        result = demo.generate_demo(
            db,
            users=8,
            days=(NOW.date() - START).days + 1,
            seed=7,
            start=START,
            password_hash="x",
            now=NOW,
        )
        db.commit()
    yield engine, result
    engine.dispose()


@pytest.fixture
def db(population: tuple[Engine, demo.DemoResult]) -> Iterator[Session]:
    with Session(population[0]) as session:
        yield session


def by_persona(result: demo.DemoResult) -> dict[str, list[int]]:
    out: dict[str, list[int]] = defaultdict(list)
    for user in result.users:
        out[user.persona].append(user.user_id)
    return out


def mean_of(db: Session, column: object, *where: object) -> float:
    return float(db.exec(select(func.avg(column)).where(*where)).one())


def test_every_table_is_filled_and_nothing_is_in_the_future(
    db: Session, population: tuple[Engine, demo.DemoResult]
) -> None:
    _, result = population
    assert [u.login for u in result.users] == [f"demo7-{i:04d}" for i in range(1, 9)]
    assert {u.persona for u in result.users} == {p.name for p in demo.PERSONAS}
    for model in (Glucose, BloodPressure, HbA1c, Exercise, Meal, MealItem):
        count = db.exec(select(func.count()).select_from(model)).one()
        assert count == result.rows[model.__tablename__] > 0
    for _model, column in (
        (Glucose, Glucose.measured_at),
        (BloodPressure, BloodPressure.measured_at),
        (Exercise, Exercise.started_at),
        (Meal, Meal.eaten_at),
    ):
        assert db.exec(select(func.max(column))).one() <= NOW
        assert db.exec(select(func.min(column))).one() >= datetime(2026, 2, 28, tzinfo=UTC)
    # Values a person could have typed: the record forms' ranges.
    assert db.exec(select(func.min(Glucose.mg_dl), func.max(Glucose.mg_dl))).one() >= (10, 0)
    assert (
        db.exec(
            select(func.count()).where(col(BloodPressure.diastolic) >= BloodPressure.systolic)
        ).one()
        == 0
    )
    langs = db.exec(select(User.language, User.timezone)).all()
    assert {lang for lang, _ in langs} <= {"en", "ko"}


def test_personas_differ_as_described(
    db: Session, population: tuple[Engine, demo.DemoResult]
) -> None:
    groups = by_persona(population[1])

    def fasting(name: str) -> float:
        return mean_of(
            db, Glucose.mg_dl, col(Glucose.user_id).in_(groups[name]), Glucose.timing == "fasting"
        )

    def systolic(name: str) -> float:
        return mean_of(db, BloodPressure.systolic, col(BloodPressure.user_id).in_(groups[name]))

    def hba1c(name: str) -> float:
        return mean_of(db, HbA1c.percent, col(HbA1c.user_id).in_(groups[name]))

    assert fasting("t2_poor") > fasting("t2_controlled") + 30
    assert fasting("t2_controlled") > fasting("prediabetic") > fasting("hypertensive")
    assert fasting("hypertensive") < 100
    assert systolic("hypertensive") >= 140
    assert systolic("hypertensive") > systolic("t2_controlled") + 15
    assert hba1c("t2_poor") > 8 > 7.5 > hba1c("t2_controlled") > 6.0
    assert 5.5 <= hba1c("prediabetic") <= 6.6
    assert hba1c("hypertensive") < 5.8


def test_hba1c_follows_mean_glucose_by_adag(db: Session) -> None:
    results = db.exec(select(HbA1c)).all()
    assert len(results) >= 8 * 2
    for result in results:
        low = datetime.combine(result.measured_on - timedelta(days=89), datetime.min.time(), UTC)
        mean = mean_of(
            db,
            Glucose.mg_dl,
            Glucose.user_id == result.user_id,
            col(Glucose.measured_at) >= low - timedelta(days=1),
            col(Glucose.measured_at) < low + timedelta(days=91),
        )
        assert result.percent == pytest.approx((mean + 46.7) / 28.7, abs=0.5)


def test_meals_drive_post_meal_glucose_and_exercise_blunts_it(
    db: Session, population: tuple[Engine, demo.DemoResult]
) -> None:
    carbs_by_meal = dict(
        db.exec(
            select(MealItem.meal_id, func.sum(MealItem.carb_g)).group_by(col(MealItem.meal_id))
        ).all()
    )
    for user in population[1].users:
        if not user.persona.startswith("t2"):
            continue
        zone = ZoneInfo(db.exec(select(User.timezone).where(User.id == user.user_id)).one())
        meals = db.exec(select(Meal).where(Meal.user_id == user.user_id)).all()
        exercise_days = {
            e.started_at.astimezone(zone).date()
            for e in db.exec(select(Exercise).where(Exercise.user_id == user.user_id)).all()
        }
        readings = db.exec(
            select(Glucose).where(
                Glucose.user_id == user.user_id, col(Glucose.timing).like("after_%")
            )
        ).all()
        pairs, with_exercise, without = [], [], []
        by_type: dict[str, list[Meal]] = defaultdict(list)
        for m in sorted(meals, key=lambda m: m.eaten_at):
            by_type[m.meal_type].append(m)
        for reading in readings:
            # The meal eaten 1.5-2.7 hours before an "after" reading.
            candidates = by_type[reading.timing.removeprefix("after_")]
            i = bisect.bisect_right([m.eaten_at for m in candidates], reading.measured_at)
            meal = candidates[i - 1]
            assert (
                timedelta(minutes=90)
                <= reading.measured_at - meal.eaten_at
                <= timedelta(minutes=160)
            )
            if meal.id in carbs_by_meal:
                pairs.append((carbs_by_meal[meal.id], reading.mg_dl))
            day = reading.measured_at.astimezone(zone).date()
            (with_exercise if day in exercise_days else without).append(reading.mg_dl)
        assert statistics.correlation(*zip(*pairs, strict=True)) > 0.4, user
        # Within the same person, days with exercise have lower post-meal readings.
        assert statistics.mean(with_exercise) < statistics.mean(without) - 5, user


def test_blood_pressure_is_higher_in_the_morning(db: Session) -> None:
    rows = db.exec(
        select(BloodPressure.measured_at, BloodPressure.systolic, User.timezone).join(
            User, col(User.id) == BloodPressure.user_id
        )
    ).all()
    morning = [s for t, s, zone in rows if t.astimezone(ZoneInfo(zone)).hour < 12]
    evening = [s for t, s, zone in rows if t.astimezone(ZoneInfo(zone)).hour >= 12]
    assert statistics.mean(morning) > statistics.mean(evening) + 3


# What must come out the same for a seed: per user, these columns of each table, in id order.
SNAPSHOT_COLUMNS: tuple[tuple[type, tuple[object, ...]], ...] = (
    (Glucose, (Glucose.measured_at, Glucose.mg_dl, Glucose.timing)),
    (BloodPressure, (BloodPressure.measured_at, BloodPressure.systolic)),
    (MealItem, (MealItem.food_id, MealItem.grams)),
)


def snapshot(db: Session, result: demo.DemoResult) -> list[object]:
    return [
        db.exec(select(*columns).where(model.user_id == user.user_id).order_by(col(model.id))).all()
        for user in result.users
        for model, columns in SNAPSHOT_COLUMNS
    ]


def test_deterministic_for_a_seed(engine: Engine) -> None:
    with Session(engine) as db:
        kwargs = {"users": 3, "days": 20, "start": START, "password_hash": "x", "now": NOW}
        first = demo.generate_demo(db, seed=1, prefix="a", **kwargs)  # type: ignore[arg-type]
        second = demo.generate_demo(db, seed=1, prefix="b", **kwargs)  # type: ignore[arg-type]
        other = demo.generate_demo(db, seed=2, prefix="c", **kwargs)  # type: ignore[arg-type]
        assert snapshot(db, first) == snapshot(db, second)
        assert snapshot(db, first) != snapshot(db, other)
        with pytest.raises(ValueError, match="prefix"):
            demo.generate_demo(db, seed=1, prefix="a", **kwargs)  # type: ignore[arg-type]


def test_ten_years_of_one_user(engine: Engine) -> None:
    with Session(engine) as db:
        result = demo.generate_demo(
            db, users=1, days=3650, seed=3, start=date(2016, 1, 1), password_hash="x", now=NOW
        )
        db.commit()
    assert result.rows["glucose"] > 3650 * 2
    assert result.rows["hba1c"] >= 39


def test_rank_population_feeds_every_rank_metric(engine: Engine) -> None:
    batches: list[list[int]] = []
    with Session(engine) as db:
        count = demo.generate_rank_population(
            db,
            users=45,
            seed=1,
            now=NOW,
            password_hash="x",
            batch_size=20,
            after_batch=lambda _db, ids: batches.append(ids),
        )
        assert count == 45
        assert [len(ids) for ids in batches] == [20, 20, 5]
        assert db.exec(select(func.count()).select_from(Meal)).one() == 0  # only what ranks read
        assert db.exec(select(func.min(Glucose.measured_at))).one() >= NOW - timedelta(days=30)
        assert db.exec(select(func.max(Glucose.measured_at))).one() <= NOW
        assert ranking.refresh_all_metrics(db, now=NOW, commit=False) == 45
        cohorts = dict(
            db.exec(
                select(RankMetric.metric, func.count(sa.distinct(RankMetric.value))).group_by(
                    col(RankMetric.metric)
                )
            ).all()
        )
        # Every metric has a cohort, with spread values (percentiles mean something).
        assert set(cohorts) == {m.value for m in ranking.Metric}
        assert all(distinct > 5 for distinct in cohorts.values()), cohorts
        tir_users = db.exec(
            select(func.count()).where(RankMetric.metric == ranking.Metric.GLUCOSE_TIR_14D.value)
        ).one()
        assert 20 <= tir_users <= 45  # about 70 % log enough glucose for the GMI rule
