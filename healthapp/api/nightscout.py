"""A Nightscout-compatible API (v1) at /nightscout, for the CGM and meter uploaders people
already run: point xDrip+ at https://SECRET@host/nightscout/api/v1/ (docs/api.md).

The routes speak Nightscout's dialect (plain JSON arrays, `.json` suffixes, epoch
milliseconds, its `find[...]` filters) and do their work in services/nightscout. The uploader
secret is checked before a body byte is read, and a body may be at most MAX_BODY_BYTES."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from healthapp.api.deps import PRIVATE_HEADERS, get_engine_override
from healthapp.db import session_scope
from healthapp.domain.errors import ServiceError
from healthapp.services.auth.sessions import NotSignedIn
from healthapp.services.nightscout import entries, secrets, treatments

BASE = "/nightscout"
MAX_BODY_BYTES = 2 * 1024 * 1024
VERSION = "15.0.2"  # the Nightscout release whose API v1 these routes follow
T = TypeVar("T")

nightscout = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


class NightscoutError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


async def _on_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NightscoutError)
    return _json({"status": exc.status, "message": exc.message}, exc.status)


nightscout.add_exception_handler(NightscoutError, _on_error)


def _json(content: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(content, status_code=status,
                        headers={**PRIVATE_HEADERS, "Cache-Control": "no-store"})  # fmt: skip


def get_secret_key() -> str:
    from healthapp.config import get_settings

    return get_settings().secret_key.get_secret_value()


@dataclass(frozen=True)
class Uploader:
    """The person the request's secret names, resolved again inside each unit of work."""

    api_secret: str
    token: str
    secret_key: str
    engine: Engine | None

    def _user(self, db: Session) -> int:
        try:
            return secrets.user_for(db, api_secret=self.api_secret, token=self.token,
                                    secret_key=self.secret_key)  # fmt: skip
        except NotSignedIn:
            raise NightscoutError(401, "Unauthorized: API_SECRET or token required") from None

    def check(self) -> None:
        with session_scope(self.engine) as db:
            self._user(db)

    async def run(self, work: Callable[[Session, int], T]) -> T:
        def unit() -> T:
            with session_scope(self.engine) as db:
                return work(db, self._user(db))

        try:
            return await run_in_threadpool(unit)
        except ServiceError as exc:
            raise NightscoutError(400, exc.key) from None


async def uploader(
    secret_key: Annotated[str, Depends(get_secret_key)],
    engine: Annotated[Engine | None, Depends(get_engine_override)],
    api_secret: Annotated[str, Header(alias="api-secret", max_length=128)] = "",
    token: Annotated[str, Query(max_length=128)] = "",
) -> Uploader:
    who = Uploader(api_secret, token, secret_key, engine)
    await run_in_threadpool(who.check)  # before any body is read
    return who


Caller = Annotated[Uploader, Depends(uploader)]


async def _documents(request: Request) -> list[object]:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise NightscoutError(413, f"Body larger than {MAX_BODY_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise NightscoutError(413, f"Body larger than {MAX_BODY_BYTES} bytes")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise NightscoutError(400, "The body is not JSON") from None
    return data if isinstance(data, list) else [data]


def _invalid(invalid: list[tuple[int, str]]) -> list[dict[str, object]]:
    return [{"index": index, "message": key} for index, key in invalid]


def _count(count: int | None) -> int:
    return entries.DEFAULT_COUNT if count is None else count


@nightscout.post("/api/v1/entries")
@nightscout.post("/api/v1/entries.json")
async def post_entries(request: Request, who: Caller) -> JSONResponse:
    docs = await _documents(request)

    def work(db: Session, user_id: int) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
        stored = entries.store_entries(db, user_id=user_id, docs=docs)
        return [entries.entry_document(row) for row in stored.rows], stored.invalid

    created, invalid = await who.run(work)
    if invalid and not created and len(invalid) == len(docs):
        return _json({"status": 400, "message": "No valid entry", "errors": _invalid(invalid)},
                     400)  # fmt: skip
    return _json(created)


async def _find(
    request: Request, who: Uploader, count: int | None, kind: str | None
) -> JSONResponse:
    try:
        filters = entries.parse_filters(dict(request.query_params))
    except ServiceError as exc:
        raise NightscoutError(400, exc.key) from None

    def work(db: Session, user_id: int) -> list[dict[str, Any]]:
        rows = entries.find_entries(db, user_id=user_id, filters=filters, count=_count(count),
                                    kind=kind)  # fmt: skip
        return [entries.entry_document(row) for row in rows]

    return _json(await who.run(work))


CountParam = Annotated[int | None, Query(ge=1, le=entries.MAX_COUNT)]


@nightscout.get("/api/v1/entries")
@nightscout.get("/api/v1/entries.json")
async def get_entries(request: Request, who: Caller, count: CountParam = None) -> JSONResponse:
    return await _find(request, who, count, None)


@nightscout.get("/api/v1/entries/sgv")
@nightscout.get("/api/v1/entries/sgv.json")
async def get_sgv(request: Request, who: Caller, count: CountParam = None) -> JSONResponse:
    return await _find(request, who, count, "sgv")


@nightscout.get("/api/v1/entries/current")
@nightscout.get("/api/v1/entries/current.json")
async def current(who: Caller) -> JSONResponse:
    def work(db: Session, user_id: int) -> list[dict[str, Any]]:
        rows = entries.find_entries(db, user_id=user_id, filters=[], count=1)
        return [entries.entry_document(row) for row in rows]

    return _json(await who.run(work))


@nightscout.post("/api/v1/treatments")
@nightscout.post("/api/v1/treatments.json")
async def post_treatments(request: Request, who: Caller) -> JSONResponse:
    docs = await _documents(request)

    def work(db: Session, user_id: int) -> tuple[int, int, list[tuple[int, str]]]:
        stored = treatments.store_treatments(db, user_id=user_id, docs=docs)
        return len(stored.readings) + len(stored.meals), stored.duplicates, stored.invalid

    stored, duplicates, invalid = await who.run(work)
    if invalid and not stored and not duplicates:
        return _json({"status": 400, "message": "No treatment taken",
                      "errors": _invalid(invalid)}, 400)  # fmt: skip
    return _json([{"stored": stored, "duplicates": duplicates, "errors": _invalid(invalid)}])


@nightscout.get("/api/v1/status")
@nightscout.get("/api/v1/status.json")
async def status(who: Caller) -> JSONResponse:
    return _json({
        "status": "ok", "name": "healthapp", "version": VERSION,
        "serverTime": entries.server_time_ms(), "apiEnabled": True, "careportalEnabled": True,
        "settings": {"units": "mg/dl", "enable": ["careportal"], "authDefaultRoles": ""},
    })  # fmt: skip
