"""Demo populations: users with months of data, and the many users of the rank benchmark."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from healthapp.cli.demo.bulk import (
    demo_foods,
    insert_returning_ids,
    insert_rows,
    new_logins,
    unusable_hash,
    user_row,
)
from healthapp.cli.demo.generator import UserGenerator, clamp
from healthapp.db import utcnow
from healthapp.models import BloodPressure, Exercise, Glucose, HbA1c, Meal, MealItem, User

USER_BATCH = 200  # users generated and written per round of inserts
RANK_BATCH = 10_000


@dataclass(frozen=True)
class DemoUser:
    user_id: int
    login: str
    persona: str


@dataclass(frozen=True)
class DemoResult:
    users: list[DemoUser]
    rows: dict[str, int]  # table name -> rows written


def generate_demo(
    db: Session,
    *,
    users: int,
    days: int,
    seed: int,
    start: date | None = None,
    password_hash: str | None = None,
    prefix: str | None = None,
    now: datetime | None = None,
) -> DemoResult:
    """Create `users` demo users with `days` days of data from `start` (default: `days` days
    before today, UTC), nothing later than `now`. Written, not committed. Deterministic for
    (seed, start); logins are "<prefix>-0001"... with prefix "demo<seed>" by default."""
    if users < 0 or days < 0:
        raise ValueError("users and days must not be negative")
    now = now or utcnow()
    start = start or (now.date() - timedelta(days=days))
    prefix = prefix or f"demo{seed}"
    logins = new_logins(db, prefix, users)
    password_hash = password_hash or unusable_hash()
    foods = demo_foods(db)
    created: list[DemoUser] = []
    counts: dict[str, int] = dict.fromkeys(
        ("app_user", "glucose", "blood_pressure", "hba1c", "exercise", "meal", "meal_item"), 0
    )
    for batch_start in range(0, users, USER_BATCH):
        batch = range(batch_start, min(users, batch_start + USER_BATCH))
        user_rows: list[dict[str, Any]] = []
        generated: list[UserGenerator] = []
        for index in batch:
            gen = UserGenerator.numbered(seed, index, foods=foods, now=now)
            gen.run(start, days)
            user_rows.append(
                user_row(
                    logins[index],
                    password_hash,
                    gen.locale,
                    gen.weight_kg,
                    gen.target,
                    now,
                    gen.persona.diabetes_status,
                )
            )
            generated.append(gen)
        ids = insert_returning_ids(db, User, user_rows)
        glucose: list[dict[str, Any]] = []
        bp: list[dict[str, Any]] = []
        hba1c: list[dict[str, Any]] = []
        exercise: list[dict[str, Any]] = []
        meals: list[dict[str, Any]] = []
        items: list[tuple[int, dict[str, Any]]] = []
        for user_id, gen, index in zip(ids, generated, batch, strict=True):
            created.append(DemoUser(user_id, logins[index], gen.persona.name))
            stamp = {"user_id": user_id, "created_at": now, "updated_at": now}
            glucose += [{**row, **stamp} for row in gen.rows.glucose]
            bp += [{**row, **stamp} for row in gen.rows.bp]
            hba1c += [{**row, **stamp} for row in gen.rows.hba1c]
            exercise += [{**row, **stamp} for row in gen.rows.exercise]
            first_meal = len(meals)
            meals += [{**row, **stamp} for row in gen.rows.meals]
            items += [(first_meal + i, {**row, **stamp}) for i, row in gen.rows.items]
        meal_ids = insert_returning_ids(db, Meal, meals)
        for model, rows in (
            (Glucose, glucose),
            (BloodPressure, bp),
            (HbA1c, hba1c),
            (Exercise, exercise),
        ):
            insert_rows(db, model, rows)
        insert_rows(db, MealItem, [{**row, "meal_id": meal_ids[i]} for i, row in items])
        for name, n in (
            ("app_user", len(ids)),
            ("glucose", len(glucose)),
            ("blood_pressure", len(bp)),
            ("hba1c", len(hba1c)),
            ("exercise", len(exercise)),
            ("meal", len(meals)),
            ("meal_item", len(items)),
        ):
            counts[name] += n
    return DemoResult(users=created, rows=counts)


def _moment(rng: random.Random, midnight: datetime, days_ago: int, now: datetime) -> datetime:
    """A random minute of the UTC day `days_ago` days before today's, never after `now`."""
    limit = int((now - midnight).total_seconds() // 60) - 1 if days_ago == 0 else 1439
    return midnight - timedelta(days=days_ago) + timedelta(minutes=rng.randint(0, max(limit, 0)))


def generate_rank_population(
    db: Session,
    *,
    users: int,
    seed: int,
    now: datetime | None = None,
    password_hash: str | None = None,
    prefix: str | None = None,
    glucose_per_user: int = 14,
    batch_size: int = RANK_BATCH,
    after_batch: Callable[[Session, list[int]], None] | None = None,
) -> int:
    """Many users with only what the rank metrics of services.ranking read:
    - glucose: 70 % of users log `glucose_per_user` readings on different days of the last 14
      (14 on every day by default, which meets the GMI rule the time-in-range rank asks for),
      with a personal mean and spread, so their shares in 70-180 mg/dL differ;
    - logging days: besides, a reading on 3-20 random days of the last 30 (consistency);
    - exercise: 0-5 sessions of 15-90 minutes in the last 7 days.
    Users get the UTC zone, so "the last N days" are the same for all. `after_batch(db, ids)`
    runs after each batch is written (commit there, or fill rank rows). Not committed; returns
    the number of users. Then run ranking.refresh_all_metrics to fill the rank table."""
    now = now or utcnow()
    prefix = prefix or f"rank{seed}"
    logins = new_logins(db, prefix, users)
    password_hash = password_hash or unusable_hash()
    locale = ("en", "UTC", "mg/dL")
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for batch_start in range(0, users, batch_size):
        batch = range(batch_start, min(users, batch_start + batch_size))
        ids = insert_returning_ids(
            db, User, [user_row(logins[i], password_hash, locale, None, 7.0, now) for i in batch]
        )
        glucose, exercise = [], []
        for user_id, index in zip(ids, batch, strict=True):
            rng = random.Random(f"healthapp-rank:{seed}:{index}")  # noqa: S311 (demo data)
            stamp = {"user_id": user_id, "note": "", "created_at": now, "updated_at": now}
            mean, spread = rng.uniform(95, 230), rng.uniform(15, 60)
            days = set(rng.sample(range(30), k=rng.randint(3, 20)))
            if rng.random() < 0.7:
                days |= set(rng.sample(range(14), k=min(glucose_per_user, 14)))
            for day in sorted(days):
                when = _moment(rng, midnight, day, now)
                value = float(round(clamp(rng.gauss(mean, spread), 40, 500)))
                glucose.append({**stamp, "measured_at": when, "mg_dl": value, "timing": "other"})
            for day in rng.sample(range(7), k=rng.randint(0, 5)):
                when = _moment(rng, midnight, day, now)
                exercise.append({**stamp, "started_at": when, "kind": "walking",
                                 "duration_min": rng.choice((15, 20, 30, 45, 60, 90)),
                                 "intensity": "moderate", "energy_kcal": None})  # fmt: skip
        insert_rows(db, Glucose, glucose)
        insert_rows(db, Exercise, exercise)
        if after_batch is not None:
            after_batch(db, ids)
    return users
