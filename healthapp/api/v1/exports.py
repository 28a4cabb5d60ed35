"""The person's data as files over /api/v1: the same CSV zip, FHIR R4 bundle and printable
report as the Data page's downloads (api/export.py builds them), for a read token."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run time.

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from healthapp.api.export import csv_download, fhir_download, report_page
from healthapp.api.v1.caller import ReadAccess
from healthapp.api.v1.problems import PROBLEM_RESPONSES
from healthapp.api.v1.types import IsoDate
from healthapp.services import preferences

router = APIRouter(prefix="/exports", tags=["Exports"], responses=PROBLEM_RESPONSES)


def _file(
    media_type: str, description: str, schema: dict[str, str] | None = None
) -> dict[int | str, dict[str, object]]:
    schema = schema or {"type": "string", "format": "binary"}
    return {200: {"content": {media_type: {"schema": schema}}, "description": description}}


@router.get("/csv", response_class=Response, responses=_file("application/zip", "A zip of CSVs"))
def export_csv(access: ReadAccess) -> Response:
    """Every record as CSV files in one zip (the format the importer reads back)."""
    return access.run(lambda db, caller: csv_download(
        db, caller.user_id, preferences.get_preferences(db, user_id=caller.user_id)))  # fmt: skip


@router.get(
    "/fhir",
    response_class=Response,
    responses=_file("application/fhir+json", "A FHIR R4 Bundle", {"type": "object"}),
)
def export_fhir(access: ReadAccess) -> Response:
    """Readings as a FHIR R4 collection Bundle of Observations (LOINC-coded)."""
    return access.run(lambda db, caller: fhir_download(
        db, caller.user_id, preferences.get_preferences(db, user_id=caller.user_id)))  # fmt: skip


@router.get("/report", response_class=Response, responses=_file("text/html", "The report page"))
def export_report(
    access: ReadAccess,
    start: Annotated[IsoDate, Query(description="First local day")],
    end: Annotated[IsoDate, Query(description="Last local day")],
    lang: Annotated[str, Query(pattern="^(en|ko)$")] = "en",
) -> Response:
    """The printable report (for a doctor's visit) of the days start..end."""
    return access.run(lambda db, caller: report_page(
        db, caller.user_id, preferences.get_preferences(db, user_id=caller.user_id),
        start=start, end=end, lang=lang))  # fmt: skip
