"""Shared by the reports tests: a session on a migrated SQLite database, helpers that add
records, and a seeded week (Seoul, week of Monday 2026-11-23, plus some of the week before)."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.models import BloodPressure, Exercise, Glucose, HbA1c, Meal, MealItem, User
from healthapp.services import preferences
from healthapp.services.preferences import Preferences

FOOD = "fndds_coffee_espresso"  # any row of the seeded food table
SEOUL = "Asia/Seoul"


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


def make_user(
    db: Session, zone: str, login: str = "alice", **prefs: object
) -> tuple[int, Preferences]:
    user = User(login=login, password_hash="x", timezone=zone, **prefs)
    db.add(user)
    db.flush()
    assert user.id is not None
    return user.id, preferences.get_preferences(db, user_id=user.id)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)


def add_glucose(db: Session, uid: int, at: datetime, mg_dl: float, timing: str = "other") -> None:
    db.add(Glucose(user_id=uid, measured_at=at, mg_dl=mg_dl, timing=timing))


def add_meal(
    db: Session,
    uid: int,
    at: datetime,
    *items: tuple[float, float, float, float],
    meal_type: str = "lunch",
    source: str = "manual",
) -> int:
    meal = Meal(user_id=uid, eaten_at=at, meal_type=meal_type)
    db.add(meal)
    db.flush()
    assert meal.id is not None
    for kcal, carb, protein, fat in items:
        db.add(
            MealItem(
                meal_id=meal.id,
                user_id=uid,
                food_id=FOOD,
                grams=100,
                kcal=kcal,
                carb_g=carb,
                protein_g=protein,
                fat_g=fat,
                source=source,
            )
        )
    db.flush()
    return meal.id


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements `engine` runs inside the block, as they are sent."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def week(db: Session) -> tuple[int, Preferences]:
    """The seeded week's user (Korean UI, 70 kg) and preferences."""
    uid, prefs = make_user(db, SEOUL, weight_kg=70.0, language="ko")

    def at(*args: int) -> datetime:
        return local(SEOUL, 2026, 11, *args)

    # meals: two on Tuesday, one the week before
    add_meal(db, uid, at(24, 8, 0), (300, 40, 10, 10), (100, 5, 5, 5), meal_type="breakfast")
    add_meal(db, uid, at(24, 12, 30), (700, 80, 30, 25), source="estimate")
    add_meal(db, uid, at(17, 12, 30), (500, 60, 20, 20))
    # glucose: Tuesday (the day of the daily report) and Monday (the day before)
    for day, hour, value, timing in [
        (24, 7, 95, "fasting"),
        (24, 10, 190, "after_breakfast"),
        (24, 12, 120, "before_lunch"),
        (24, 14, 160, "after_lunch"),
        (24, 22, 65, "bedtime"),
        (23, 7, 110, "fasting"),
        (23, 9, 130, "after_breakfast"),
    ]:
        add_glucose(db, uid, at(day, hour, 0), value, timing)
    # BP (Korean UI: KSH)
    for when, systolic, diastolic, pulse in [
        (at(24, 7, 5), 128, 78, 70),
        (at(24, 21, 0), 146, 88, None),
        (at(23, 7, 0), 120, 80, None),
    ]:
        db.add(
            BloodPressure(
                user_id=uid, measured_at=when, systolic=systolic, diastolic=diastolic, pulse=pulse
            )
        )
    # exercise: 30 min moderate walk Monday, 20 min running Tuesday, 40 light walk the week before
    columns = ("started_at", "kind", "duration_min", "intensity", "energy_kcal")
    for values in [
        (at(23, 18, 0), "walking", 30, "moderate", 122.5),
        (at(24, 18, 0), "running", 20, "vigorous", None),
        (at(18, 18, 0), "walking", 40, "light", 130.7),
    ]:
        db.add(Exercise(user_id=uid, **dict(zip(columns, values, strict=True))))
    # HbA1c: one before, one after the week
    db.add(HbA1c(user_id=uid, measured_on=date(2026, 11, 2), percent=7.2))
    db.add(HbA1c(user_id=uid, measured_on=date(2026, 12, 2), percent=6.5))
    db.flush()
    return uid, prefs
