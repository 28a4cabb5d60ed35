"""One demo user's days: glucose, blood pressure, meals, exercise and HbA1c, as rows to write."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from healthapp.cli.demo.personas import (
    DEFAULT_CARBS_G,
    EXERCISES,
    KOREAN_MEALS,
    LOCALES,
    MEAL_CHANCE,
    MEAL_CLOCK,
    PERSONAS,
    WESTERN_MEALS,
    Persona,
)
from healthapp.domain.exercise import energy_kcal
from healthapp.models import Food
from healthapp.services.foods import portion

HBA1C_EVERY_DAYS = 90


@dataclass
class Rows:
    glucose: list[dict[str, Any]] = field(default_factory=list)
    bp: list[dict[str, Any]] = field(default_factory=list)
    hba1c: list[dict[str, Any]] = field(default_factory=list)
    exercise: list[dict[str, Any]] = field(default_factory=list)
    meals: list[dict[str, Any]] = field(default_factory=list)
    # (index into `meals`, item values without meal_id)
    items: list[tuple[int, dict[str, Any]]] = field(default_factory=list)


def clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def at_local(day: date, hour: float, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local clock time (hours as a float) on `day`, to the minute."""
    # Aware datetime + timedelta is wall-clock arithmetic; the zone then gives the offset.
    local = datetime.combine(day, time(), tz) + timedelta(minutes=round(hour * 60))
    return local.astimezone(UTC)


class UserGenerator:
    """Everything one demo user records over `days` days from `start`."""

    def __init__(
        self,
        *,
        rng: random.Random,
        persona: Persona,
        locale: tuple[str, str, str],
        weight_kg: float,
        target: float,
        foods: dict[str, Food],
        now: datetime,
    ) -> None:
        self.rng, self.persona, self.locale = rng, persona, locale
        self.tz = ZoneInfo(locale[1])
        self.menu = KOREAN_MEALS if locale[0] == "ko" else WESTERN_MEALS
        self.weight_kg, self.target, self.foods, self.now = weight_kg, target, foods, now
        self.rows = Rows()
        # Personal offsets: no two users of a persona are alike.
        self.fasting = persona.fasting * rng.uniform(0.92, 1.08)
        self.carb_rise = persona.carb_rise * rng.uniform(0.85, 1.15)
        self.systolic = persona.systolic + rng.gauss(0, 4)
        self.diastolic = persona.diastolic + rng.gauss(0, 3)
        self.recent: list[tuple[date, float]] = []  # glucose for the HbA1c
        self.days_since_exercise = 0

    @classmethod
    def numbered(
        cls, seed: int, index: int, *, foods: dict[str, Food], now: datetime
    ) -> UserGenerator:
        """Demo user number `index` of `seed`: its own random stream, so it does not depend on
        how many other users are made."""
        rng = random.Random(f"healthapp-demo:{seed}:{index}")  # noqa: S311 (demo data)
        persona = PERSONAS[index % len(PERSONAS)]
        # Drawn in this order, before the personal offsets, so a seed keeps giving the same data.
        locale = rng.choice(LOCALES)
        weight = round(rng.uniform(52, 98), 1)
        target = 7.0 if persona.name.startswith("t2") else 6.5
        return cls(
            rng=rng,
            persona=persona,
            locale=locale,
            weight_kg=weight,
            target=target,
            foods=foods,
            now=now,
        )

    def run(self, start: date, days: int) -> None:
        """Generate `days` local days from `start`, with an HbA1c every HBA1C_EVERY_DAYS."""
        exercised = False
        for offset in range(days):
            day = start + timedelta(days=offset)
            exercised = self.day(day, exercised)
            if offset % HBA1C_EVERY_DAYS == HBA1C_EVERY_DAYS - 1:
                self.hba1c(day)

    def _glucose(self, when: datetime, value: float, timing: str) -> None:
        if when > self.now:
            return
        mg_dl = float(round(clamp(value, 40, 500)))
        self.rows.glucose.append(
            {"measured_at": when, "mg_dl": mg_dl, "timing": timing, "note": ""}
        )
        self.recent.append((when.date(), mg_dl))

    def _meal(self, day: date, meal_type: str, exercised: bool) -> float:
        """Log a meal; returns its carbohydrate in grams."""
        rng = self.rng
        hour, minute = MEAL_CLOCK[meal_type]
        eaten_at = at_local(day, hour + minute / 60 + rng.gauss(0, 0.35), self.tz)
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
        # At least one session a week, even for the least active persona: every demo user then
        # has the data the weekly "top n%" exercise badge asks for (services.ranking).
        exercised = rng.random() < p.exercise_per_week / 7 or self.days_since_exercise >= 6
        self.days_since_exercise = 0 if exercised else self.days_since_exercise + 1
        if exercised:
            kind, intensity = rng.choice(EXERCISES)
            minutes = rng.choice((20, 30, 30, 40, 45, 60))
            started = at_local(day, rng.choice((wake + 0.3, 19.5 + rng.random())), self.tz)
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
        # A fasting reading every morning (the other readings follow glucose_logging): every
        # demo user has the readings the 14-day time-in-range badge asks for (the GMI rule).
        fasting = self.fasting - (4 if exercised_yesterday else 0) + rng.gauss(0, p.glucose_sd)
        self._glucose(at_local(day, wake, self.tz), fasting, "fasting")
        for meal_type in ("breakfast", "lunch", "snack", "dinner"):
            if rng.random() < MEAL_CHANCE[meal_type]:
                self._meal(day, meal_type, exercised)
        if rng.random() < p.glucose_logging * 0.25:
            bedtime = self.fasting + 18 + rng.gauss(0, p.glucose_sd)
            self._glucose(at_local(day, 22.5 + rng.random(), self.tz), bedtime, "bedtime")
        for hour, surge, chance in (
            (wake + 0.2, 7.0, p.bp_logging),
            (21.0, 0.0, p.bp_logging * 0.6),
        ):
            if rng.random() < chance:
                self._bp(at_local(day, hour + rng.random() * 0.5, self.tz), surge)
        return exercised

    def _bp(self, when: datetime, surge: float) -> None:
        if when > self.now:
            return
        rng = self.rng
        systolic = self.systolic + surge + rng.gauss(0, 7)
        diastolic = self.diastolic + 0.45 * (systolic - self.systolic) + rng.gauss(0, 4)
        sys_i = round(clamp(systolic, 85, 230))
        dia_i = round(clamp(diastolic, 50, min(140, sys_i - 15)))
        pulse = round(clamp(self.persona.pulse + rng.gauss(0, 7), 45, 130))
        self.rows.bp.append(
            {"measured_at": when, "systolic": sys_i, "diastolic": dia_i, "pulse": pulse, "note": ""}
        )

    def hba1c(self, day: date) -> None:
        window = [v for d, v in self.recent if d > day - timedelta(days=HBA1C_EVERY_DAYS)]
        self.recent = [(d, v) for d, v in self.recent if d > day - timedelta(days=HBA1C_EVERY_DAYS)]
        if len(window) < 20 or at_local(day, 9, self.tz) > self.now:
            return
        # ADAG (CLINICAL.md): eAG = 28.7 x A1c - 46.7, so A1c = (mean + 46.7) / 28.7.
        percent = (sum(window) / len(window) + 46.7) / 28.7 + self.rng.gauss(0, 0.12)
        self.rows.hba1c.append(
            {"measured_on": day, "percent": round(clamp(percent, 4.0, 15.0), 1), "note": ""}
        )
