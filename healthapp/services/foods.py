"""The food table: search (the person's own foods first), their recent and frequent foods, the
nutrients of a portion, and the person's own last portion of each food."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypedDict

import sqlalchemy as sa
from sqlmodel import Session, col, select

from healthapp.models import Food
from healthapp.models.meals import ItemSource, MealItem

# Items the person chose or accepted: a model's guess nobody looked at is not what they ate.
KNOWN_SOURCES = (ItemSource.MANUAL, ItemSource.CONFIRMED)

SEARCH_LIMIT = 20
MIN_QUERY_LENGTH = 2
SUGGESTION_LIMIT = 8


@dataclass(frozen=True)
class Nutrients:
    kcal: float
    carb_g: float
    protein_g: float
    fat_g: float


class PortionColumns(TypedDict):
    """The nutrient columns of a meal item, as keyword arguments."""

    kcal: float
    carb_g: float
    protein_g: float
    fat_g: float


class Per100g(Protocol):
    """Anything with USDA's per-100 g values: a Food row, a food class of the model's mapping."""

    @property
    def kcal_per_100g(self) -> float: ...
    @property
    def carb_g_per_100g(self) -> float: ...
    @property
    def protein_g_per_100g(self) -> float: ...
    @property
    def fat_g_per_100g(self) -> float: ...


def portion(food: Per100g, grams: float) -> Nutrients:
    """Nutrients of `grams` of `food` (USDA values are per 100 g), rounded to 0.1."""
    factor = grams / 100.0
    return Nutrients(
        kcal=round(food.kcal_per_100g * factor, 1),
        carb_g=round(food.carb_g_per_100g * factor, 1),
        protein_g=round(food.protein_g_per_100g * factor, 1),
        fat_g=round(food.fat_g_per_100g * factor, 1),
    )


def portion_columns(food: Per100g, grams: float) -> PortionColumns:
    """`portion` as the kcal / carb_g / protein_g / fat_g columns of a meal item."""
    nutrients = portion(food, grams)
    return PortionColumns(
        kcal=nutrients.kcal,
        carb_g=nutrients.carb_g,
        protein_g=nutrients.protein_g,
        fat_g=nutrients.fat_g,
    )


def _eaten_by(user_id: int) -> sa.Select:
    return select(MealItem.food_id).where(MealItem.user_id == user_id).distinct()


def search_foods(
    db: Session, query: str, *, user_id: int | None = None, limit: int = SEARCH_LIMIT
) -> list[Food]:
    """Foods whose English or Korean name contains every word of the query: foods the user
    (when given) has eaten before first, then names that start with the query, then shorter
    (more generic) names."""
    words = [word for word in query.lower().split() if word]
    if len("".join(words)) < MIN_QUERY_LENGTH:
        return []
    name_en = sa.func.lower(col(Food.name_en))
    conditions = [
        sa.or_(name_en.contains(word, autoescape=True), col(Food.name_ko).contains(word,
               autoescape=True))
        for word in words
    ]  # fmt: skip
    starts = sa.or_(name_en.startswith(words[0], autoescape=True),
                    col(Food.name_ko).startswith(words[0], autoescape=True))  # fmt: skip
    order: list[Any] = [sa.case((starts, 0), else_=1),
                                     sa.func.length(Food.name_en), col(Food.name_en)]  # fmt: skip
    if user_id is not None:
        order.insert(0, sa.case((col(Food.id).in_(_eaten_by(user_id)), 0), else_=1))
    return list(db.exec(select(Food).where(*conditions).order_by(*order).limit(limit)).all())


def suggested_foods(db: Session, *, user_id: int, limit: int = SUGGESTION_LIMIT) -> list[Food]:
    """What the food search offers before anything is typed: the user's most recent foods,
    then their most frequent ones, each once (only this user's meal items are read)."""
    per_food = (
        select(
            MealItem.food_id,
            sa.func.max(MealItem.created_at).label("last"),
            sa.func.count().label("times"),
        )
        .where(MealItem.user_id == user_id)
        .group_by(col(MealItem.food_id))
        .subquery()
    )
    recent = db.exec(
        select(per_food.c.food_id).order_by(per_food.c.last.desc()).limit(limit // 2)
    ).all()
    frequent = db.exec(
        select(per_food.c.food_id)
        .order_by(per_food.c.times.desc(), per_food.c.last.desc())
        .limit(limit)
    ).all()
    ids = list(dict.fromkeys([*recent, *frequent]))[:limit]
    found = {f.id: f for f in db.exec(select(Food).where(col(Food.id).in_(ids))).all()}
    return [found[i] for i in ids if i in found]


def _newest_portions() -> Any:
    newest = (
        select(
            col(MealItem.food_id).label("food_id"),
            col(MealItem.grams).label("grams"),
            sa.func.row_number()
            .over(
                partition_by=col(MealItem.food_id),
                order_by=(col(MealItem.updated_at).desc(), col(MealItem.id).desc()),
            )
            .label("rank"),
        )
        .where(
            col(MealItem.user_id) == sa.bindparam("user_id"),
            col(MealItem.food_id).in_(sa.bindparam("food_ids", expanding=True)),
            col(MealItem.source).in_(KNOWN_SOURCES),
        )
        .subquery()
    )
    return sa.select(newest.c.food_id, newest.c.grams).where(newest.c.rank == 1)


# Built once: composing it cost more than running it (the worker asks for every photo).
_NEWEST_PORTIONS = _newest_portions()


def last_portions(db: Session, *, user_id: int, food_ids: Sequence[str]) -> dict[str, float]:
    """For each of `food_ids` the person has had, the grams of their newest known item of it."""
    if not food_ids:
        return {}
    db.flush()  # plain rows on the transaction's connection: pending items are written first
    rows = db.connection().execute(
        _NEWEST_PORTIONS, {"user_id": user_id, "food_ids": list(food_ids)}
    )
    return {str(row.food_id): float(row.grams) for row in rows}
