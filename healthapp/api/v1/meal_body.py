"""The body of a meal create or of added photos: JSON (no photos), or multipart/form-data with
the meal's fields and up to UPLOAD_MAX_FILES `photos` parts, read here after the sender is
known (BearerFirst) and within the upload limit the edge counts (api/upload_limits.py; FastAPI's
own File parameters would parse the body before the token is checked). Each photo's size is
checked before it is read; the photos then go through the same intake as the web page's."""

from __future__ import annotations

import hashlib
import json
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from pydantic import ValidationError as ModelInvalid
from starlette.datastructures import UploadFile

from healthapp.api.v1.problems import ApiProblem
from healthapp.config import get_settings
from healthapp.domain.errors import ValidationError
from healthapp.services import idempotency

PHOTOS = "photos"
M = TypeVar("M", bound=BaseModel)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def unsupported() -> ApiProblem:
    return ApiProblem(415, "unsupported-media-type", "Unsupported media type",
                      "Send the meal as multipart/form-data (with photos) or as JSON.")  # fmt: skip


async def read_body(
    request: Request, *, photos_only: bool = False
) -> tuple[dict[str, Any], list[bytes]]:
    """The fields (JSON object or form fields) and the photos' bytes."""
    media_type = _media_type(request)
    if media_type == "application/json" and not photos_only:
        try:
            data = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ApiProblem(400, "malformed", "Malformed JSON body") from None
        if not isinstance(data, dict):
            raise ApiProblem(400, "malformed", "The JSON body must be an object")
        return data, []
    if media_type != "multipart/form-data":
        raise unsupported()
    settings = get_settings()
    form = await request.form(max_files=settings.upload_max_files, max_fields=8)
    try:
        fields: dict[str, Any] = {}
        files: list[UploadFile] = []
        for name, value in form.multi_items():
            if isinstance(value, str):
                fields[name] = value
            elif name == PHOTOS:
                files.append(value)
            else:
                raise ValidationError("api.unexpected_file", field=name)
        if not files and photos_only:
            raise ValidationError("api.photos_required", field=PHOTOS)
        if any((f.size or 0) > settings.photo_max_bytes for f in files):
            max_mb = f"{settings.photo_max_bytes / (1024 * 1024):g}"
            raise ValidationError("error.photo_too_large", field=PHOTOS, max_mb=max_mb)
        return fields, [await f.read() for f in files]
    finally:
        await form.close()


def validated(model: type[M], fields: dict[str, Any]) -> M:
    """`fields` as `model`, refused as FastAPI refuses a JSON body that breaks its schema."""
    try:
        return model.model_validate(fields)
    except ModelInvalid as exc:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        raise RequestValidationError(errors) from None


def fingerprint(path: str, body: BaseModel | None, photos: list[bytes]) -> str:
    """The request's identity for its Idempotency-Key: the fields and each photo's digest (a
    retry's multipart boundary differs, its content does not)."""
    canonical = json.dumps(body.model_dump(mode="json") if body else {}, sort_keys=True)
    digests = [hashlib.sha256(photo).hexdigest() for photo in photos]
    return idempotency.fingerprint("POST", path, "\n".join([canonical, *digests]).encode())
