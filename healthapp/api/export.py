"""Downloads of the signed-in user's own data: CSV zip, FHIR R4 bundle, printable report.

The user comes from the session cookie on the server, as for photos; nothing in the request
can name another user. Plain `def` routes: FastAPI runs them in its thread pool.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated

from fastapi import Cookie, Depends, HTTPException, Query, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.api.photos import SESSION_COOKIE, api, get_engine_override, get_secret_key
from healthapp.db import session_scope, utcnow
from healthapp.i18n import supported
from healthapp.services import export, preferences
from healthapp.services.auth.sessions import user_id_for_token
from healthapp.services.export import fhir

MAX_REPORT_DAYS = 366
_PRIVATE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", "Vary": "Cookie"}


def _owner(db: Session, token: str | None, secret_key: str) -> int:
    if not token:
        raise HTTPException(status_code=401)
    user_id = user_id_for_token(db, token=token, secret_key=secret_key)
    if user_id is None:
        raise HTTPException(status_code=401)
    return user_id


def _attachment(data: bytes, media_type: str, stem: str, extension: str) -> Response:
    name = f"{stem}-{utcnow():%Y%m%d}.{extension}"
    headers = {**_PRIVATE, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content=data, media_type=media_type, headers=headers)


Token = Annotated[str | None, Cookie(alias=SESSION_COOKIE)]
EngineDep = Annotated[Engine | None, Depends(get_engine_override)]
SecretDep = Annotated[str, Depends(get_secret_key)]


@api.get("/api/export/csv", include_in_schema=False)
def export_csv(engine: EngineDep, secret_key: SecretDep, session_token: Token = None) -> Response:
    with session_scope(engine) as db:
        user_id = _owner(db, session_token, secret_key)
        prefs = preferences.get_preferences(db, user_id=user_id)
        data = export.export_csv_zip(db, user_id=user_id, prefs=prefs)
    return _attachment(data, "application/zip", "healthapp-export", "zip")


@api.get("/api/export/fhir", include_in_schema=False)
def export_fhir(engine: EngineDep, secret_key: SecretDep, session_token: Token = None) -> Response:
    with session_scope(engine) as db:
        user_id = _owner(db, session_token, secret_key)
        prefs = preferences.get_preferences(db, user_id=user_id)
        bundle = fhir.fhir_bundle(db, user_id=user_id, prefs=prefs)
    data = json.dumps(bundle, ensure_ascii=False, indent=2).encode()
    return _attachment(data, "application/fhir+json", "healthapp-fhir", "json")


@api.get("/api/export/report", include_in_schema=False)
def printable_report(
    engine: EngineDep,
    secret_key: SecretDep,
    start: Annotated[date, Query()],
    end: Annotated[date, Query()],
    lang: Annotated[str, Query(max_length=8)] = "en",
    session_token: Token = None,
) -> Response:
    if end < start or end - start > timedelta(days=MAX_REPORT_DAYS):
        raise HTTPException(status_code=422, detail=f"choose 1 to {MAX_REPORT_DAYS} days")
    with session_scope(engine) as db:
        user_id = _owner(db, session_token, secret_key)
        prefs = preferences.get_preferences(db, user_id=user_id)
        html = export.printable_report_html(
            db, user_id=user_id, prefs=prefs, start=start, end=end, lang=supported(lang)
        )
    # Self-contained: inline styles and SVG only, no script.
    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    headers = {**_PRIVATE, "Content-Security-Policy": csp}
    return Response(content=html, media_type="text/html; charset=utf-8", headers=headers)
