"""Meals: log, list, correct. Photos are analysed elsewhere (services/analysis, the worker);
here they are attached and their estimates turned into items a person confirms or corrects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from healthapp.db import utcnow
from healthapp.domain.errors import ValidationError
from healthapp.models import (
    AnalysisJob,
    Food,
    ItemSource,
    JobStatus,
    Meal,
    MealItem,
    MealPhoto,
    MealType,
)
from healthapp.services import forms, ranking
from healthapp.services.foods import Nutrients, portion
from healthapp.services.meals.bundles import load_bundles
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
    meal = Meal(user_id=user_id, **values)
    db.add(meal)
    db.flush()
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
    photo = MealPhoto(
        meal_id=meal_id,
        user_id=user_id,
        storage_key=storage_key,
        content_type=content_type,
        width=width,
        height=height,
        size_bytes=size_bytes,
    )
    db.add(photo)
    db.flush()
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


# --- what the meal page shows -------------------------------------------------------------------


@dataclass
class Candidate:
    food_id: str
    name_en: str
    name_ko: str
    score: str  # "95 %"


@dataclass
class ItemView:
    id: int
    food_id: str
    name_en: str
    name_ko: str
    grams: str
    kcal: str
    carb_g: str
    protein_g: str
    fat_g: str
    source: str
    # "Added" for a food the person added by hand, "Corrected" for a photo's food they changed
    source_key: str
    photo_id: int
    candidates: list[Candidate] = field(default_factory=list)
    # For the model's unconfirmed estimate: "80 %" and "4-21 g" (portion and look-alikes)
    confidence: str = ""
    carb_range: str = ""


@dataclass
class PhotoView:
    id: int
    job_id: int
    status: str  # queued | analysing | done | failed
    error_key: str
    url: str
    # Analysed, and no food for it yet: the person can pick a choice or name another food
    unanswered: bool = False
    # The foods offered when the model was unsure and the person has not picked one yet
    choices: list[Candidate] = field(default_factory=list)
    # "Looks like your 김치찌개, 350 g": the person's own example nearest to this photo,
    # offered until they have confirmed or named the photo's food
    personal_food_id: str = ""
    personal_name_en: str = ""
    personal_name_ko: str = ""
    personal_grams: str = ""


@dataclass
class MealView:
    id: int
    day: str
    time: str
    meal_type: str
    note: str
    kcal: str
    carb_g: str
    protein_g: str
    fat_g: str
    has_estimate: bool
    foods: list[ItemView] = field(default_factory=list)
    photos: list[PhotoView] = field(default_factory=list)


@dataclass
class DayView:
    meals: list[MealView]
    kcal: str
    carb_g: str
    protein_g: str
    fat_g: str
    pending: int  # photos still queued or analysing


def _source_key(item: MealItem) -> str:
    if item.source == ItemSource.MANUAL and item.photo_id is None:
        return "meals.source.added"
    return f"meals.source.{item.source}"


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.1f}".rstrip("0").rstrip(".")


def totals(items: list[MealItem]) -> Nutrients:
    return Nutrients(
        kcal=sum(i.kcal for i in items),
        carb_g=sum(i.carb_g for i in items),
        protein_g=sum(i.protein_g for i in items),
        fat_g=sum(i.fat_g for i in items),
    )


def _candidates(
    job: AnalysisJob | None, foods: Mapping[str, Food], key: str = "candidates"
) -> list[Candidate]:
    result = (job.result if job else None) or {}
    out = []
    for candidate in result.get(key) or []:
        food = foods.get(candidate.get("food_id") or "")
        if food is not None:
            score = f"{round(float(candidate.get('score', 0)) * 100)} %"
            out.append(Candidate(food.id, food.name_en, food.name_ko, score))
    return out


def _estimate_figures(item: MealItem, job: AnalysisJob | None) -> tuple[str, str]:
    """Confidence and carbohydrate range of a model estimate the person has not confirmed."""
    estimate = ((job.result if job else None) or {}).get("estimate") or {}
    if item.source != ItemSource.ESTIMATE or "confidence" not in estimate:
        return "", ""
    confidence = f"{round(float(estimate['confidence']) * 100)} %"
    low, high = float(estimate["carb_low_g"]), float(estimate["carb_high_g"])
    return confidence, f"{_fmt(low)}-{_fmt(high)} g"


def _personal(
    job: AnalysisJob | None, item: MealItem | None, foods: Mapping[str, Food]
) -> dict[str, str]:
    """The PhotoView fields of the job's personal match, while the photo's item is not yet the
    person's own answer."""
    personal = ((job.result if job else None) or {}).get("personal") or {}
    food = foods.get(personal.get("food_id") or "")
    if food is None or (item is not None and item.source != ItemSource.ESTIMATE):
        return {}
    return {
        "personal_food_id": food.id,
        "personal_name_en": food.name_en,
        "personal_name_ko": food.name_ko,
        "personal_grams": _fmt(float(personal["grams"])),
    }


def day_meals(db: Session, *, user_id: int, prefs: Preferences, day: date) -> DayView:
    """The user's meals of one local day, with items, photos, job states and totals."""
    low, high = forms.day_bounds(day, day, prefs.tz)
    meals = db.exec(
        select(Meal)
        .where(Meal.user_id == user_id, col(Meal.eaten_at) >= low, col(Meal.eaten_at) < high)
        .order_by(col(Meal.eaten_at), col(Meal.id))
    ).all()
    loaded = load_bundles(db, user_id=user_id, meals=meals)
    foods = loaded.foods
    items = [item for bundle in loaded.meals for item in bundle.items]
    photos = [pair for bundle in loaded.meals for pair in bundle.photos]
    jobs_by_photo = {photo.id: job for photo, job in photos}
    items_by_photo = {item.photo_id or 0: item for item in items if item.photo_id is not None}

    views = []
    for bundle in loaded.meals:
        meal, meal_items = bundle.meal, bundle.items
        total = totals(meal_items)
        local = meal.eaten_at.astimezone(prefs.tz)
        views.append(
            MealView(
                id=meal.id or 0,
                day=local.date().isoformat(),
                time=local.strftime("%H:%M"),
                meal_type=meal.meal_type,
                note=meal.note,
                kcal=_fmt(total.kcal),
                carb_g=_fmt(total.carb_g),
                protein_g=_fmt(total.protein_g),
                fat_g=_fmt(total.fat_g),
                has_estimate=any(i.source == ItemSource.ESTIMATE.value for i in meal_items),
                foods=[
                    ItemView(
                        id=i.id or 0,
                        food_id=i.food_id,
                        name_en=foods[i.food_id].name_en if i.food_id in foods else i.food_id,
                        name_ko=foods[i.food_id].name_ko if i.food_id in foods else "",
                        grams=_fmt(i.grams),
                        kcal=_fmt(i.kcal),
                        carb_g=_fmt(i.carb_g),
                        protein_g=_fmt(i.protein_g),
                        fat_g=_fmt(i.fat_g),
                        source=i.source,
                        source_key=_source_key(i),
                        photo_id=i.photo_id or 0,
                        candidates=_candidates(jobs_by_photo.get(i.photo_id or 0), foods),
                        **dict(
                            zip(
                                ("confidence", "carb_range"),
                                _estimate_figures(i, jobs_by_photo.get(i.photo_id or 0)),
                                strict=True,
                            )
                        ),
                    )
                    for i in meal_items
                ],
                photos=[
                    PhotoView(
                        id=photo.id or 0,
                        job_id=(job.id or 0) if job else 0,
                        status=job.status if job else "done",
                        error_key=job.error_key if job else "",
                        url=f"/api/photos/{photo.id}",
                        unanswered=job is not None
                        and job.status == JobStatus.DONE
                        and photo.id not in items_by_photo,
                        choices=[]
                        if photo.id in items_by_photo
                        else _candidates(job, foods, "choices"),
                        **_personal(job, items_by_photo.get(photo.id or 0), foods),
                    )
                    for photo, job in bundle.photos
                ],
            )
        )
    total = totals(items)
    pending = sum(1 for _, job in photos if job and job.status in {"queued", "analysing"})
    return DayView(views, _fmt(total.kcal), _fmt(total.carb_g), _fmt(total.protein_g),
                   _fmt(total.fat_g), pending)  # fmt: skip
