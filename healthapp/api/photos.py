"""`GET /api/photos/{photo_id}`: a meal photo, to its owner only.

The photo is looked up by id *and* the signed-in user (api.deps), so "not yours" and "does not
exist" are the same 404. The storage key comes from the database row, never from the request:
there is no path to traverse and nothing to list.
"""

from __future__ import annotations

import logging
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from sqlmodel import Session

from healthapp.api.deps import PRIVATE_HEADERS, SANDBOX_CSP, CurrentUser, PhotoSize, Refused
from healthapp.domain.errors import NotFound
from healthapp.models.meals import MealPhoto
from healthapp.services.meals.storage import (
    PhotoNotFound,
    PhotoReadTimeout,
    PhotoStorage,
    get_rendition,
)
from healthapp.services.ownership import owned

log = logging.getLogger(__name__)

_PHOTO_ID_RE = re.compile(r"^[1-9][0-9]{0,17}$")
_SERVED_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})

router = APIRouter()


def get_photo_storage() -> PhotoStorage:
    from healthapp.services.meals.storage import default_photo_storage

    return default_photo_storage()


@router.get("/api/photos/{photo_id}", include_in_schema=False)
def get_photo(
    photo_id: str,
    user: CurrentUser,
    storage: Annotated[PhotoStorage, Depends(get_photo_storage)],
    size: PhotoSize = "full",
) -> Response:
    # A plain `def`: FastAPI runs it in its thread pool, so the blocking database and
    # storage calls never stall the event loop Reflex shares.
    def find(db: Session, user_id: int) -> tuple[int, str, str]:
        # Checked after the session, so whoever is not signed in gets 401 whatever the id.
        if not _PHOTO_ID_RE.match(photo_id):
            raise NotFound
        photo = owned(db, MealPhoto, int(photo_id), user_id=user_id)
        assert photo.id is not None
        return photo.id, photo.storage_key, photo.content_type

    row_id, storage_key, content_type = user.run(find)
    try:
        data = get_rendition(storage, storage_key, small=size == "small")
    except PhotoNotFound:
        log.warning("photo %s has a row but no stored file", row_id)
        raise Refused(404) from None
    except PhotoReadTimeout:  # the store hangs: say so, and let the browser try again later
        log.warning("photo %s: the storage read timed out", row_id)
        raise Refused(503) from None
    return Response(
        content=data,
        media_type=content_type if content_type in _SERVED_TYPES else "application/octet-stream",
        headers={
            **PRIVATE_HEADERS,
            "Content-Security-Policy": SANDBOX_CSP,
            # Not even the browser keeps a copy: a cached photo would outlive the session
            # (log-out, a shared computer) and the photo itself (meal or account deleted).
            "Cache-Control": "no-store",
            "Content-Disposition": "inline",
        },
    )
