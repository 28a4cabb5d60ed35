"""`GET /api/photos/{photo_id}`: a meal photo, to its owner only.

The user comes from the `healthapp_session` cookie, resolved on the server; the photo is looked
up by id *and* that user, so "not yours" and "does not exist" are the same 404. The storage key
comes from the database row, never from the request: there is no path to traverse and nothing
to list. No cookie at all answers 401; a cookie that names no live session answers 404 like
any photo the caller may not see.
"""

from __future__ import annotations

import logging
import re
from typing import Annotated

from fastapi import Cookie, Depends, FastAPI, Response
from sqlalchemy.engine import Engine
from sqlmodel import select

from healthapp.db import session_scope
from healthapp.models.meals import MealPhoto
from healthapp.services.auth.sessions import user_id_for_token
from healthapp.services.meals.storage import PhotoNotFound, PhotoStorage

log = logging.getLogger(__name__)

SESSION_COOKIE = "healthapp_session"  # healthapp.state.base.SESSION_COOKIE (no Reflex import)
PHOTO_MAX_AGE_SECONDS = 3600
_PHOTO_ID_RE = re.compile(r"^[1-9][0-9]{0,17}$")
_SERVED_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
_COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # Opened on its own, the response can run nothing and load nothing.
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Vary": "Cookie",
}

api = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


def get_engine_override() -> Engine | None:
    """The engine to use; None means healthapp.db's default. Tests override this."""
    return None


def get_secret_key() -> str:
    from healthapp.config import get_settings

    return get_settings().secret_key.get_secret_value()


def get_photo_storage() -> PhotoStorage:
    from healthapp.services.meals.storage import default_photo_storage

    return default_photo_storage()


def _refusal(status_code: int) -> Response:
    return Response(
        status_code=status_code,
        content=b"",
        headers={**_COMMON_HEADERS, "Cache-Control": "no-store"},
    )


@api.get("/api/photos/{photo_id}", include_in_schema=False)
def get_photo(
    photo_id: str,
    engine: Annotated[Engine | None, Depends(get_engine_override)],
    secret_key: Annotated[str, Depends(get_secret_key)],
    storage: Annotated[PhotoStorage, Depends(get_photo_storage)],
    session_token: Annotated[str | None, Cookie(alias=SESSION_COOKIE)] = None,
) -> Response:
    # A plain `def`: FastAPI runs it in its thread pool, so the blocking database and
    # storage calls never stall the event loop Reflex shares.
    if not session_token:
        return _refusal(401)
    if not _PHOTO_ID_RE.match(photo_id):
        return _refusal(404)
    with session_scope(engine) as db:
        user_id = user_id_for_token(db, token=session_token, secret_key=secret_key)
        if user_id is None:
            return _refusal(404)
        photo = db.exec(
            select(MealPhoto).where(MealPhoto.id == int(photo_id), MealPhoto.user_id == user_id)
        ).first()
    if photo is None:
        return _refusal(404)
    try:
        data = storage.get(photo.storage_key)
    except PhotoNotFound:
        log.warning("photo %s has a row but no stored file", photo.id)
        return _refusal(404)
    return Response(
        content=data,
        media_type=(
            photo.content_type
            if photo.content_type in _SERVED_TYPES
            else "application/octet-stream"
        ),
        headers={
            **_COMMON_HEADERS,
            "Cache-Control": f"private, max-age={PHOTO_MAX_AGE_SECONDS}",
            "Content-Disposition": "inline",
        },
    )
