"""The FastAPI app that carries the HTTP routes; Reflex runs inside it (api_transformer)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException
from starlette.responses import Response

from healthapp.api.deps import Refused, refusal
from healthapp.api.export import router as export_routes
from healthapp.api.metrics import router as metrics_routes
from healthapp.api.nightscout import BASE as NIGHTSCOUT_BASE
from healthapp.api.nightscout import nightscout
from healthapp.api.photos import router as photo_routes
from healthapp.api.session import router as session_routes
from healthapp.api.v1 import BASE as V1_BASE
from healthapp.api.v1 import v1
from healthapp.api.v1.problems import on_http_error

# The browser's routes have no schema and no docs; the versioned API for clients (api/v1) does.
api = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
api.add_exception_handler(Refused, refusal)
api.include_router(photo_routes)
api.include_router(export_routes)
api.include_router(session_routes)
api.include_router(metrics_routes)
api.mount(V1_BASE, v1)
api.mount(NIGHTSCOUT_BASE, nightscout)


@api.exception_handler(HTTPException)
async def _not_routed(request: Request, exc: HTTPException) -> Response:
    # A path the mount cannot match (a newline in it: Starlette's mount pattern stops there)
    # is answered here, not by the versioned API: its clients still get a problem document.
    if request.url.path.startswith(V1_BASE + "/"):
        return await on_http_error(request, exc)
    return await http_exception_handler(request, exc)
