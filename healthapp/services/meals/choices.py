"""The person's answer to a photo: one of the foods offered, or any food they name.

When the food model is unsure (healthapp.services.analysis.decision) the photo's job is done
with "analysis.unsure" and its top foods as `choices`, and no item; when the photo looks like
one of the person's own examples (healthapp.services.analysis.examples) that food is offered
first, with the example's grams. Picking one sets the photo's item, confirmed by the person,
with those grams, else their last portion of that food (or its default portion). A food the
model could not offer is named through the food search (`name_photo_food`). Either way the
photo becomes one of the person's examples.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session, select

from healthapp.db import utcnow
from healthapp.domain.errors import ValidationError
from healthapp.models import AnalysisJob, Food, ItemSource, MealItem, MealPhoto
from healthapp.services.foods import last_portions
from healthapp.services.meals.entries import apply_food, food_and_grams
from healthapp.services.ownership import owned


def offered_foods(job: AnalysisJob | None) -> dict[str, float | None]:
    """The food ids the job's result offered, best first: the person's own dish (with its
    grams), then the model's choices (grams None: the person's last portion applies)."""
    result = (job.result if job else None) or {}
    offered: dict[str, float | None] = {}
    personal = result.get("personal") or {}
    if personal.get("food_id"):
        offered[personal["food_id"]] = float(personal["grams"])
    for choice in result.get("choices") or []:
        if choice.get("food_id"):
            offered.setdefault(choice["food_id"], None)
    return offered


def _photo_item(db: Session, photo: MealPhoto) -> MealItem:
    """The photo's item, or a new one (not yet added) for it."""
    item = db.exec(select(MealItem).where(MealItem.photo_id == photo.id)).first()
    if item is None:
        item = MealItem(meal_id=photo.meal_id, user_id=photo.user_id, photo_id=photo.id,
                        food_id="", grams=0, kcal=0, carb_g=0, protein_g=0, fat_g=0,
                        source=ItemSource.MANUAL)  # fmt: skip
    return item


def _save(db: Session, item: MealItem, food: Food, grams: float, source: ItemSource) -> MealItem:
    apply_food(item, food, grams)
    item.source = source
    item.updated_at = utcnow()
    db.add(item)
    db.flush()
    return item


def choose_photo_food(db: Session, *, user_id: int, photo_id: int, food_id: str) -> MealItem:
    """The photo's item becomes `food_id`, which must be one the photo offered (a client cannot
    slip in another food or another person's photo)."""
    photo = owned(db, MealPhoto, photo_id, user_id=user_id)
    job = db.exec(select(AnalysisJob).where(AnalysisJob.photo_id == photo.id)).first()
    offered = offered_foods(job)
    food = db.get(Food, food_id) if food_id in offered else None
    if food is None:
        raise ValidationError("error.choice_not_offered", field="food_id")
    grams = offered[food.id]
    if grams is None:
        grams = last_portions(db, user_id=user_id, food_ids=[food.id]).get(
            food.id, food.default_portion_g
        )
    return _save(db, _photo_item(db, photo), food, grams, ItemSource.CONFIRMED)


def name_photo_food(
    db: Session, *, user_id: int, photo_id: int, form: Mapping[str, Any]
) -> MealItem:
    """The person says what the photo shows: a food from the search and grams. The photo's item
    (new or the model's) becomes theirs (manual), and the photo one of their examples."""
    photo = owned(db, MealPhoto, photo_id, user_id=user_id)
    food, grams = food_and_grams(db, form)
    return _save(db, _photo_item(db, photo), food, grams, ItemSource.MANUAL)
