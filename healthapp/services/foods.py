"""The food table: search, and the nutrients of a portion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypedDict

import sqlalchemy as sa
from sqlmodel import Session, col, select

from healthapp.models import Food

SEARCH_LIMIT = 20
MIN_QUERY_LENGTH = 2


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


def search_foods(db: Session, query: str, *, limit: int = SEARCH_LIMIT) -> list[Food]:
    """Foods whose English or Korean name contains every word of the query; names that start
    with the query first, then shorter (more generic) names."""
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
    return list(
        db.exec(
            select(Food)
            .where(*conditions)
            .order_by(sa.case((starts, 0), else_=1), sa.func.length(Food.name_en), Food.name_en)
            .limit(limit)
        ).all()
    )
