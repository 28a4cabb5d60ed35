"""The FastAPI app that carries the HTTP routes; Reflex runs inside it (api_transformer)."""

from __future__ import annotations

from fastapi import FastAPI

from healthapp.api import export, photos
from healthapp.api.deps import Refused, refusal

# No schema and no docs: nothing here is meant to be discovered.
api = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
api.add_exception_handler(Refused, refusal)
api.include_router(photos.router)
api.include_router(export.router)
