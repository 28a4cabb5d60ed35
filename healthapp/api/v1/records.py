"""Blood pressure, glucose, HbA1c and exercise over /api/v1: list (local-day filters, cursor
pages), get, create (Idempotency-Key), replace (If-Match) and delete.

Thin: a JSON body becomes the same form the web page sends (services/records validates,
classifies and stores it: one implementation), times are instants with their offset, glucose
comes in the unit the client names. Each reply carries the record's ETag."""

# No `from __future__ import annotations`: FastAPI reads the routes' annotations at run time,
# and the body and page types are made per record kind inside _router.

from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import Session

from healthapp.api.v1.caller import ReadAccess, WriteAccess
from healthapp.api.v1.problems import PROBLEM_RESPONSES, problem_responses
from healthapp.api.v1.types import Instant, IsoDate, RecordId
from healthapp.api.v1.writes import check_match, create_once, etag
from healthapp.db import utcnow
from healthapp.domain.clinical import GlucoseTiming
from healthapp.domain.exercise import ExerciseKind, Intensity
from healthapp.domain.units import GlucoseUnit, mg_dl_to_mmol_l
from healthapp.models.records import NOTE_MAX_LENGTH, GlucoseSource
from healthapp.services import idempotency, preferences, records
from healthapp.services.auth.api_tokens import ApiCaller
from healthapp.services.ownership import owned
from healthapp.services.records.keyset import MAX_LIMIT, list_after

Note = Annotated[str, Field(default="", max_length=NOTE_MAX_LENGTH)]
When = Annotated[Instant | None, Field(default=None, description="Default: now")]


class Judged(BaseModel):
    id: int
    note: str
    level: str = Field(description="normal, caution, warning, danger; '' where none")
    label: str = Field(description="Catalogue key of the classification")
    alert: str | None = Field(description="Catalogue key of an alert, if any")
    created_at: datetime
    updated_at: datetime


class BloodPressureIn(BaseModel):
    measured_at: When
    systolic: int
    diastolic: int
    pulse: int | None = None
    note: Note


class BloodPressureOut(Judged):
    measured_at: datetime
    systolic: int
    diastolic: int
    pulse: int | None
    standard: str = Field(description="Catalogue key of the guideline used")


class GlucoseIn(BaseModel):
    measured_at: When
    value: float
    unit: Literal["mg/dL", "mmol/L"] = "mg/dL"
    timing: GlucoseTiming
    source: GlucoseSource | None = Field(
        default=None, description="meter or cgm. Default: meter; on a replace, unchanged"
    )
    note: Note


class GlucoseOut(Judged):
    measured_at: datetime
    mg_dl: float
    mmol_l: float
    timing: GlucoseTiming
    source: GlucoseSource = Field(description="meter, or cgm (from a Nightscout uploader)")


class HbA1cIn(BaseModel):
    measured_on: IsoDate | None = Field(default=None, description="Default: today (your zone)")
    percent: float
    note: Note


class HbA1cOut(Judged):
    measured_on: date
    percent: float
    target: float


class ExerciseIn(BaseModel):
    started_at: When
    kind: ExerciseKind
    duration_min: int
    intensity: Intensity
    note: Note


class ExerciseOut(Judged):
    started_at: datetime
    kind: ExerciseKind
    duration_min: int
    intensity: Intensity
    energy_kcal: float | None


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _form(kind: str, body: BaseModel, prefs: preferences.Preferences) -> dict[str, str]:
    data = body.model_dump()
    if kind == "hba1c":
        day = data.pop("measured_on") or utcnow().astimezone(prefs.tz).date()
        data["measured_on"] = day
    else:
        field = records.KINDS[kind].time_field
        data[field] = data[field] or utcnow()
        data[field] = data[field].isoformat()
    data.pop("unit", None)
    if data.get("source", "") is None:  # not sent: the service keeps or defaults it
        del data["source"]
    return {name: _text(value) for name, value in data.items()}


def _out(kind: str, row: Any, prefs: preferences.Preferences) -> dict[str, Any]:
    shown = records.KINDS[kind].view(row, prefs)
    common = {"id": row.id, "note": row.note, "level": shown["level"],
              "label": shown["label_key"], "alert": shown["alert_key"] or None,
              "created_at": row.created_at, "updated_at": row.updated_at}  # fmt: skip
    fields: dict[str, Any]
    if kind == "bp":
        fields = {"measured_at": row.measured_at, "systolic": row.systolic,
                  "diastolic": row.diastolic, "pulse": row.pulse,
                  "standard": shown["context_key"]}  # fmt: skip
    elif kind == "glucose":
        fields = {"measured_at": row.measured_at, "mg_dl": row.mg_dl,
                  "mmol_l": round(mg_dl_to_mmol_l(row.mg_dl), 2), "timing": row.timing,
                  "source": row.source}  # fmt: skip
    elif kind == "hba1c":
        fields = {"measured_on": row.measured_on, "percent": row.percent,
                  "target": prefs.hba1c_target}  # fmt: skip
    else:
        fields = {"started_at": row.started_at, "kind": row.kind,
                  "duration_min": row.duration_min, "intensity": row.intensity,
                  "energy_kcal": row.energy_kcal}  # fmt: skip
    return _schema(kind)[1].model_validate({**common, **fields}).model_dump(mode="json")


_SCHEMAS: dict[str, tuple[type[BaseModel], type[BaseModel], str, str]] = {
    "bp": (BloodPressureIn, BloodPressureOut, "blood-pressure", "Blood pressure"),
    "glucose": (GlucoseIn, GlucoseOut, "glucose", "Glucose"),
    "hba1c": (HbA1cIn, HbA1cOut, "hba1c", "HbA1c"),
    "exercise": (ExerciseIn, ExerciseOut, "exercise", "Exercise"),
}


def _schema(kind: str) -> tuple[type[BaseModel], type[BaseModel], str, str]:
    return _SCHEMAS[kind]


def _prefs_for(db: Session, user_id: int, body: BaseModel | None) -> preferences.Preferences:
    prefs = preferences.get_preferences(db, user_id=user_id)
    unit = getattr(body, "unit", None)
    return replace(prefs, glucose_unit=GlucoseUnit(unit)) if unit else prefs


def _reply(kind: str, row: Any, prefs: preferences.Preferences, status: int = 200) -> JSONResponse:
    return JSONResponse(_out(kind, row, prefs), status_code=status, headers={"ETag": etag(row)})


def _router(kind: str) -> APIRouter:  # one small closure per verb
    schema_in, schema_out, path, title = _schema(kind)
    router = APIRouter(prefix=f"/{path}", tags=[title], responses=PROBLEM_RESPONSES)
    model = records.KINDS[kind].model

    class Page(BaseModel):
        items: list[schema_out]  # type: ignore[valid-type]
        next_cursor: str | None = Field(description="Pass as `cursor` for the next page")

    Page.__name__ = f"{schema_out.__name__.removesuffix('Out')}Page"

    @router.get("", response_model=Page, summary=f"List {title.lower()} records, newest first")
    def list_(
        access: ReadAccess,
        start: Annotated[IsoDate | None, Query(description="First local day")] = None,
        end: Annotated[IsoDate | None, Query(description="Last local day")] = None,
        cursor: Annotated[str | None, Query(max_length=200)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    ) -> dict[str, Any]:
        def work(db: Session, caller: ApiCaller) -> dict[str, Any]:
            prefs = _prefs_for(db, caller.user_id, None)
            page = list_after(db, user_id=caller.user_id, kind=kind, prefs=prefs, start=start,
                              end=end, cursor=cursor, limit=limit)  # fmt: skip
            return {"items": [_out(kind, row, prefs) for row in page.rows],
                    "next_cursor": page.next_cursor}  # fmt: skip

        return access.run(work)

    @router.post(
        "",
        status_code=201,
        response_model=schema_out,
        summary=f"Add a {title} record",
        responses=problem_responses(409),
    )
    def create(
        body: schema_in,  # type: ignore[valid-type]
        access: WriteAccess,
        idempotency_key: Annotated[str | None, Header(max_length=255)] = None,
    ) -> Response:
        assert isinstance(body, BaseModel)
        seen = idempotency.fingerprint("POST", path, body.model_dump_json().encode())

        def make(db: Session, caller: ApiCaller) -> dict[str, Any]:
            prefs = _prefs_for(db, caller.user_id, body)
            row = records.create_record(db, user_id=caller.user_id, kind=kind,
                                        form=_form(kind, body, prefs), prefs=prefs)  # fmt: skip
            return _out(kind, row, prefs)

        return create_once(access, key=idempotency_key, seen=seen, make=make,
                           location=f"/api/v1/{path}/{{id}}")  # fmt: skip

    @router.get("/{record_id}", response_model=schema_out, summary=f"One {title} record")
    def get(record_id: RecordId, access: ReadAccess) -> Response:
        def work(db: Session, caller: ApiCaller) -> Response:
            row = owned(db, model, record_id, user_id=caller.user_id)
            return _reply(kind, row, _prefs_for(db, caller.user_id, None))

        return access.run(work)

    @router.put(
        "/{record_id}",
        response_model=schema_out,
        summary=f"Replace a {title} record",
        responses=problem_responses(412),
    )
    def put(
        record_id: RecordId,
        body: schema_in,  # type: ignore[valid-type]
        access: WriteAccess,
        if_match: Annotated[str | None, Header()] = None,
    ) -> Response:
        assert isinstance(body, BaseModel)

        def work(db: Session, caller: ApiCaller) -> Response:
            check_match(if_match, owned(db, model, record_id, user_id=caller.user_id))
            prefs = _prefs_for(db, caller.user_id, body)
            row = records.update_record(db, user_id=caller.user_id, kind=kind,
                                        record_id=record_id, form=_form(kind, body, prefs),
                                        prefs=prefs)  # fmt: skip
            return _reply(kind, row, _prefs_for(db, caller.user_id, None))

        return access.run(work)

    @router.delete(
        "/{record_id}",
        status_code=204,
        summary=f"Delete a {title} record",
        responses=problem_responses(412),
    )
    def delete(
        record_id: RecordId, access: WriteAccess, if_match: Annotated[str | None, Header()] = None
    ) -> Response:
        def work(db: Session, caller: ApiCaller) -> None:
            check_match(if_match, owned(db, model, record_id, user_id=caller.user_id))
            records.delete_record(db, user_id=caller.user_id, kind=kind, record_id=record_id)

        access.run(work)
        return Response(status_code=204)

    return router


routers = [_router(kind) for kind in _SCHEMAS]
