"""Demo data: realistic users with months of correlated readings, meals and exercise.

No Reflex import. For trying the app, for tests and for benchmarks:

    python -m healthapp.cli.demo --users 8 --days 120 --seed 1 --password '...'
    DEMO_PASSWORD='...' python -m healthapp.cli.demo --users 1000 --days 21 --seed 2
    python -m healthapp.cli.demo --rank-population --users 1000000 --seed 3 --password '...'

The password comes from --password or DEMO_PASSWORD (none is built in); every demo user of a run
gets it. The command refuses to run with HEALTHAPP_ENV=production.

Personas (users are assigned round-robin): a well-controlled and a poorly controlled person with
type 2 diabetes, a person with hypertension, a person with prediabetes. Each day: fasting glucose,
meals made of foods from the seeded food table, glucose before and two hours after meals that rises
with the meal's carbohydrate, bedtime readings now and then; blood pressure morning and evening
with a morning surge; exercise a few times a week, which blunts the day's post-meal rises and
slightly lowers the next fasting value; an HbA1c every 90 days consistent with the mean glucose of
the previous 90 days by the ADAG relation (eAG = 28.7 x A1c - 46.7, CLINICAL.md). Everything comes
from `random.Random` seeded per user, so a seed and a start date give the same data every time,
and a user's data do not depend on how many other users are made.

Rows are written with one multi-row INSERT per table and batch (Core `insert()` executemany;
RETURNING where the ids are needed), which keeps 1 user x 10 years, or thousands of users x a few
weeks, within seconds on SQLite.

`generate_rank_population` is the benchmark mode for the "top n%" rank (services/ranking.py): many
users, each with only the rows the rank metrics read (glucose in the last 14 days, logging days in
the last 30, exercise in the last 7), and an `after_batch` hook; the command line then fills the
rank table with ranking.refresh_all_metrics.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from healthapp.db import utcnow
from healthapp.domain.errors import ValidationError
from healthapp.domain.exercise import energy_kcal
from healthapp.models import BloodPressure, Exercise, Food, Glucose, HbA1c, Meal, MealItem, User
from healthapp.services.auth import passwords
from healthapp.services.foods import portion

DEFAULT_DAYS = 90
USER_BATCH = 200  # users generated and written per round of inserts
RANK_BATCH = 10_000
HBA1C_EVERY_DAYS = 90


@dataclass(frozen=True)
class Persona:
    name: str
    fasting: float  # mean fasting glucose, mg/dL
    glucose_sd: float
    carb_rise: float  # mg/dL two hours after a meal, per gram of carbohydrate
    systolic: float  # mean evening blood pressure, mmHg
    diastolic: float
    pulse: float
    exercise_per_week: float
    glucose_logging: float  # chance that a usual reading is taken
    bp_logging: float


PERSONAS: tuple[Persona, ...] = (
    Persona("t2_controlled", 118, 12, 0.55, 124, 78, 70, 4.0, 0.9, 0.6),
    Persona("t2_poor", 178, 28, 1.5, 138, 87, 78, 1.0, 0.7, 0.4),
    Persona("hypertensive", 95, 8, 0.35, 150, 95, 74, 2.0, 0.3, 0.9),
    Persona("prediabetic", 108, 9, 0.7, 124, 80, 72, 2.5, 0.5, 0.4),
)

# Foods from the seeded food table (healthapp/data/foods_seed.csv), several of them classes of the
# photo model (healthapp/data/food_classes.csv). Staples carry the carbohydrate; sides vary it.
KOREAN_MEALS = {
    "breakfast": (
        ("fndds_rice_white_cooked_no_added_fat", "fndds_rice_brown_cooked_no_added_fat",
         "fndds_congee"),
        ("fndds_soup_miso_or_tofu", "fndds_kimchi", "fndds_egg_whole_fried_with_oil",
         "fndds_soup_seaweed"),
    ),
    "lunch": (
        ("fndds_bibimbap_korean", "fndds_noodles_cooked", "sr_noodles_japanese_soba_cooked",
         "fndds_soup_ramen_noodles_water_added", "fndds_rice_fried_nfs", "fndds_sushi_nfs"),
        ("fndds_kimchi", "fndds_radishes_pickled", "fndds_wonton_dumpling_or_pot_sticker_steamed"),
    ),
    "dinner": (
        ("fndds_rice_white_cooked_no_added_fat", "sr_barley_pearled_cooked",
         "fndds_rice_brown_and_wild_cooked_no_added_fat"),
        ("fndds_beef_with_soy_based_sauce", "fndds_pork_belly", "fndds_soybean_curd",
         "fndds_kimchi", "fndds_stew_beef", "fndds_bean_sprouts_cooked"),
    ),
    "snack": (
        ("fndds_sweet_potato_baked_no_added_fat", "fdn_bananas_ripe_and_slightly_ripe_raw",
         "fndds_pear_asian_raw", "fdn_mandarin_seedless_peeled_raw", "fndds_rice_cake"),
        ("fndds_coffee_latte", "fdn_yogurt_plain_whole_milk", "fndds_soy_milk_unsweetened"),
    ),
}  # fmt: skip
WESTERN_MEALS = {
    "breakfast": (
        ("fndds_bagel", "fndds_pancakes_plain", "fndds_bread_multigrain"),
        ("fndds_coffee_latte", "fdn_yogurt_greek_plain_whole_milk",
         "fndds_egg_whole_boiled_or_poached", "fdn_bananas_ripe_and_slightly_ripe_raw"),
    ),
    "lunch": (
        ("fndds_cheeseburger_nfs", "fndds_burrito_nfs",
         "fndds_pizza_cheese_from_frozen_thick_crust", "fndds_hot_dog_sandwich_nfs_on_white_bun"),
        ("fdn_apples_granny_smith_with_skin_raw", "fdn_oranges_raw_navels", "fdn_broccoli_raw"),
    ),
    "dinner": (
        ("fndds_pasta_with_cream_sauce_and_meat_home_recipe", "fndds_potato_baked_nfs",
         "fndds_potato_mashed_from_fresh_made_with_milk", "fndds_pasta_cooked"),
        ("fndds_meat_loaf_made_with_beef", "fdn_broccoli_raw", "fdn_cauliflower_raw",
         "fndds_pot_pie_chicken", "fndds_corn_fresh_cooked_no_added_fat"),
    ),
    "snack": (
        ("fdn_strawberries_raw", "fndds_ice_cream_nfs", "fdn_apples_granny_smith_with_skin_raw",
         "sr_pretzels_soft"),
        ("fndds_coffee_espresso", "fndds_milk_low_fat_1"),
    ),
}  # fmt: skip
DEMO_FOOD_IDS: frozenset[str] = frozenset(
    food_id
    for menu in (KOREAN_MEALS, WESTERN_MEALS)
    for staples, sides in menu.values()
    for food_id in (*staples, *sides)
)
MEAL_CLOCK = {"breakfast": (7, 30), "lunch": (12, 30), "snack": (15, 30), "dinner": (18, 45)}
MEAL_CHANCE = {"breakfast": 0.85, "lunch": 0.95, "snack": 0.3, "dinner": 0.95}
DEFAULT_CARBS_G = {"breakfast": 45.0, "lunch": 65.0, "snack": 20.0, "dinner": 70.0}
EXERCISES = (
    ("walking", "moderate"),
    ("walking", "vigorous"),
    ("cycling", "moderate"),
    ("running", "light"),
    ("swimming", "light"),
    ("strength", "moderate"),
)
# (language, zone, glucose unit) choices a demo user gets.
LOCALES = (
    ("ko", "Asia/Seoul", "mg/dL"),
    ("ko", "Asia/Seoul", "mg/dL"),
    ("en", "America/New_York", "mg/dL"),
    ("en", "Europe/London", "mmol/L"),
)


@dataclass
class _Rows:
    glucose: list[dict[str, Any]] = field(default_factory=list)
    bp: list[dict[str, Any]] = field(default_factory=list)
    hba1c: list[dict[str, Any]] = field(default_factory=list)
    exercise: list[dict[str, Any]] = field(default_factory=list)
    meals: list[dict[str, Any]] = field(default_factory=list)
    # (index into `meals`, item values without meal_id)
    items: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


@dataclass(frozen=True)
class DemoUser:
    user_id: int
    login: str
    persona: str


@dataclass(frozen=True)
class DemoResult:
    users: list[DemoUser]
    rows: dict[str, int]  # table name -> rows written


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def _at(day: date, hour: float, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local clock time (hours as a float) on `day`, to the minute."""
    # Aware datetime + timedelta is wall-clock arithmetic; the zone then gives the offset.
    local = datetime.combine(day, time(), tz) + timedelta(minutes=round(hour * 60))
    return local.astimezone(UTC)


class _UserGenerator:
    """Everything one demo user records over `days` days from `start`."""

    def __init__(
        self,
        *,
        rng: random.Random,
        persona: Persona,
        tz: ZoneInfo,
        korean: bool,
        weight_kg: float,
        foods: dict[str, Food],
        now: datetime,
    ) -> None:
        self.rng, self.persona, self.tz = rng, persona, tz
        self.menu = KOREAN_MEALS if korean else WESTERN_MEALS
        self.weight_kg, self.foods, self.now = weight_kg, foods, now
        self.rows = _Rows()
        # Personal offsets: no two users of a persona are alike.
        self.fasting = persona.fasting * rng.uniform(0.92, 1.08)
        self.carb_rise = persona.carb_rise * rng.uniform(0.85, 1.15)
        self.systolic = persona.systolic + rng.gauss(0, 4)
        self.diastolic = persona.diastolic + rng.gauss(0, 3)
        self.recent: list[tuple[date, float]] = []  # glucose for the HbA1c

    def _glucose(self, when: datetime, value: float, timing: str) -> None:
        if when > self.now:
            return
        mg_dl = float(round(_clamp(value, 40, 500)))
        self.rows.glucose.append(
            {"measured_at": when, "mg_dl": mg_dl, "timing": timing, "note": ""}
        )
        self.recent.append((when.date(), mg_dl))

    def _meal(self, day: date, meal_type: str, exercised: bool) -> float:
        """Log a meal; returns its carbohydrate in grams."""
        rng = self.rng
        hour, minute = MEAL_CLOCK[meal_type]
        eaten_at = _at(day, hour + minute / 60 + rng.gauss(0, 0.35), self.tz)
        staples, sides = self.menu[meal_type]
        chosen = [rng.choice(staples), *rng.sample(sides, k=rng.randint(0, min(2, len(sides))))]
        chosen = [food_id for food_id in dict.fromkeys(chosen) if food_id in self.foods]
        carbs = 0.0
        if eaten_at <= self.now:
            self.rows.meals.append({"eaten_at": eaten_at, "meal_type": meal_type, "note": ""})
            index = len(self.rows.meals) - 1
            for food_id in chosen:
                food = self.foods[food_id]
                grams = max(5.0, round(food.default_portion_g * rng.uniform(0.7, 1.3) / 5) * 5)
                nutrients = portion(food, grams)
                carbs += nutrients.carb_g
                self.rows.items.append(
                    (
                        index,
                        {
                            "food_id": food_id,
                            "grams": grams,
                            "kcal": nutrients.kcal,
                            "carb_g": nutrients.carb_g,
                            "protein_g": nutrients.protein_g,
                            "fat_g": nutrients.fat_g,
                            "source": "manual",
                            "photo_id": None,
                        },
                    )
                )
        if not chosen:
            carbs = DEFAULT_CARBS_G[meal_type] * rng.uniform(0.7, 1.3)
        p = self.persona
        if meal_type != "snack":
            pre = self.fasting + rng.gauss(6, p.glucose_sd * 0.6)
            if meal_type != "breakfast" and rng.random() < p.glucose_logging * 0.5:
                self._glucose(eaten_at - timedelta(minutes=10), pre, f"before_{meal_type}")
            if rng.random() < p.glucose_logging * 0.7:
                rise = self.carb_rise * carbs * (0.7 if exercised else 1.0)
                after = pre + rise + rng.gauss(0, p.glucose_sd)
                when = eaten_at + timedelta(minutes=120 + rng.randint(-15, 20))
                self._glucose(when, after, f"after_{meal_type}")
        return carbs

    def day(self, day: date, exercised_yesterday: bool) -> bool:
        """Generate one local day; returns whether the person exercised."""
        rng, p = self.rng, self.persona
        wake = 6.5 + rng.random()
        exercised = rng.random() < p.exercise_per_week / 7
        if exercised:
            kind, intensity = rng.choice(EXERCISES)
            minutes = rng.choice((20, 30, 30, 40, 45, 60))
            started = _at(day, rng.choice((wake + 0.3, 19.5 + rng.random())), self.tz)
            if started <= self.now:
                kcal = energy_kcal(kind, intensity, minutes, self.weight_kg)
                self.rows.exercise.append(
                    {
                        "started_at": started,
                        "kind": kind,
                        "duration_min": minutes,
                        "intensity": intensity,
                        "energy_kcal": None if kcal is None else round(kcal, 1),
                        "note": "",
                    }
                )
        if rng.random() < p.glucose_logging:
            fasting = self.fasting - (4 if exercised_yesterday else 0) + rng.gauss(0, p.glucose_sd)
            self._glucose(_at(day, wake, self.tz), fasting, "fasting")
        for meal_type in ("breakfast", "lunch", "snack", "dinner"):
            if rng.random() < MEAL_CHANCE[meal_type]:
                self._meal(day, meal_type, exercised)
        if rng.random() < p.glucose_logging * 0.25:
            bedtime = self.fasting + 18 + rng.gauss(0, p.glucose_sd)
            self._glucose(_at(day, 22.5 + rng.random(), self.tz), bedtime, "bedtime")
        for hour, surge, chance in (
            (wake + 0.2, 7.0, p.bp_logging),
            (21.0, 0.0, p.bp_logging * 0.6),
        ):
            if rng.random() < chance:
                self._bp(_at(day, hour + rng.random() * 0.5, self.tz), surge)
        return exercised

    def _bp(self, when: datetime, surge: float) -> None:
        if when > self.now:
            return
        rng = self.rng
        systolic = self.systolic + surge + rng.gauss(0, 7)
        diastolic = self.diastolic + 0.45 * (systolic - self.systolic) + rng.gauss(0, 4)
        sys_i = round(_clamp(systolic, 85, 230))
        dia_i = round(_clamp(diastolic, 50, min(140, sys_i - 15)))
        pulse = round(_clamp(self.persona.pulse + rng.gauss(0, 7), 45, 130))
        self.rows.bp.append(
            {"measured_at": when, "systolic": sys_i, "diastolic": dia_i, "pulse": pulse, "note": ""}
        )

    def hba1c(self, day: date) -> None:
        window = [v for d, v in self.recent if d > day - timedelta(days=HBA1C_EVERY_DAYS)]
        self.recent = [(d, v) for d, v in self.recent if d > day - timedelta(days=HBA1C_EVERY_DAYS)]
        if len(window) < 20 or _at(day, 9, self.tz) > self.now:
            return
        # ADAG (CLINICAL.md): eAG = 28.7 x A1c - 46.7, so A1c = (mean + 46.7) / 28.7.
        percent = (sum(window) / len(window) + 46.7) / 28.7 + self.rng.gauss(0, 0.12)
        self.rows.hba1c.append(
            {"measured_on": day, "percent": round(_clamp(percent, 4.0, 15.0), 1), "note": ""}
        )


def _demo_foods(db: Session) -> dict[str, Food]:
    return {f.id: f for f in db.exec(select(Food).where(col(Food.id).in_(DEMO_FOOD_IDS))).all()}


def _logins(db: Session, prefix: str, count: int) -> list[str]:
    width = max(4, len(str(count)))
    taken = db.exec(
        select(func.count())
        .select_from(User)
        .where(col(User.login).startswith(f"{prefix}-", autoescape=True))
    ).one()
    if taken:
        raise ValueError(f"demo users with the prefix {prefix!r} exist; choose another prefix")
    return [f"{prefix}-{i + 1:0{width}d}" for i in range(count)]


def _copy_mode(db: Session) -> bool:
    connection = db.connection()
    return connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg"


def _insert_returning_ids(db: Session, model: Any, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert and return the new ids in the order of `rows`. On PostgreSQL the ids are drawn from
    the table's sequence first and the rows copied with them; elsewhere INSERT ... RETURNING."""
    if not rows:
        return []
    if _copy_mode(db):
        ids = [
            int(i)
            for i in db.exec(
                sa.select(
                    sa.func.nextval(sa.func.pg_get_serial_sequence(model.__tablename__, "id"))
                ).select_from(sa.func.generate_series(1, len(rows)))
            ).scalars()
        ]
        _insert(db, model, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
        return ids
    result = db.connection().execute(
        sa.insert(model).returning(model.id, sort_by_parameter_order=True), list(rows)
    )
    return [row[0] for row in result]


def _insert(db: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Many rows at once: COPY on PostgreSQL with psycopg (several times faster than multi-row
    INSERT there), one executemany INSERT elsewhere. Rows share their keys."""
    if not rows:
        return
    connection = db.connection()
    if _copy_mode(db):
        from psycopg import sql

        columns = list(rows[0])
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(model.__tablename__), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[name] for name in columns])
        return
    connection.execute(sa.insert(model), list(rows))


def _user_row(
    login: str,
    password_hash: str,
    locale: tuple[str, str, str],
    weight: float | None,
    target: float,
    now: datetime,
) -> dict[str, Any]:
    language, zone, unit = locale
    return {
        "login": login,
        "password_hash": password_hash,
        "language": language,
        "glucose_unit": unit,
        "bp_standard": "",
        "timezone": zone,
        "weight_kg": weight,
        "hba1c_target": target,
        "created_at": now,
        "password_changed_at": now,
    }


def _unusable_hash() -> str:
    """A real hash of a random secret: such an account exists but nobody can log in to it."""
    return passwords.hash_password(secrets.token_urlsafe(32))


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
    db.flush()
    logins = _logins(db, prefix, users)
    password_hash = password_hash or _unusable_hash()
    foods = _demo_foods(db)
    created: list[DemoUser] = []
    counts = dict.fromkeys(
        ("app_user", "glucose", "blood_pressure", "hba1c", "exercise", "meal", "meal_item"), 0
    )
    for batch_start in range(0, users, USER_BATCH):
        batch = range(batch_start, min(users, batch_start + USER_BATCH))
        user_rows, generated = [], []
        for index in batch:
            rng = random.Random(f"healthapp-demo:{seed}:{index}")  # noqa: S311 (demo data)
            persona = PERSONAS[index % len(PERSONAS)]
            locale = rng.choice(LOCALES)
            weight = round(rng.uniform(52, 98), 1)
            target = 7.0 if persona.name.startswith("t2") else 6.5
            user_rows.append(_user_row(logins[index], password_hash, locale, weight, target, now))
            gen = _UserGenerator(
                rng=rng,
                persona=persona,
                tz=ZoneInfo(locale[1]),
                korean=locale[0] == "ko",
                weight_kg=weight,
                foods=foods,
                now=now,
            )
            exercised = False
            for offset in range(days):
                day = start + timedelta(days=offset)
                exercised = gen.day(day, exercised)
                if offset % HBA1C_EVERY_DAYS == HBA1C_EVERY_DAYS - 1:
                    gen.hba1c(day)
            generated.append(gen)
        ids = _insert_returning_ids(db, User, user_rows)
        glucose, bp, hba1c, exercise, meals, items = [], [], [], [], [], []
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
        meal_ids = _insert_returning_ids(db, Meal, meals)
        for model, rows in (
            (Glucose, glucose),
            (BloodPressure, bp),
            (HbA1c, hba1c),
            (Exercise, exercise),
        ):
            _insert(db, model, rows)
        _insert(db, MealItem, [{**row, "meal_id": meal_ids[i]} for i, row in items])
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
    """Many users with only what the rank metrics of services/ranking.py read:
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
    db.flush()
    logins = _logins(db, prefix, users)
    password_hash = password_hash or _unusable_hash()
    locale = ("en", "UTC", "mg/dL")
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for batch_start in range(0, users, batch_size):
        batch = range(batch_start, min(users, batch_start + batch_size))
        ids = _insert_returning_ids(
            db, User, [_user_row(logins[i], password_hash, locale, None, 7.0, now) for i in batch]
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
                value = float(round(_clamp(rng.gauss(mean, spread), 40, 500)))
                glucose.append({**stamp, "measured_at": when, "mg_dl": value, "timing": "other"})
            for day in rng.sample(range(7), k=rng.randint(0, 5)):
                when = _moment(rng, midnight, day, now)
                exercise.append({**stamp, "started_at": when, "kind": "walking",
                                 "duration_min": rng.choice((15, 20, 30, 45, 60, 90)),
                                 "intensity": "moderate", "energy_kcal": None})  # fmt: skip
        _insert(db, Glucose, glucose)
        _insert(db, Exercise, exercise)
        if after_batch is not None:
            after_batch(db, ids)
    return users


# --- command line ---------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m healthapp.cli.demo",
        description="Create demo users with correlated readings, meals and exercise.",
    )
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--start",
        type=date.fromisoformat,
        default=None,
        help="first day (YYYY-MM-DD); default: --days days before today",
    )
    parser.add_argument(
        "--password", default=None, help="password of every demo user; or set DEMO_PASSWORD"
    )
    parser.add_argument("--prefix", default=None, help="login prefix (default demo<seed>)")
    parser.add_argument("--database-url", default=None, help="default: the app's DATABASE_URL")
    parser.add_argument(
        "--rank-population",
        action="store_true",
        help="benchmark mode: only the rows the top-n%% rank reads",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from healthapp.config import get_settings
    from healthapp.db import make_engine, migrate, session_scope
    from healthapp.services.ranking import refresh_all_metrics

    args = _parser().parse_args(argv)
    settings = get_settings()
    if settings.is_production:
        print("refusing to create demo users with HEALTHAPP_ENV=production", file=sys.stderr)
        return 2
    password = args.password or os.environ.get("DEMO_PASSWORD", "")
    if not password:
        print("give the demo users' password with --password or DEMO_PASSWORD", file=sys.stderr)
        return 2
    try:
        passwords.check_new_password(password, login="", min_length=settings.password_min_length)
    except ValidationError as exc:
        print(f"the password is refused ({exc.key})", file=sys.stderr)
        return 2
    url = args.database_url or settings.database_url
    migrate(url)
    engine = make_engine(url)
    password_hash = passwords.hash_password(password)
    try:
        with session_scope(engine) as db:
            if args.rank_population:
                count = generate_rank_population(
                    db, users=args.users, seed=args.seed, password_hash=password_hash,
                    prefix=args.prefix, after_batch=lambda session, _ids: session.commit(),
                )  # fmt: skip
                refresh_all_metrics(db)
                prefix = args.prefix or f"rank{args.seed}"
                print(f"created {count} rank-benchmark users ({prefix}-...), ranks refreshed")
                return 0
            result = generate_demo(
                db,
                users=args.users,
                days=args.days,
                seed=args.seed,
                start=args.start,
                password_hash=password_hash,
                prefix=args.prefix,
            )
            refresh_all_metrics(db, commit=False)  # demo users appear in the "top n%" ranks
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    rows = ", ".join(f"{name} {n}" for name, n in result.rows.items())
    print(f"created {len(result.users)} demo users ({rows}); password as given")
    shown = result.users if len(result.users) <= 100 else result.users[:20]
    for user in shown:
        print(f"{user.login}\t{user.persona}")
    if len(shown) < len(result.users):
        print(f"... and {len(result.users) - len(shown)} more, up to {result.users[-1].login}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
