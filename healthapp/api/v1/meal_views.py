"""What /api/v1 sends for meals, their items, photos and analysis jobs: numbers, not the meal
page's formatted text, built from services/meals/bundles.py (the page reads the same)."""

# No `from __future__ import annotations`: FastAPI reads these models at run time.

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from healthapp.models import AnalysisJob, Food, ItemSource, JobStatus, MealItem, MealPhoto
from healthapp.models.meals import MealType
from healthapp.services.foods import Nutrients
from healthapp.services.meals.bundles import MealBundle
from healthapp.services.meals.day_view import totals


class Nutrition(BaseModel):
    kcal: float
    carb_g: float
    protein_g: float
    fat_g: float


class CandidateOut(BaseModel):
    food_id: str
    name_en: str
    name_ko: str
    score: float = Field(description="The model's probability, 0 to 1")


class PersonalOut(BaseModel):
    food_id: str
    name_en: str
    name_ko: str
    grams: float = Field(description="The portion of the person's own example")
    similarity: float = Field(description="Cosine similarity of the photo to that example")


class JobOut(BaseModel):
    id: int
    photo_id: int
    status: JobStatus
    error_key: str | None = Field(description="Catalogue key of why it failed or found no food")
    attempts: int
    candidates: list[CandidateOut] = Field(description="The model's top foods, best first")
    decision: str | None = Field(
        description="confident (an estimate item was added), choices (unsure: offer `choices`, "
        "add nothing), none (no food recognised); null until done"
    )
    confidence: float | None = Field(description="Probability of the shown food's look-alikes")
    choices: list[CandidateOut] = Field(description="Foods to offer when unsure, best first")
    carb_range_g: tuple[float, float] | None = Field(
        description="Carbohydrate of the estimate, low and high (portion and look-alikes)"
    )
    personal: PersonalOut | None = Field(
        description="The person's own dish this photo looks like (offer it first, for them to "
        "confirm through /photos/{photo_id}/choice)"
    )
    created_at: datetime
    finished_at: datetime | None


class ItemOut(Nutrition):
    id: int
    meal_id: int
    food_id: str
    name_en: str
    name_ko: str
    grams: float
    source: ItemSource = Field(description="estimate (the model's), confirmed, or manual")
    photo_id: int | None = Field(description="The photo it was recognised in, if any")
    created_at: datetime
    updated_at: datetime


class PhotoOut(BaseModel):
    id: int
    url: str = Field(description="The JPEG, for a read token")
    small_url: str = Field(description="Its rendition with the short side at 256 px")
    width: int
    height: int
    job: JobOut | None


class MealOut(BaseModel):
    id: int
    eaten_at: datetime
    meal_type: MealType
    note: str
    totals: Nutrition
    items: list[ItemOut]
    photos: list[PhotoOut]
    created_at: datetime
    updated_at: datetime


def _nutrition(nutrients: Nutrients) -> dict[str, float]:
    return {name: round(getattr(nutrients, name), 1) for name in Nutrition.model_fields}


def item_out(item: MealItem, foods: Mapping[str, Food]) -> dict[str, Any]:
    food = foods.get(item.food_id)
    return ItemOut(
        id=item.id or 0, meal_id=item.meal_id, food_id=item.food_id,
        name_en=food.name_en if food else item.food_id, name_ko=food.name_ko if food else "",
        grams=item.grams, **_nutrition(totals([item])), source=item.source,
        photo_id=item.photo_id, created_at=item.created_at, updated_at=item.updated_at,
    ).model_dump(mode="json")  # fmt: skip


def _foods_out(rows: list[dict[str, Any]], foods: Mapping[str, Food]) -> list[CandidateOut]:
    out = []
    for row in rows:
        food = foods.get(row.get("food_id") or "")
        if food is not None:
            out.append(CandidateOut(food_id=food.id, name_en=food.name_en, name_ko=food.name_ko,
                                    score=float(row.get("score", 0))))  # fmt: skip
    return out


def _personal_out(personal: dict[str, Any] | None, foods: Mapping[str, Food]) -> PersonalOut | None:
    food = foods.get((personal or {}).get("food_id") or "")
    if personal is None or food is None:
        return None
    return PersonalOut(food_id=food.id, name_en=food.name_en, name_ko=food.name_ko,
                       grams=personal["grams"], similarity=personal["similarity"])  # fmt: skip


def job_out(job: AnalysisJob, foods: Mapping[str, Food]) -> dict[str, Any]:
    result = job.result or {}
    estimate = result.get("estimate") or {}
    carb_range = (
        (estimate["carb_low_g"], estimate["carb_high_g"]) if "carb_low_g" in estimate else None
    )
    return JobOut(
        id=job.id or 0, photo_id=job.photo_id, status=job.status,
        error_key=job.error_key or None, attempts=job.attempts,
        candidates=_foods_out(result.get("candidates") or [], foods),
        decision=result.get("decision"), confidence=result.get("confidence"),
        choices=_foods_out(result.get("choices") or [], foods), carb_range_g=carb_range,
        personal=_personal_out(result.get("personal"), foods),
        created_at=job.created_at, finished_at=job.finished_at,
    ).model_dump(mode="json")  # fmt: skip


def _photo_out(
    photo: MealPhoto, job: AnalysisJob | None, foods: Mapping[str, Food]
) -> dict[str, Any]:
    url = f"/api/v1/photos/{photo.id}"
    return {"id": photo.id, "url": url, "small_url": f"{url}?size=small", "width": photo.width,
            "height": photo.height, "job": job_out(job, foods) if job else None}  # fmt: skip


def meal_out(bundle: MealBundle, foods: Mapping[str, Food]) -> dict[str, Any]:
    meal = bundle.meal
    return MealOut.model_validate({
        "id": meal.id, "eaten_at": meal.eaten_at, "meal_type": meal.meal_type,
        "note": meal.note, "totals": _nutrition(totals(bundle.items)),
        "items": [item_out(item, foods) for item in bundle.items],
        "photos": [_photo_out(photo, job, foods) for photo, job in bundle.photos],
        "created_at": meal.created_at, "updated_at": meal.updated_at,
    }).model_dump(mode="json")  # fmt: skip
