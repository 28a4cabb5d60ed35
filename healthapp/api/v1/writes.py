"""What every write of /api/v1 shares: ETags and If-Match (a stale edit is 412), and the reply
of a create sent with an Idempotency-Key (services/idempotency.py) or replayed from it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from healthapp.api.v1.caller import Access
from healthapp.api.v1.problems import ApiProblem
from healthapp.services import idempotency
from healthapp.services.auth.api_tokens import ApiCaller


def etag(row: Any) -> str:
    stamp = f"{row.id}:{row.updated_at.isoformat()}".encode()
    return f'"{hashlib.sha256(stamp).hexdigest()[:20]}"'


def check_match(if_match: str | None, row: Any) -> None:
    if if_match is None:
        return
    tags = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" not in tags and etag(row) not in tags:
        raise ApiProblem(412, "precondition-failed", "The record has changed",
                         "Read it again (GET) and send its current ETag in If-Match.")  # fmt: skip


def in_progress() -> ApiProblem:
    """Two first tries of one Idempotency-Key at once: the other one committed meanwhile."""
    return ApiProblem(409, "in-progress", "The same request is in progress",
                      "Retry it: the reply of the first try will be sent.")  # fmt: skip


def create_once(
    access: Access,
    *,
    key: str | None,
    seen: str,
    location: str,
    make: Callable[[Session, ApiCaller], dict[str, Any]],
) -> JSONResponse:
    """`make(db, caller)` (the new row as JSON) once per Idempotency-Key: its reply is stored
    in the same transaction, and a retry gets it back (`seen`: the request's fingerprint)."""

    def work(db: Session, caller: ApiCaller) -> tuple[int, str, bool]:
        if key is not None:
            stored = idempotency.replay(db, user_id=caller.user_id, key=key, fingerprint=seen)
            if stored is not None:
                return stored.status_code, stored.body, True
        text = json.dumps(make(db, caller))
        if key is not None:
            idempotency.remember(db, user_id=caller.user_id, key=key, fingerprint=seen,
                                 status_code=201, body=text)  # fmt: skip
        return 201, text, False

    try:
        status, text, replayed = access.run(work)
    except IntegrityError:
        raise in_progress() from None
    return created(text, replayed=replayed, location=location, status=status)


def created(text: str, *, replayed: bool, location: str, status: int = 201) -> JSONResponse:
    """A create's reply from its stored JSON, `location` with `{id}` for the new row's id."""
    item = json.loads(text)
    headers = {"Location": location.format(id=item["id"])}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(item, status_code=status, headers=headers)
