"""The person's answer to an unsure photo: one of the foods the model offered.

When the food model is unsure (healthapp.services.analysis.decision) the photo's job is done
with "analysis.unsure" and its top foods as `choices`, and no item. Picking one adds the photo's
item, confirmed by the person, with their last portion of that food (or its default portion).
"""

from __future__ import annotations

from sqlmodel import Session, select

from healthapp.db import utcnow
from healthapp.domain.errors import ValidationError
from healthapp.models import AnalysisJob, Food, ItemSource, MealItem, MealPhoto
from healthapp.services.meals.entries import apply_food
from healthapp.services.meals.quick import last_portions
from healthapp.services.ownership import owned


def offered_foods(job: AnalysisJob | None) -> list[str]:
    """The food ids the job's result offered as choices, best first."""
    result = (job.result if job else None) or {}
    return [c["food_id"] for c in result.get("choices") or [] if c.get("food_id")]


def choose_photo_food(db: Session, *, user_id: int, photo_id: int, food_id: str) -> MealItem:
    """The photo's item becomes `food_id`, which must be one of the photo's offered choices
    (a client cannot slip in another food or another person's photo)."""
    photo = owned(db, MealPhoto, photo_id, user_id=user_id)
    job = db.exec(select(AnalysisJob).where(AnalysisJob.photo_id == photo.id)).first()
    food = db.get(Food, food_id) if food_id in offered_foods(job) else None
    if food is None:
        raise ValidationError("error.choice_not_offered", field="food_id")
    grams = last_portions(db, user_id=user_id, food_ids=[food.id]).get(
        food.id, food.default_portion_g
    )
    item = db.exec(select(MealItem).where(MealItem.photo_id == photo.id)).first()
    if item is None:
        item = MealItem(meal_id=photo.meal_id, user_id=user_id, photo_id=photo.id,
                        food_id=food.id, grams=0, kcal=0, carb_g=0, protein_g=0, fat_g=0,
                        source=ItemSource.CONFIRMED)  # fmt: skip
    apply_food(item, food, grams)
    item.source = ItemSource.CONFIRMED
    item.updated_at = utcnow()
    db.add(item)
    db.flush()
    return item
