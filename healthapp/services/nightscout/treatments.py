"""Nightscout treatments: what an uploader logs besides sensor readings. Two kinds matter
here: carbohydrate (`carbs`, grams: a meal holding that much of the carbohydrate food, so it
counts in every total and report) and a meter reading (`glucose` with `units`, e.g. a "BG
Check"). Other treatments (insulin, temp basals, notes) are reported as not taken.

A treatment already stored (same time and value) is skipped, as Nightscout does."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from healthapp.db import utcnow
from healthapp.domain.errors import ServiceError, ValidationError
from healthapp.domain.units import GlucoseUnit, to_mg_dl
from healthapp.models import Glucose, Meal, MealItem
from healthapp.services import meals, preferences
from healthapp.services.nightscout.entries import (
    MAX_BATCH,
    Reading,
    entry_instant,
    first_error_key,
    store_readings,
)

CARBOHYDRATE_FOOD = "healthapp_carbohydrate"
CARBS_MAX_G = 500


@dataclass(frozen=True)
class StoredTreatments:
    readings: list[Glucose]
    meals: list[Meal]
    duplicates: int
    invalid: list[tuple[int, str]]


def _number(doc: Mapping[str, Any], name: str) -> float | None:
    value = doc.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            value = None
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise ValidationError("nightscout.value_invalid", field=name)
    return float(value)


def _meal_type(at: datetime, prefs: preferences.Preferences) -> str:
    hour = at.astimezone(prefs.tz).hour
    if 5 <= hour < 11:
        return "breakfast"
    if 11 <= hour < 15:
        return "lunch"
    if 17 <= hour < 22:
        return "dinner"
    return "snack"


def _store_carbs(
    db: Session, user_id: int, at: datetime, grams: float, note: str, now: datetime | None
) -> Meal | None:
    if not 0 < grams <= CARBS_MAX_G:
        raise ValidationError("nightscout.carbs_invalid", field="carbs", max=CARBS_MAX_G)
    seen = db.exec(
        select(MealItem.id).join(Meal, col(Meal.id) == col(MealItem.meal_id)).where(
            col(Meal.user_id) == user_id, col(Meal.eaten_at) == at,
            col(MealItem.food_id) == CARBOHYDRATE_FOOD, col(MealItem.grams) == grams,
        )
    ).first()  # fmt: skip
    if seen is not None:
        return None
    prefs = preferences.get_preferences(db, user_id=user_id)
    form = {"eaten_at": at.isoformat(), "meal_type": _meal_type(at, prefs), "note": note[:500]}
    values = meals.meal_values(form, prefs, now or utcnow())
    meal = meals.create_meal_from_values(db, user_id=user_id, values=values)
    assert meal.id is not None
    meals.add_item(db, user_id=user_id, meal_id=meal.id,
                   form={"food_id": CARBOHYDRATE_FOOD, "grams": f"{grams:g}"})  # fmt: skip
    return meal


def store_treatments(
    db: Session, *, user_id: int, docs: list[object], now: datetime | None = None
) -> StoredTreatments:
    if len(docs) > MAX_BATCH:
        raise ValidationError("nightscout.batch_too_large", field="treatments", max=MAX_BATCH)
    readings: list[Glucose] = []
    stored_meals: list[Meal] = []
    duplicates = 0
    invalid: list[tuple[int, str]] = []
    for index, doc in enumerate(docs):
        try:
            if not isinstance(doc, Mapping):
                raise ValidationError("nightscout.entry_invalid", field="treatment")
            at = entry_instant(doc)
            carbs, glucose = _number(doc, "carbs"), _number(doc, "glucose")
            if not carbs and glucose is None:
                raise ValidationError("nightscout.treatment_unsupported", field="eventType")
            with db.begin_nested():
                if glucose is not None:
                    unit = GlucoseUnit.MMOL_L if str(doc.get("units", "")).lower().startswith(
                        "mmol") else GlucoseUnit.MG_DL  # fmt: skip
                    kind = "sgv" if doc.get("glucoseType") == "Sensor" else "mbg"
                    new, dup = store_readings(db, user_id=user_id, now=now, readings=[
                        Reading(kind, at, to_mg_dl(glucose, unit))])  # fmt: skip
                    readings += new
                    duplicates += dup
                if carbs:
                    meal = _store_carbs(db, user_id, at, carbs, str(doc.get("notes") or ""), now)
                    if meal is None:
                        duplicates += 1
                    else:
                        stored_meals.append(meal)
        except ServiceError as exc:
            invalid.append((index, first_error_key(exc)))
    return StoredTreatments(readings, stored_meals, duplicates, invalid)
