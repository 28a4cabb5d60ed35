"""Meals: log, list, correct. Photos are analysed elsewhere (services/analysis, the worker);
here they are attached and their estimates turned into items a person confirms or corrects."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from healthapp.db import insert_row, utcnow
from healthapp.domain.errors import ValidationError
from healthapp.models import (
    Food,
    ItemSource,
    Meal,
    MealItem,
    MealPhoto,
    MealType,
)
from healthapp.services import forms, ranking
from healthapp.services.foods import portion
from healthapp.services.meals.storage import PhotoStorage, remove_photos_after_commit
from healthapp.services.ownership import owned
from healthapp.services.preferences import Preferences

PORTION_RANGE_G = (Decimal(1), Decimal(5000))


def meal_values(form: Mapping[str, Any], prefs: Preferences, now: datetime) -> dict[str, Any]:
    """The validated columns of a meal form (time, type, note)."""
    return forms.collect(
        {
            "eaten_at": lambda: forms.local_datetime(form, "eaten_at", tz=prefs.tz, now=now),
            "meal_type": lambda: forms.choice(form, "meal_type", MealType).value,
            "note": lambda: forms.note(form),
        }
    )


def create_meal_from_values(db: Session, *, user_id: int, values: Mapping[str, Any]) -> Meal:
    meal: Meal = insert_row(db, Meal, {"user_id": user_id, **values})
    ranking.ranks_changed(db, user_id=user_id)
    return meal


def update_meal_from_values(
    db: Session,
    *,
    user_id: int,
    meal_id: int,
    values: Mapping[str, Any],
    tz: ZoneInfo | None = None,
) -> Meal:
    """Change a meal's time, type or note in place; its items and photos stay as they are.
    With `tz` (the zone the form was read in), a time left as the form showed it keeps the
    stored instant (an ambiguous fall-back hour would otherwise move on every re-save)."""
    meal = owned(db, Meal, meal_id, user_id=user_id)
    if tz is not None and "eaten_at" in values:
        values = {**values, "eaten_at": forms.keep_shown(values["eaten_at"], meal.eaten_at, tz)}
    for name, value in values.items():
        setattr(meal, name, value)
    meal.updated_at = utcnow()
    db.add(meal)
    db.flush()
    ranking.ranks_changed(db, user_id=user_id)
    return meal


def delete_meal(db: Session, *, user_id: int, meal_id: int, storage: PhotoStorage) -> list[str]:
    """Delete the meal with its photos and items. The photo files go from `storage` once `db`
    has committed (never if it rolls back); returns their keys."""
    meal = owned(db, Meal, meal_id, user_id=user_id)
    keys = list(db.exec(select(MealPhoto.storage_key).where(MealPhoto.meal_id == meal_id)).all())
    db.delete(meal)
    db.flush()
    ranking.ranks_changed(db, user_id=user_id)
    remove_photos_after_commit(db, storage, keys)
    return keys


def add_photo(
    db: Session,
    *,
    user_id: int,
    meal_id: int,
    storage_key: str,
    content_type: str,
    width: int,
    height: int,
    size_bytes: int,
) -> MealPhoto:
    """Record a photo already stored under `storage_key` (after intake) for one of the user's
    meals. The caller then creates its analysis job."""
    owned(db, Meal, meal_id, user_id=user_id)
    values = {"meal_id": meal_id, "user_id": user_id, "storage_key": storage_key,
              "content_type": content_type, "width": width, "height": height,
              "size_bytes": size_bytes}  # fmt: skip
    photo: MealPhoto = insert_row(db, MealPhoto, values)
    return photo


def _grams(form: Mapping[str, Any]) -> float:
    return float(forms.number(form, "grams", low=PORTION_RANGE_G[0], high=PORTION_RANGE_G[1],
                              unit="g"))  # fmt: skip


def _food(db: Session, food_id: str) -> Food:
    food = db.get(Food, food_id) if food_id else None
    if food is None:
        raise ValidationError("error.food_unknown", field="food_id")
    return food


def apply_food(item: MealItem, food: Food, grams: float) -> None:
    nutrients = portion(food, grams)
    item.food_id, item.grams = food.id, grams
    item.kcal, item.carb_g = nutrients.kcal, nutrients.carb_g
    item.protein_g, item.fat_g = nutrients.protein_g, nutrients.fat_g


def food_and_grams(db: Session, form: Mapping[str, Any]) -> tuple[Food, float]:
    """The form's food (food_id) and portion (grams), each checked, errors for both at once."""
    values = forms.collect(
        {"food": lambda: _food(db, forms.text(form, "food_id")), "grams": lambda: _grams(form)}
    )
    return values["food"], values["grams"]


def add_item(db: Session, *, user_id: int, meal_id: int, form: Mapping[str, Any]) -> MealItem:
    """A food the person found in the food search, with a portion in grams."""
    owned(db, Meal, meal_id, user_id=user_id)
    food, grams = food_and_grams(db, form)
    item = MealItem(meal_id=meal_id, user_id=user_id, source=ItemSource.MANUAL,
                    food_id="", grams=0, kcal=0, carb_g=0, protein_g=0, fat_g=0)  # fmt: skip
    apply_food(item, food, grams)
    db.add(item)
    db.flush()
    return item


def correct_item(db: Session, *, user_id: int, item_id: int, form: Mapping[str, Any]) -> MealItem:
    """The person's correction: another food (a top-5 candidate or a search result) and/or
    another portion. From now on the item is manual; the model's estimate stays in the job."""
    item = owned(db, MealItem, item_id, user_id=user_id)
    values = forms.collect(
        {
            "food": lambda: _food(db, forms.text(form, "food_id") or item.food_id),
            "grams": lambda: _grams(form),
        }
    )
    apply_food(item, values["food"], values["grams"])
    item.source = ItemSource.MANUAL
    item.updated_at = utcnow()
    db.add(item)
    db.flush()
    return item


def confirm_item(db: Session, *, user_id: int, item_id: int) -> None:
    item = owned(db, MealItem, item_id, user_id=user_id)
    if item.source == ItemSource.ESTIMATE:
        item.source = ItemSource.CONFIRMED
        item.updated_at = utcnow()
        db.add(item)


def delete_item(db: Session, *, user_id: int, item_id: int) -> None:
    db.delete(owned(db, MealItem, item_id, user_id=user_id))
    db.flush()
