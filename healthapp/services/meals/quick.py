"""Quick logging, as meal-logging apps have it: "same as last time" for the person's recent and
frequent meals, and each food's last portion as its default.

A meal is offered again when its foods and portions are ones the person logged before; the
same foods eaten often come first. Only foods the person chose or accepted count (manual or
confirmed items): a model's guess nobody looked at is not something they ate.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from healthapp.db import utcnow
from healthapp.domain.errors import ValidationError
from healthapp.models import Food, ItemSource, Meal, MealItem
from healthapp.services import ranking
from healthapp.services.foods import KNOWN_SOURCES
from healthapp.services.ownership import owned

LOOKBACK_MEALS = 60  # the person's recent meals the offers are drawn from

Foods = tuple[tuple[str, float], ...]  # (food id, grams) of a meal's known items, in its order


@dataclass(frozen=True)
class QuickMeal:
    """A meal to log again: the newest meal with these foods, and how often they were eaten."""

    meal_id: int
    meal_type: str
    foods: Foods
    names_en: tuple[str, ...]
    names_ko: tuple[str, ...]
    kcal: float
    carb_g: float
    times: int
    last_eaten_at: datetime


def quick_meals(db: Session, *, user_id: int, limit: int = 4) -> list[QuickMeal]:
    """The person's meals worth repeating: most often eaten first, then most recent."""
    recent = db.exec(
        select(Meal.id, Meal.meal_type, Meal.eaten_at)
        .where(col(Meal.user_id) == user_id)
        .order_by(col(Meal.eaten_at).desc(), col(Meal.id).desc())
        .limit(LOOKBACK_MEALS)
    ).all()
    if not recent:
        return []
    items = db.exec(
        select(MealItem, Food)
        .join(Food, col(Food.id) == col(MealItem.food_id))
        .where(
            col(MealItem.user_id) == user_id,
            col(MealItem.meal_id).in_([meal_id for meal_id, _, _ in recent]),
            col(MealItem.source).in_(KNOWN_SOURCES),
        )
        .order_by(col(MealItem.id))
    ).all()
    by_meal: dict[int, list[tuple[MealItem, Food]]] = {}
    for item, food in items:
        by_meal.setdefault(item.meal_id, []).append((item, food))
    times: Counter[Foods] = Counter()
    newest: dict[Foods, tuple[int, str, datetime]] = {}
    for meal_id, meal_type, eaten_at in recent:  # newest first
        # A meal's guesses nobody looked at are left out; a meal of guesses only is not offered.
        if meal_id is None or meal_id not in by_meal:
            continue
        key = tuple((item.food_id, item.grams) for item, _ in by_meal[meal_id])
        times[key] += 1
        newest.setdefault(key, (meal_id, str(meal_type), eaten_at))
    ranked = sorted(newest, key=lambda key: (-times[key], -newest[key][2].timestamp()))
    offered = []
    for key in ranked[:limit]:
        meal_id, meal_type, eaten_at = newest[key]
        rows = by_meal[meal_id]
        offered.append(
            QuickMeal(
                meal_id=meal_id,
                meal_type=meal_type,
                foods=key,
                names_en=tuple(food.name_en for _, food in rows),
                names_ko=tuple(food.name_ko or food.name_en for _, food in rows),
                kcal=sum(item.kcal for item, _ in rows),
                carb_g=sum(item.carb_g for item, _ in rows),
                times=times[key],
                last_eaten_at=eaten_at,
            )
        )
    return offered


def repeat_meal(db: Session, *, user_id: int, meal_id: int, now: datetime | None = None) -> Meal:
    """A new meal now, of the same type, with the known foods and portions of `meal_id` (one of
    the person's own; anyone else's is not found)."""
    source = owned(db, Meal, meal_id, user_id=user_id)
    items = db.exec(
        select(MealItem)
        .where(
            col(MealItem.meal_id) == meal_id,
            col(MealItem.user_id) == user_id,
            col(MealItem.source).in_(KNOWN_SOURCES),
        )
        .order_by(col(MealItem.id))
    ).all()
    if not items:
        raise ValidationError("error.meal_nothing_to_repeat")
    stamp = now or utcnow()
    meal = Meal(user_id=user_id, eaten_at=stamp, meal_type=source.meal_type,
                created_at=stamp, updated_at=stamp)  # fmt: skip
    db.add(meal)
    db.flush()
    assert meal.id is not None
    for item in items:
        db.add(MealItem(meal_id=meal.id, user_id=user_id, food_id=item.food_id, grams=item.grams,
                        kcal=item.kcal, carb_g=item.carb_g, protein_g=item.protein_g,
                        fat_g=item.fat_g, source=ItemSource.MANUAL))  # fmt: skip
    db.flush()
    ranking.ranks_changed(db, user_id=user_id)
    return meal
