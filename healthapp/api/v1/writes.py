"""What every write of /api/v1 shares: ETags and If-Match (a stale edit is 412), and the reply
of a create sent with an Idempotency-Key (services/idempotency.py) or replayed from it."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi.responses import JSONResponse

from healthapp.api.v1.problems import ApiProblem


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


def created(text: str, *, replayed: bool, location: str, status: int = 201) -> JSONResponse:
    """A create's reply from its stored JSON, `location` with `{id}` for the new row's id."""
    item = json.loads(text)
    headers = {"Location": location.format(id=item["id"])}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(item, status_code=status, headers=headers)
