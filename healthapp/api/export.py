"""Downloads of the signed-in user's own data: CSV zip, FHIR R4 bundle, printable report.

The user comes from the session cookie (api.deps), as for photos; nothing in the request can
name another user. The same downloads reach API clients through api/v1/exports.py: the
builders below take the user already found. Plain `def` routes: FastAPI runs them in its
thread pool.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Annotated, TypeVar

from fastapi import APIRouter, HTTPException, Query, Response
from sqlmodel import Session

from healthapp.api.deps import PRIVATE_HEADERS, CurrentUser, SignedIn
from healthapp.db import utcnow
from healthapp.domain.errors import ValidationError
from healthapp.i18n import supported, translate
from healthapp.services import export, preferences
from healthapp.services.export import fhir
from healthapp.services.forms import EARLIEST_DATE
from healthapp.services.preferences import Preferences

T = TypeVar("T")

MAX_REPORT_DAYS = 366
LATEST_REPORT_DAY = date(9999, 12, 30)
_NO_STORE = {**PRIVATE_HEADERS, "Cache-Control": "no-store"}
# Self-contained: inline styles and SVG only, no script.
_REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

router = APIRouter()


def _with_prefs(user: SignedIn, build: Callable[[Session, int, Preferences], T]) -> T:
    """`build(db, user_id, prefs)` for the signed-in user, with their saved preferences."""
    return user.run(lambda db, uid: build(db, uid, preferences.get_preferences(db, user_id=uid)))


def _attachment(data: bytes, media_type: str, stem: str, extension: str) -> Response:
    name = f"{stem}-{utcnow():%Y%m%d}.{extension}"
    headers = {**_NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content=data, media_type=media_type, headers=headers)


def csv_download(db: Session, user_id: int, prefs: Preferences) -> Response:
    data = export.export_csv_zip(db, user_id=user_id, prefs=prefs)
    return _attachment(data, "application/zip", "healthapp-export", "zip")


def fhir_download(db: Session, user_id: int, prefs: Preferences) -> Response:
    bundle = fhir.fhir_bundle(db, user_id=user_id, prefs=prefs)
    data = json.dumps(bundle, ensure_ascii=False, indent=2).encode()
    return _attachment(data, "application/fhir+json", "healthapp-fhir", "json")


def report_page(
    db: Session, user_id: int, prefs: Preferences, *, start: date, end: date, lang: str
) -> Response:
    # Checked after the sender is known, so whoever is not signed in gets 401 whatever they ask.
    if start < EARLIEST_DATE or end > LATEST_REPORT_DAY:
        # Local midnights outside these days may not exist as datetimes in the user's zone.
        raise ValidationError("api.report_dates", field="start" if start < EARLIEST_DATE else "end",
                              earliest=EARLIEST_DATE.isoformat(),
                              latest=LATEST_REPORT_DAY.isoformat())  # fmt: skip
    if end < start or end - start > timedelta(days=MAX_REPORT_DAYS):
        raise ValidationError("api.report_range", field="end", max=MAX_REPORT_DAYS)
    html = export.printable_report_html(db, user_id=user_id, prefs=prefs, start=start, end=end,
                                        lang=supported(lang))  # fmt: skip
    headers = {**_NO_STORE, "Content-Security-Policy": _REPORT_CSP}
    return Response(content=html, media_type="text/html; charset=utf-8", headers=headers)


@router.get("/api/export/csv", include_in_schema=False)
def export_csv(user: CurrentUser) -> Response:
    return _with_prefs(user, csv_download)


@router.get("/api/export/fhir", include_in_schema=False)
def export_fhir(user: CurrentUser) -> Response:
    return _with_prefs(user, fhir_download)


@router.get("/api/export/report", include_in_schema=False)
def printable_report(
    user: CurrentUser,
    start: Annotated[date, Query()],
    end: Annotated[date, Query()],
    lang: Annotated[str, Query(max_length=8)] = "en",
) -> Response:
    try:
        return _with_prefs(
            user, lambda db, uid, prefs: report_page(db, uid, prefs, start=start, end=end,
                                                     lang=lang)
        )  # fmt: skip
    except ValidationError as exc:
        raise HTTPException(
            status_code=422, detail=translate("en", exc.key, **exc.params)
        ) from None
