"""A meal's foods, its photos' analysis jobs and the photo files over /api/v1: add a food
(Idempotency-Key), confirm the model's estimate, correct it (another food or portion; If-Match),
remove it; read a job's status and the model's candidates, retry a failed job; answer an unsure
photo with one of its choices; download a photo. The same services as the meal page:
services/meals (items), services/analysis (jobs)."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run time.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session, select

from healthapp.api.deps import PRIVATE_HEADERS, SANDBOX_CSP, PhotoSize
from healthapp.api.photos import get_photo_storage
from healthapp.api.v1.caller import ReadAccess, WriteAccess
from healthapp.api.v1.meal_views import ItemOut, JobOut, item_out, job_out
from healthapp.api.v1.meals import Tools
from healthapp.api.v1.problems import PROBLEM_RESPONSES, ApiProblem, problem_responses
from healthapp.api.v1.types import RecordId
from healthapp.api.v1.writes import check_match, create_once, etag
from healthapp.models import AnalysisJob, Food, MealItem, MealPhoto
from healthapp.services import analysis, idempotency, meals
from healthapp.services.auth.api_tokens import ApiCaller
from healthapp.services.meals.bundles import candidate_ids
from healthapp.services.meals.meal_log import submit_jobs
from healthapp.services.meals.storage import (
    PhotoNotFound,
    PhotoReadTimeout,
    PhotoStorage,
    get_rendition,
)
from healthapp.services.ownership import owned

FoodId = Annotated[str, Field(min_length=1, max_length=80, description="From GET /foods")]
Grams = Annotated[float, Field(description="The portion, 1 to 5000 g")]


class ItemIn(BaseModel):
    food_id: FoodId
    grams: Grams


class Correction(BaseModel):
    food_id: FoodId | None = Field(default=None, description="Default: keep the food")
    grams: Grams


items = APIRouter(tags=["Meal items"], responses=PROBLEM_RESPONSES)
jobs = APIRouter(prefix="/analysis-jobs", tags=["Analysis jobs"], responses=PROBLEM_RESPONSES)
photos = APIRouter(prefix="/photos", tags=["Meals"], responses=PROBLEM_RESPONSES)


def _foods(db: Session, ids: set[str]) -> dict[str, Food]:
    return {f.id: f for f in db.exec(select(Food).where(Food.id.in_(ids))).all()}  # type: ignore[attr-defined]


def _item_reply(db: Session, item: MealItem) -> JSONResponse:
    return JSONResponse(item_out(item, _foods(db, {item.food_id})), headers={"ETag": etag(item)})


def _form(food_id: str | None, grams: float) -> dict[str, str]:
    return {"food_id": food_id or "", "grams": f"{grams}"}


@items.post(
    "/meals/{meal_id}/items",
    status_code=201,
    response_model=ItemOut,
    summary="Add a food to a meal",
    responses=problem_responses(409),
)
def add_item(
    meal_id: RecordId,
    body: ItemIn,
    access: WriteAccess,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> Response:
    path = f"/meals/{meal_id}/items"
    seen = idempotency.fingerprint("POST", path, body.model_dump_json().encode())

    def make(db: Session, caller: ApiCaller) -> dict[str, Any]:
        item = meals.add_item(db, user_id=caller.user_id, meal_id=meal_id,
                              form=_form(body.food_id, body.grams))  # fmt: skip
        return item_out(item, _foods(db, {item.food_id}))

    return create_once(access, key=idempotency_key, seen=seen, make=make,
                       location="/api/v1/meal-items/{id}")  # fmt: skip


@items.get("/meal-items/{item_id}", response_model=ItemOut, summary="One food of a meal")
def get_item(item_id: RecordId, access: ReadAccess) -> Response:
    return access.run(
        lambda db, caller: _item_reply(db, owned(db, MealItem, item_id, user_id=caller.user_id))
    )


@items.put(
    "/meal-items/{item_id}",
    response_model=ItemOut,
    summary="Correct a food: another food (a candidate or a search result) or portion",
    responses=problem_responses(412),
)
def correct_item(
    item_id: RecordId,
    body: Correction,
    access: WriteAccess,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    def work(db: Session, caller: ApiCaller) -> Response:
        check_match(if_match, owned(db, MealItem, item_id, user_id=caller.user_id))
        item = meals.correct_item(db, user_id=caller.user_id, item_id=item_id,
                                  form=_form(body.food_id, body.grams))  # fmt: skip
        return _item_reply(db, item)

    return access.run(work)


@items.post(
    "/meal-items/{item_id}/confirm",
    response_model=ItemOut,
    summary="Accept the model's estimate as it is",
)
def confirm_item(item_id: RecordId, access: WriteAccess) -> Response:
    def work(db: Session, caller: ApiCaller) -> Response:
        meals.confirm_item(db, user_id=caller.user_id, item_id=item_id)
        db.flush()
        return _item_reply(db, owned(db, MealItem, item_id, user_id=caller.user_id))

    return access.run(work)


class Choice(BaseModel):
    food_id: FoodId = Field(description="The photo's job's `personal` food or one of its `choices`")


@photos.post(
    "/{photo_id}/choice",
    response_model=ItemOut,
    summary="Answer a photo: its personal match or one of its choices becomes its food",
)
def choose_food(photo_id: RecordId, body: Choice, access: WriteAccess) -> Response:
    def work(db: Session, caller: ApiCaller) -> Response:
        item = meals.choose_photo_food(db, user_id=caller.user_id, photo_id=photo_id,
                                       food_id=body.food_id)  # fmt: skip
        return _item_reply(db, item)

    return access.run(work)


class Naming(BaseModel):
    food_id: FoodId
    grams: Grams


@photos.put(
    "/{photo_id}/food",
    response_model=ItemOut,
    summary="Say what a photo shows (any food and portion): the photo becomes a personal example",
)
def name_food(photo_id: RecordId, body: Naming, access: WriteAccess) -> Response:
    def work(db: Session, caller: ApiCaller) -> Response:
        item = meals.name_photo_food(db, user_id=caller.user_id, photo_id=photo_id,
                                     form=_form(body.food_id, body.grams))  # fmt: skip
        return _item_reply(db, item)

    return access.run(work)


@items.delete(
    "/meal-items/{item_id}",
    status_code=204,
    summary="Remove a food from its meal",
    responses=problem_responses(412),
)
def delete_item(
    item_id: RecordId, access: WriteAccess, if_match: Annotated[str | None, Header()] = None
) -> Response:
    def work(db: Session, caller: ApiCaller) -> None:
        check_match(if_match, owned(db, MealItem, item_id, user_id=caller.user_id))
        meals.delete_item(db, user_id=caller.user_id, item_id=item_id)

    access.run(work)
    return Response(status_code=204)


def _job_reply(db: Session, job: AnalysisJob) -> dict[str, Any]:
    return job_out(job, _foods(db, candidate_ids(job)))


@jobs.get("/{job_id}", response_model=JobOut, summary="A photo's analysis: status and candidates")
def get_job(job_id: RecordId, access: ReadAccess) -> dict[str, Any]:
    return access.run(
        lambda db, caller: _job_reply(db, owned(db, AnalysisJob, job_id, user_id=caller.user_id))
    )


@jobs.post("/{job_id}/retry", response_model=JobOut, summary="Analyse a failed photo again")
def retry_job(job_id: RecordId, access: WriteAccess, tools: Tools) -> dict[str, Any]:
    def work(db: Session, caller: ApiCaller) -> None:
        analysis.retry_failed_job(db, user_id=caller.user_id, job_id=job_id)

    access.run(work)
    # Queued again in the database; now on the stream (or, if Redis is down, the sweeper's).
    submit_jobs([job_id], queue=tools.queue, engine=access.engine)
    return access.run(
        lambda db, caller: _job_reply(db, owned(db, AnalysisJob, job_id, user_id=caller.user_id))
    )


@photos.get(
    "/{photo_id}",
    response_class=Response,
    summary="A meal photo (JPEG)",
    responses={200: {"content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
                     "description": "The photo"}, **problem_responses(503)},
)  # fmt: skip
def get_photo(
    photo_id: RecordId,
    access: ReadAccess,
    storage: Annotated[PhotoStorage, Depends(get_photo_storage)],
    size: PhotoSize = "full",
) -> Response:
    def find(db: Session, caller: ApiCaller) -> tuple[str, str]:
        photo = owned(db, MealPhoto, photo_id, user_id=caller.user_id)
        return photo.storage_key, photo.content_type

    storage_key, content_type = access.run(find)
    try:
        data = get_rendition(storage, storage_key, small=size == "small")
    except PhotoNotFound:
        raise ApiProblem(404, "not-found", "Not found", "The photo's file is gone.") from None
    except PhotoReadTimeout:
        raise ApiProblem(503, "storage-unavailable", "Photo storage unavailable",
                         "Try again later.", headers={"Retry-After": "5"}) from None  # fmt: skip
    headers = {**PRIVATE_HEADERS, "Content-Security-Policy": SANDBOX_CSP,
               "Cache-Control": "no-store"}  # fmt: skip
    return Response(data, media_type=content_type, headers=headers)
