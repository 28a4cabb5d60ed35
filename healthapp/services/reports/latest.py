"""The newest glucose, blood pressure and HbA1c results, classified, in the user's units."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlmodel import Session, SQLModel, col, select

from healthapp.domain.clinical import classify_bp
from healthapp.domain.stats import eag_mg_dl
from healthapp.domain.units import format_glucose
from healthapp.models import BloodPressure, Glucose, GlucoseSource, HbA1c
from healthapp.services.preferences import Preferences

Record = TypeVar("Record", bound=SQLModel)


@dataclass(frozen=True)
class LatestGlucose:
    measured_at: datetime  # UTC
    local: str  # "2026-11-29 08:30" in the user's zone
    mg_dl: float
    value: str  # in the user's unit, as shown: "142" or "7.9"
    unit: str
    timing: str
    category: str
    level: str
    label_key: str
    alert_key: str
    source: str  # meter | cgm
    source_key: str  # its catalogue key ("glucose.source.cgm")


@dataclass(frozen=True)
class LatestBP:
    measured_at: datetime
    local: str
    systolic: int
    diastolic: int
    pulse: int | None
    standard: str
    category: str
    level: str
    label_key: str
    alert_key: str


@dataclass(frozen=True)
class LatestHbA1c:
    measured_on: date
    percent: float
    eag_mg_dl: float
    eag_value: str  # eAG in the user's unit, as shown
    unit: str
    category: str
    level: str
    label_key: str
    above_target: bool
    target: float


def _local_text(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _newest(
    db: Session, model: type[Record], when: Any, *, user_id: int, before: Any | None
) -> Record | None:
    """The user's newest `model` row by `when` (ties: the last written), optionally limited by
    the condition `before`."""
    conditions = [col(model.user_id) == user_id]  # type: ignore[attr-defined]
    if before is not None:
        conditions.append(before)
    return db.exec(
        select(model)
        .where(*conditions)
        .order_by(when.desc(), col(model.id).desc())  # type: ignore[attr-defined]
        .limit(1)
    ).first()


def latest_glucose(
    db: Session, *, user_id: int, prefs: Preferences, until: datetime | None = None
) -> LatestGlucose | None:
    when = col(Glucose.measured_at)
    row = _newest(
        db, Glucose, when, user_id=user_id, before=None if until is None else when < until
    )
    if row is None:
        return None
    result = prefs.classify_glucose(row.mg_dl, row.timing)
    return LatestGlucose(
        measured_at=row.measured_at,
        local=_local_text(row.measured_at, prefs.tz),
        mg_dl=row.mg_dl,
        value=format_glucose(row.mg_dl, prefs.glucose_unit),
        unit=prefs.glucose_unit.value,
        timing=row.timing,
        category=result.category.value,
        level=result.level.value,
        label_key=result.label_key,
        alert_key=result.alert_key or "",
        source=GlucoseSource(row.source).value,
        source_key=GlucoseSource(row.source).label_key,
    )


def latest_bp(
    db: Session, *, user_id: int, prefs: Preferences, until: datetime | None = None
) -> LatestBP | None:
    when = col(BloodPressure.measured_at)
    row = _newest(
        db, BloodPressure, when, user_id=user_id, before=None if until is None else when < until
    )
    if row is None:
        return None
    result = classify_bp(row.systolic, row.diastolic, prefs.bp_standard)
    return LatestBP(
        measured_at=row.measured_at,
        local=_local_text(row.measured_at, prefs.tz),
        systolic=row.systolic,
        diastolic=row.diastolic,
        pulse=row.pulse,
        standard=prefs.bp_standard.value,
        category=result.category.value,
        level=result.level.value,
        label_key=result.label_key,
        alert_key=result.alert_key or "",
    )


def latest_hba1c(
    db: Session, *, user_id: int, prefs: Preferences, until: date | None = None
) -> LatestHbA1c | None:
    """The newest HbA1c result (ever, up to and including local day `until`), with its eAG."""
    when = col(HbA1c.measured_on)
    row = _newest(db, HbA1c, when, user_id=user_id, before=None if until is None else when <= until)
    if row is None:
        return None
    result = prefs.classify_hba1c(row.percent)
    eag = eag_mg_dl(row.percent)
    return LatestHbA1c(
        measured_on=row.measured_on,
        percent=row.percent,
        eag_mg_dl=eag,
        eag_value=format_glucose(round(eag, 3), prefs.glucose_unit),
        unit=prefs.glucose_unit.value,
        category=result.category.value,
        level=result.level.value,
        label_key=result.label_key,
        above_target=result.above_target,
        target=prefs.hba1c_target,
    )
