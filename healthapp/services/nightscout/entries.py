"""Nightscout entries: `sgv` (a CGM reading) and `mbg` (a meter reading), in mg/dL as Nightscout
always sends them, stored as the person's glucose readings with source cgm / meter through the
same validation and classification as a typed reading (timing "other": an uploader does not
know meals).

As Nightscout does, an entry whose time and value are already stored is skipped, not doubled:
uploaders resend after every lost connection. Reading them back follows Nightscout's API v1:
newest first, `count` of them, filtered by `find[field][$op]=value` on date (ms since the
epoch), dateString (ISO 8601), sgv, mbg and type."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from healthapp.db import utcnow
from healthapp.domain.errors import ServiceError, ValidationError
from healthapp.domain.units import GlucoseUnit
from healthapp.models import Glucose, GlucoseSource
from healthapp.services import preferences, records

KINDS = {"sgv": GlucoseSource.CGM, "mbg": GlucoseSource.METER}
DEFAULT_COUNT = 10
MAX_COUNT = 10_000
MAX_BATCH = 2_000
_OPS = {"$gte": "__ge__", "$gt": "__gt__", "$lte": "__le__", "$lt": "__lt__", "$eq": "__eq__"}


@dataclass(frozen=True)
class Reading:
    kind: str  # "sgv" | "mbg"
    at: datetime
    mg_dl: float


@dataclass(frozen=True)
class Stored:
    rows: list[Glucose]
    duplicates: int
    invalid: list[tuple[int, str]]  # (position in the batch, catalogue key)


def entry_instant(doc: Mapping[str, Any]) -> datetime:
    stamp = doc.get("date", doc.get("mills"))
    if isinstance(stamp, int | float) and not isinstance(stamp, bool) and math.isfinite(stamp):
        try:
            return datetime.fromtimestamp(stamp / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValidationError("nightscout.date_invalid", field="date") from None
    text = doc.get("dateString") or doc.get("created_at")
    if isinstance(text, str):
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError("nightscout.date_invalid", field="dateString") from None
        if value.tzinfo is not None:
            return value.astimezone(UTC)
    raise ValidationError("nightscout.date_invalid", field="date")


def parse_entry(doc: object) -> Reading:
    """One entry document as a reading; ValidationError for anything else."""
    if not isinstance(doc, Mapping):
        raise ValidationError("nightscout.entry_invalid", field="entry")
    kind = doc.get("type", "sgv" if "sgv" in doc else "mbg" if "mbg" in doc else None)
    if kind not in KINDS:
        raise ValidationError("nightscout.type_unsupported", field="type")
    value = doc.get(kind)
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            value = None
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise ValidationError("nightscout.value_invalid", field=str(kind))
    return Reading(str(kind), entry_instant(doc), float(value))


def _key(at: datetime, mg_dl: float) -> tuple[datetime, float]:
    return at.replace(microsecond=(at.microsecond // 1000) * 1000), round(mg_dl, 1)


def store_readings(
    db: Session, *, user_id: int, readings: Iterable[Reading], now: datetime | None = None
) -> tuple[list[Glucose], int]:
    """Store the readings not stored yet; (the new rows, how many were duplicates)."""
    batch = list(readings)
    if not batch:
        return [], 0
    prefs = replace(preferences.get_preferences(db, user_id=user_id),
                    glucose_unit=GlucoseUnit.MG_DL)  # fmt: skip
    low, high = min(r.at for r in batch), max(r.at for r in batch)
    seen = {
        _key(at, mg_dl)
        for at, mg_dl in db.exec(
            select(Glucose.measured_at, Glucose.mg_dl).where(
                col(Glucose.user_id) == user_id,
                col(Glucose.measured_at) >= low, col(Glucose.measured_at) <= high,
            )
        ).all()
    }  # fmt: skip
    rows, duplicates = [], 0
    for reading in batch:
        key = _key(reading.at, reading.mg_dl)
        if key in seen:
            duplicates += 1
            continue
        seen.add(key)
        form = {"measured_at": reading.at.isoformat(), "value": f"{reading.mg_dl:g}",
                "timing": "other", "note": "", "source": KINDS[reading.kind].value}  # fmt: skip
        rows.append(records.create_record(db, user_id=user_id, kind="glucose", form=form,
                                          prefs=prefs, now=now))  # fmt: skip
    return rows, duplicates


def store_entries(
    db: Session, *, user_id: int, docs: list[object], now: datetime | None = None
) -> Stored:
    """A batch from an uploader: the valid entries are stored (each through the glucose
    form's validation), the others reported by position."""
    if len(docs) > MAX_BATCH:
        raise ValidationError("nightscout.batch_too_large", field="entries", max=MAX_BATCH)
    readings: list[tuple[int, Reading]] = []
    invalid: list[tuple[int, str]] = []
    for index, doc in enumerate(docs):
        try:
            readings.append((index, parse_entry(doc)))
        except ValidationError as exc:
            invalid.append((index, exc.key))
    rows: list[Glucose] = []
    duplicates = 0
    for index, reading in readings:
        try:
            with db.begin_nested():  # one bad value (out of range, future) spoils nothing
                new, dup = store_readings(db, user_id=user_id, readings=[reading], now=now)
        except ServiceError as exc:
            invalid.append((index, first_error_key(exc)))
            continue
        rows += new
        duplicates += dup
    return Stored(rows, duplicates, sorted(invalid))


def first_error_key(exc: ServiceError) -> str:
    errors = getattr(exc, "errors", None)
    if isinstance(errors, Mapping) and errors:
        return next(iter(errors.values())).key
    return exc.key


@dataclass(frozen=True)
class Filter:
    field: str  # date | dateString | sgv | mbg | type
    op: str  # one of _OPS
    value: str


def parse_filters(params: Mapping[str, str]) -> list[Filter]:
    """`find[field][$op]=value` and `find[field]=value` query parameters."""
    found = []
    for name, value in params.items():
        if not name.startswith("find["):
            continue
        parts = name[len("find[") : -1].split("][") if name.endswith("]") else []
        if len(parts) == 1:
            parts.append("$eq")
        if len(parts) != 2 or parts[0] not in {"date", "dateString", "sgv", "mbg", "type"}:
            raise ValidationError("nightscout.filter_unsupported", field=name)
        if parts[1] not in _OPS:
            raise ValidationError("nightscout.filter_unsupported", field=name)
        found.append(Filter(parts[0], parts[1], value))
    return found


def _condition(item: Filter) -> Any:
    compare = _OPS[item.op]
    try:
        if item.field == "date":
            moment = datetime.fromtimestamp(float(item.value) / 1000, UTC)
            return getattr(col(Glucose.measured_at), compare)(moment)
        if item.field == "dateString":
            moment = datetime.fromisoformat(item.value.replace("Z", "+00:00"))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            return getattr(col(Glucose.measured_at), compare)(moment.astimezone(UTC))
        if item.field in KINDS:
            number = float(item.value)
            if not math.isfinite(number):
                raise ValueError(item.value)
            return getattr(col(Glucose.mg_dl), compare)(number)
    except (ValueError, OverflowError, OSError):
        raise ValidationError("nightscout.filter_invalid", field=item.field) from None
    if item.op != "$eq" or item.value not in KINDS:
        raise ValidationError("nightscout.filter_invalid", field="type")
    return col(Glucose.source) == KINDS[item.value]


def find_entries(
    db: Session, *, user_id: int, filters: list[Filter], count: int = DEFAULT_COUNT,
    kind: str | None = None,
) -> list[Glucose]:  # fmt: skip
    """The user's readings, newest first, that pass every filter."""
    conditions = [col(Glucose.user_id) == user_id, *(_condition(f) for f in filters)]
    if kind is not None:
        conditions.append(col(Glucose.source) == KINDS[kind])
    return list(db.exec(
        select(Glucose).where(*conditions)
        .order_by(sa.desc(col(Glucose.measured_at)), col(Glucose.id).desc())
        .limit(min(max(1, count), MAX_COUNT))
    ).all())  # fmt: skip


def entry_document(row: Glucose) -> dict[str, Any]:
    """A stored reading as Nightscout shows an entry."""
    kind = "sgv" if row.source == GlucoseSource.CGM else "mbg"
    at = row.measured_at.astimezone(UTC)
    return {
        "_id": f"healthapp-{row.id}", "type": kind, kind: round(row.mg_dl),
        "date": int(at.timestamp() * 1000), "dateString": at.isoformat().replace("+00:00", "Z"),
        "sysTime": at.isoformat().replace("+00:00", "Z"), "utcOffset": 0,
        "direction": "NONE" if kind == "sgv" else None, "device": "healthapp",
    }  # fmt: skip


def server_time_ms() -> int:
    return int(utcnow().timestamp() * 1000)
