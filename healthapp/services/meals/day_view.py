"""What the meal page shows for a day: each meal with its items, photos (their analysis, the
model's choices, the person's own dish) and totals, as formatted text; the API reads the same
rows through bundles.py and sends numbers instead."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, select

from healthapp.models import AnalysisJob, Food, ItemSource, JobStatus, Meal, MealItem
from healthapp.services import forms
from healthapp.services.foods import Nutrients
from healthapp.services.meals.bundles import load_bundles
from healthapp.services.preferences import Preferences


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
                        url=f"/api/photos/{photo.id}?size=small",
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
