"""A set of the user's meals loaded whole: items, photos with their analysis jobs, and the foods
those name, in four queries whatever the number of meals. The meal page (entries.day_meals) and
the REST API both read meals through here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, col, select

from healthapp.models import AnalysisJob, Food, Meal, MealItem, MealPhoto


@dataclass
class MealBundle:
    meal: Meal
    items: list[MealItem] = field(default_factory=list)
    photos: list[tuple[MealPhoto, AnalysisJob | None]] = field(default_factory=list)


@dataclass
class Bundles:
    meals: list[MealBundle]
    foods: dict[str, Food]  # every food an item, a job's candidate or personal match names


def candidate_ids(job: AnalysisJob | None) -> set[str]:
    result = (job.result if job else None) or {}
    personal = [result["personal"]] if result.get("personal") else []
    offered = [*(result.get("candidates") or []), *(result.get("choices") or []), *personal]
    return {c.get("food_id") or "" for c in offered}


def load_bundles(db: Session, *, user_id: int, meals: Sequence[Meal]) -> Bundles:
    """`meals` (already the user's) with everything they hold, in the given order."""
    meal_ids = [m.id for m in meals]
    if not meal_ids:
        return Bundles([], {})
    items = db.exec(
        select(MealItem).where(MealItem.user_id == user_id, col(MealItem.meal_id).in_(meal_ids))
        .order_by(col(MealItem.id))
    ).all()  # fmt: skip
    photos = db.exec(
        select(MealPhoto, AnalysisJob)
        .join(AnalysisJob, sa.and_(col(AnalysisJob.photo_id) == col(MealPhoto.id)), isouter=True)
        .where(MealPhoto.user_id == user_id, col(MealPhoto.meal_id).in_(meal_ids))
        .order_by(col(MealPhoto.id))
    ).all()  # fmt: skip
    food_ids = {i.food_id for i in items}.union(*(candidate_ids(job) for _, job in photos))
    foods = {f.id: f for f in db.exec(select(Food).where(col(Food.id).in_(food_ids))).all()}
    by_id = {meal.id: MealBundle(meal) for meal in meals}
    for item in items:
        by_id[item.meal_id].items.append(item)
    for photo, job in photos:
        by_id[photo.meal_id].photos.append((photo, job))
    return Bundles([by_id[m.id] for m in meals], foods)
