"""Meals over /api/v1: list (local-day filters, cursor pages), get, create with photos
(multipart, through the web page's photo intake, quota and queue: services/meals/meal_log.py),
add photos, change (If-Match) and delete. Their items, analysis jobs and photo files are in
meal_items.py."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run time.

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from healthapp.api.v1.caller import Access, ReadAccess, WriteAccess
from healthapp.api.v1.meal_body import PHOTOS, fingerprint, read_body, validated
from healthapp.api.v1.meal_views import MealOut, meal_out
from healthapp.api.v1.problems import PROBLEM_RESPONSES, problem_responses
from healthapp.api.v1.types import Instant, IsoDate, RecordId
from healthapp.api.v1.writes import check_match, created, etag, in_progress
from healthapp.config import get_settings
from healthapp.db import utcnow
from healthapp.job_queue import JobQueue
from healthapp.models import Meal
from healthapp.models.meals import MealType
from healthapp.redis_client import get_redis
from healthapp.services import idempotency, meals, preferences
from healthapp.services.auth.api_tokens import ApiCaller
from healthapp.services.keyset import MAX_LIMIT, page
from healthapp.services.meals.bundles import load_bundles
from healthapp.services.meals.meal_log import log_meal
from healthapp.services.meals.photos import PhotoLimits, PhotoQuota
from healthapp.services.meals.storage import PhotoStorage, default_photo_storage
from healthapp.services.ownership import owned

NOTE_MAX = 500
LOCATION = "/api/v1/meals/{id}"


class MealIn(BaseModel):
    eaten_at: Instant | None = Field(default=None, description="Default: now")
    meal_type: MealType
    note: str = Field(default="", max_length=NOTE_MAX)


class MealPage(BaseModel):
    items: list[MealOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


@dataclass(frozen=True)
class PhotoTools:
    """Where photos go: the same storage, limits, quota and queue as the web page's."""

    storage: PhotoStorage
    limits: PhotoLimits
    quota: PhotoQuota | None
    queue: JobQueue | None


def get_photo_tools() -> PhotoTools:
    settings, redis = get_settings(), get_redis()
    return PhotoTools(default_photo_storage(), PhotoLimits.from_settings(settings),
                      PhotoQuota.from_settings(settings, redis),
                      JobQueue(redis, settings.redis_prefix))  # fmt: skip


Tools = Annotated[PhotoTools, Depends(get_photo_tools)]

_PHOTO_PARTS = {PHOTOS: {"type": "array", "items": {"type": "string", "format": "binary"},
                         "description": "JPEG, PNG or WebP photos"}}  # fmt: skip
_FORM_FIELDS = {"eaten_at": {"type": "string", "format": "date-time"},
                "meal_type": {"type": "string", "enum": [t.value for t in MealType]},
                "note": {"type": "string", "maxLength": NOTE_MAX}}  # fmt: skip
_MEAL_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": {"$ref": "#/components/schemas/MealIn"}},
    "multipart/form-data": {"schema": {"type": "object", "required": ["meal_type"],
                                       "properties": {**_FORM_FIELDS, **_PHOTO_PARTS}}},
}}}  # fmt: skip
_PHOTOS_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {
    "schema": {"type": "object", "required": [PHOTOS], "properties": _PHOTO_PARTS}}}}}  # fmt: skip
_UPLOAD_REFUSALS = problem_responses(409, 413, 415)

router = APIRouter(prefix="/meals", tags=["Meals"], responses=PROBLEM_RESPONSES)


def _reply(db: Session, user_id: int, meal: Meal, status: int = 200) -> JSONResponse:
    loaded = load_bundles(db, user_id=user_id, meals=[meal])
    return JSONResponse(meal_out(loaded.meals[0], loaded.foods), status_code=status,
                        headers={"ETag": etag(meal)})  # fmt: skip


def _form(body: MealIn) -> dict[str, str]:
    return {"eaten_at": (body.eaten_at or utcnow()).isoformat(), "meal_type": body.meal_type,
            "note": body.note}  # fmt: skip


def _log(
    access: Access,
    tools: PhotoTools,
    *,
    key: str | None,
    seen: str,
    photos: list[bytes],
    form: Callable[[Session, ApiCaller], dict[str, str]],
    meal_id: int | None = None,
) -> JSONResponse:
    """One meal logged (or photos added) for the caller, at most once per Idempotency-Key: the
    reply is stored in the meal's own transaction."""

    def look(db: Session, caller: ApiCaller) -> tuple[Any, ...]:
        stored = None
        if key is not None:
            stored = idempotency.replay(db, user_id=caller.user_id, key=key, fingerprint=seen)
        prefs = preferences.get_preferences(db, user_id=caller.user_id)
        return caller.user_id, prefs, None if stored else form(db, caller), stored

    user_id, prefs, values, stored = access.run(look)
    if stored is not None:
        return created(stored.body, replayed=True, location=LOCATION, status=stored.status_code)
    reply: list[str] = []

    def keep_reply(db: Session, saved_id: int, _job_ids: list[int]) -> None:
        loaded = load_bundles(db, user_id=user_id, meals=[db.get(Meal, saved_id)])  # type: ignore[list-item]
        reply.append(json.dumps(meal_out(loaded.meals[0], loaded.foods)))
        if key is not None:
            idempotency.remember(db, user_id=user_id, key=key, fingerprint=seen,
                                 status_code=201, body=reply[0])  # fmt: skip

    try:
        log_meal(user_id=user_id, form=values, uploads=photos, prefs=prefs,
                 storage=tools.storage, limits=tools.limits, quota=tools.quota,
                 queue=tools.queue, meal_id=meal_id, engine=access.engine,
                 before_commit=keep_reply)  # fmt: skip
    except IntegrityError:
        raise in_progress() from None
    return created(reply[0], replayed=False, location=LOCATION)


@router.get("", response_model=MealPage, summary="List meals, newest first")
def list_meals(
    access: ReadAccess,
    start: Annotated[IsoDate | None, Query(description="First local day")] = None,
    end: Annotated[IsoDate | None, Query(description="Last local day")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> dict[str, Any]:
    def work(db: Session, caller: ApiCaller) -> dict[str, Any]:
        prefs = preferences.get_preferences(db, user_id=caller.user_id)
        rows = page(db, model=Meal, time_field="eaten_at", user_id=caller.user_id, prefs=prefs,
                    start=start, end=end, cursor=cursor, limit=limit)  # fmt: skip
        loaded = load_bundles(db, user_id=caller.user_id, meals=rows.rows)
        return {"items": [meal_out(bundle, loaded.foods) for bundle in loaded.meals],
                "next_cursor": rows.next_cursor}  # fmt: skip

    return access.run(work)


@router.post(
    "",
    status_code=201,
    response_model=MealOut,
    summary="Log a meal, with photos to analyse (multipart) or without (JSON)",
    openapi_extra=_MEAL_BODY,
    responses=_UPLOAD_REFUSALS,
)
async def create_meal(
    request: Request,
    access: WriteAccess,
    tools: Tools,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> Response:
    """Each photo is queued for analysis: its job is in `photos[].job`; poll
    `GET /analysis-jobs/{id}` or the meal until the job is done, then confirm or correct the
    item it added (`/meal-items`)."""
    fields, photos = await read_body(request)
    body = validated(MealIn, fields)
    seen = fingerprint("/meals", body, photos)
    values = _form(body)
    return await run_in_threadpool(_log, access, tools, key=idempotency_key, seen=seen,
                                   photos=photos, form=lambda _db, _caller: values)  # fmt: skip


@router.post(
    "/{meal_id}/photos",
    status_code=201,
    response_model=MealOut,
    summary="Add photos to a meal",
    openapi_extra=_PHOTOS_BODY,
    responses=_UPLOAD_REFUSALS,
)
async def add_photos(
    meal_id: RecordId,
    request: Request,
    access: WriteAccess,
    tools: Tools,
    idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
) -> Response:
    # Someone else's meal (or none) is a 404 before a byte of the photos is read.
    await run_in_threadpool(
        access.run, lambda db, caller: owned(db, Meal, meal_id, user_id=caller.user_id)
    )
    fields, photos = await read_body(request, photos_only=True)
    del fields  # a photos-only body: its other fields mean nothing here
    seen = fingerprint(f"/meals/{meal_id}/photos", None, photos)

    def form(db: Session, caller: ApiCaller) -> dict[str, str]:
        meal = owned(db, Meal, meal_id, user_id=caller.user_id)
        return {"eaten_at": meal.eaten_at.isoformat(), "meal_type": meal.meal_type,
                "note": meal.note}  # fmt: skip

    return await run_in_threadpool(_log, access, tools, key=idempotency_key, seen=seen,
                                   photos=photos, form=form, meal_id=meal_id)  # fmt: skip


@router.get("/{meal_id}", response_model=MealOut, summary="One meal with its items and photos")
def get_meal(meal_id: RecordId, access: ReadAccess) -> Response:
    def work(db: Session, caller: ApiCaller) -> Response:
        return _reply(db, caller.user_id, owned(db, Meal, meal_id, user_id=caller.user_id))

    return access.run(work)


@router.put(
    "/{meal_id}",
    response_model=MealOut,
    summary="Change a meal's time, type or note",
    responses=problem_responses(412),
)
def put_meal(
    meal_id: RecordId,
    body: MealIn,
    access: WriteAccess,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    def work(db: Session, caller: ApiCaller) -> Response:
        check_match(if_match, owned(db, Meal, meal_id, user_id=caller.user_id))
        prefs = preferences.get_preferences(db, user_id=caller.user_id)
        values = meals.meal_values(_form(body), prefs, utcnow())
        meal = meals.update_meal_from_values(db, user_id=caller.user_id, meal_id=meal_id,
                                             values=values)  # fmt: skip
        return _reply(db, caller.user_id, meal)

    return access.run(work)


@router.delete(
    "/{meal_id}",
    status_code=204,
    summary="Delete a meal with its items and photos",
    responses=problem_responses(412),
)
def delete_meal(
    meal_id: RecordId,
    access: WriteAccess,
    tools: Tools,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    def work(db: Session, caller: ApiCaller) -> None:
        check_match(if_match, owned(db, Meal, meal_id, user_id=caller.user_id))
        meals.delete_meal(db, user_id=caller.user_id, meal_id=meal_id, storage=tools.storage)

    access.run(work)
    return Response(status_code=204)
