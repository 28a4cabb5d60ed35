"""The meals of a report's period, item by item: the only rows a report fetches one by one, and
only for the one period it covers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from healthapp.models import Food, ItemSource, Meal, MealItem
from healthapp.services.preferences import Preferences
from healthapp.services.reports.periods import day_span


@dataclass(frozen=True)
class MealItemEntry:
    id: int
    food_id: str
    name_en: str
    name_ko: str
    grams: float
    kcal: float
    carb_g: float
    protein_g: float
    fat_g: float
    source: str  # estimate | confirmed | manual


@dataclass(frozen=True)
class MealEntry:
    id: int
    eaten_at: datetime  # UTC
    day: date  # local
    time: str  # local "HH:MM"
    meal_type: str
    note: str
    kcal: float
    carb_g: float
    protein_g: float
    fat_g: float
    has_estimate: bool  # an item is still the food model's unconfirmed guess
    items: list[MealItemEntry] = field(default_factory=list)


def period_meals(
    db: Session, *, user_id: int, prefs: Preferences, start: date, end: date
) -> list[MealEntry]:
    """Every meal of local days start..end, oldest first, with its items and their sums."""
    low, high = day_span(start, end, prefs.tz)
    rows = db.exec(
        select(Meal, MealItem, Food.name_en, Food.name_ko)
        .select_from(Meal)
        .join(
            MealItem,
            sa.and_(col(MealItem.meal_id) == col(Meal.id), col(MealItem.user_id) == user_id),
            isouter=True,
        )
        .join(Food, col(Food.id) == col(MealItem.food_id), isouter=True)
        .where(Meal.user_id == user_id, col(Meal.eaten_at) >= low, col(Meal.eaten_at) < high)
        .order_by(col(Meal.eaten_at), col(Meal.id), col(MealItem.id))
    ).all()
    meals: list[Meal] = []
    items: dict[int, list[MealItemEntry]] = {}
    for meal, item, name_en, name_ko in rows:
        if not meals or meals[-1].id != meal.id:
            meals.append(meal)
        if item is None:  # a meal without items
            continue
        items.setdefault(item.meal_id, []).append(
            MealItemEntry(
                id=item.id or 0,
                food_id=item.food_id,
                name_en=name_en or item.food_id,
                name_ko=name_ko or "",
                grams=item.grams,
                kcal=item.kcal,
                carb_g=item.carb_g,
                protein_g=item.protein_g,
                fat_g=item.fat_g,
                source=item.source,
            )
        )
    entries = []
    for meal in meals:
        own = items.get(meal.id or 0, [])
        local = meal.eaten_at.astimezone(prefs.tz)
        entries.append(
            MealEntry(
                id=meal.id or 0,
                eaten_at=meal.eaten_at,
                day=local.date(),
                time=local.strftime("%H:%M"),
                meal_type=meal.meal_type,
                note=meal.note,
                kcal=sum(i.kcal for i in own),
                carb_g=sum(i.carb_g for i in own),
                protein_g=sum(i.protein_g for i in own),
                fat_g=sum(i.fat_g for i in own),
                has_estimate=any(i.source == ItemSource.ESTIMATE for i in own),
                items=own,
            )
        )
    return entries
