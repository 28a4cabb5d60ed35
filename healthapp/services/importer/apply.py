"""Importing the readings of a CSV file: every row checked first, then the new ones written.

`import_readings(db, ..., mapping=..., unit=..., tz=...)` validates every row with the same
parsers as the record forms (services/records: ranges, units, timing, note length, time not in
the future) and only then writes. One bad row means nothing is written: `ImportInvalid` lists the
rows by line number with the field, the column and the message key. Nothing is committed here
either; the caller's transaction (db.session_scope) commits or rolls back as a whole. Escaped
notes of the app's own export are restored.

Duplicates: a reading of the same user at the same minute with the same values (glucose: the same
whole mg/dL; blood pressure: the same systolic and diastolic) is skipped, whether it is already in
the database or earlier in the same file, so importing a file twice adds nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from healthapp.db import utcnow
from healthapp.domain.errors import ServiceError, ValidationError
from healthapp.domain.units import GlucoseUnit, round_mg_dl
from healthapp.models import BloodPressure, Glucose
from healthapp.services import export, ranking, records
from healthapp.services.forms import FormInvalid
from healthapp.services.importer.columns import (
    ERROR_MAPPING_INVALID,
    ERROR_MAPPING_REQUIRED,
    field_order,
    resolve_mapping,
    suggest_date_order,
)
from healthapp.services.importer.parsing import (
    ERROR_TIME_MISSING,
    cell_text,
    number_text,
    parse_time_cell,
    source_value,
    timing_value,
)
from healthapp.services.importer.table import (
    ERROR_EMPTY,
    ERROR_ENCODING,
    ERROR_TOO_LARGE,
    ERROR_TOO_MANY_ROWS,
    ERROR_UNREADABLE,
    ERROR_ZIP_NO_FILE,
    ImportKind,
    read_table,
)
from healthapp.services.preferences import Preferences, timezone_names

MAX_REPORTED_ERRORS = 50
ERROR_INVALID_ROWS = "import.invalid_rows"
# Every catalogue key the importer hands out (besides the error.* keys of the record forms).
IMPORT_KEYS: tuple[str, ...] = (
    ERROR_ENCODING,
    ERROR_EMPTY,
    ERROR_TOO_LARGE,
    ERROR_TOO_MANY_ROWS,
    ERROR_UNREADABLE,
    ERROR_ZIP_NO_FILE,
    ERROR_MAPPING_REQUIRED,
    ERROR_MAPPING_INVALID,
    ERROR_INVALID_ROWS,
    ERROR_TIME_MISSING,
)


@dataclass(frozen=True)
class RowError:
    line: int  # line of the file where the row starts (1-based, the header's line counts)
    field: str  # the app's field: measured_at, value, timing, source, note, systolic, ...
    column: str  # header of the column mapped to that field ("" when none is)
    key: str  # catalogue key of the message
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


class ImportInvalid(ServiceError):
    """Some rows are wrong: nothing was imported. `errors` holds at most MAX_REPORTED_ERRORS of
    them, in line order; `rows` is how many rows had an error."""

    def __init__(self, errors: list[RowError], rows: int) -> None:
        first = errors[0].line if errors else 0
        super().__init__(ERROR_INVALID_ROWS, field="file", count=rows, line=first)
        self.errors = errors
        self.rows = rows


@dataclass(frozen=True)
class ImportResult:
    rows: int  # data rows read
    imported: int
    duplicates: int  # skipped: already stored, or earlier in the same file


def _minute(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(second=0, microsecond=0)


def _key(kind: ImportKind, values: Mapping[str, Any]) -> tuple[Any, ...]:
    if kind is ImportKind.GLUCOSE:
        return (_minute(values["measured_at"]), round_mg_dl(values["mg_dl"]))
    return (_minute(values["measured_at"]), values["systolic"], values["diastolic"])


def _existing_keys(
    db: Session, kind: ImportKind, user_id: int, low: datetime, high: datetime
) -> set[tuple[Any, ...]]:
    if kind is ImportKind.GLUCOSE:
        rows = db.exec(
            select(Glucose.measured_at, Glucose.mg_dl).where(
                Glucose.user_id == user_id,
                col(Glucose.measured_at) >= low,
                col(Glucose.measured_at) < high,
            )
        ).all()
        return {(_minute(t), round_mg_dl(v)) for t, v in rows}
    rows = db.exec(
        select(BloodPressure.measured_at, BloodPressure.systolic, BloodPressure.diastolic).where(
            BloodPressure.user_id == user_id,
            col(BloodPressure.measured_at) >= low,
            col(BloodPressure.measured_at) < high,
        )
    ).all()
    return {(_minute(t), s, d) for t, s, d in rows}


def import_readings(
    db: Session,
    *,
    user_id: int,
    prefs: Preferences,
    data: bytes,
    kind: str,
    mapping: Mapping[str, object],
    unit: str = GlucoseUnit.MG_DL.value,
    tz: str | ZoneInfo | None = None,
    date_order: str | None = None,
    now: datetime | None = None,
) -> ImportResult:
    """Validate every row, then insert the new readings in one statement per kind (not
    committed). `mapping` is field -> column index (or header text), as Preview.mapping;
    `unit` is the glucose unit of the value column; `tz` the zone of times without an offset
    (default: the user's); `date_order` for 11/28/2026-style dates (default: detected).
    Raises ImportInvalid (bad rows, nothing written) or ValidationError (unreadable file,
    mapping)."""
    kind_ = ImportKind(kind)
    spec = records.KINDS[kind_.value]
    table = read_table(data, kind_)
    columns = resolve_mapping(mapping, table.header, kind_)
    zone = tz.key if isinstance(tz, ZoneInfo) else (tz or prefs.tz.key)
    if zone not in timezone_names() and zone != "UTC":
        raise ValidationError("error.timezone_invalid", field="tz")
    order = date_order or suggest_date_order([c for _, c in table.rows], columns["measured_at"])
    local_prefs = replace(prefs, glucose_unit=GlucoseUnit(unit), timezone=zone)
    utc_prefs = replace(local_prefs, timezone="UTC")
    now = now or utcnow()

    parsed: list[dict[str, Any]] = []
    errors: list[RowError] = []
    bad_rows = 0
    for line, cells in table.rows:
        row_errors = _parse_row(
            cells, columns, kind_, spec, local_prefs, utc_prefs, order, now, parsed
        )
        if row_errors:
            bad_rows += 1
            if len(errors) < MAX_REPORTED_ERRORS:
                errors += [
                    RowError(line, name, table.header[columns[name]] if name in columns else "",
                             exc.key, dict(exc.params))
                    for name, exc in row_errors.items()
                ][: MAX_REPORTED_ERRORS - len(errors)]  # fmt: skip
    if bad_rows:
        raise ImportInvalid(errors, bad_rows)
    if not parsed:
        raise ValidationError(ERROR_EMPTY, field="file")

    times = [values["measured_at"] for values in parsed]
    seen = _existing_keys(
        db, kind_, user_id, _minute(min(times)), _minute(max(times)) + timedelta(minutes=1)
    )
    fresh = []
    for values in parsed:
        key = _key(kind_, values)
        if key in seen:
            continue
        seen.add(key)
        fresh.append({**values, "user_id": user_id, "created_at": now, "updated_at": now})
    if fresh:
        db.flush()
        db.connection().execute(sa.insert(spec.model), fresh)
        # As after any write to the user's records: keep the "top n%" metrics current.
        ranking.refresh_user_metrics(db, user_id=user_id, prefs=prefs, now=now)
    return ImportResult(rows=len(parsed), imported=len(fresh), duplicates=len(parsed) - len(fresh))


def _parse_row(
    cells: Sequence[str],
    columns: Mapping[str, int],
    kind: ImportKind,
    spec: records.RecordKind,
    local_prefs: Preferences,
    utc_prefs: Preferences,
    date_order: str,
    now: datetime,
    out: list[dict[str, Any]],
) -> dict[str, ValidationError]:
    """Parse one row with the record form's parser; append its values to `out` or return its
    errors by field."""
    time_error: ValidationError | None = None
    form: dict[str, str] = {"note": export.unescape_cell(cell_text(cells, columns.get("note")))}
    prefs = local_prefs
    local: datetime | None = None
    when_text = cell_text(cells, columns["measured_at"]).strip()
    if "time" in columns and when_text:
        when_text = f"{when_text} {cell_text(cells, columns['time']).strip()}"
    try:
        when = parse_time_cell(when_text, date_order=date_order)
    except ValidationError as exc:
        time_error, form["measured_at"] = exc, ""
    else:
        if when.tzinfo is not None:  # an instant: hand it over in UTC, never through local time
            prefs = utc_prefs
            local = when.astimezone(local_prefs.tz)
            form["measured_at"] = when.astimezone(UTC).replace(tzinfo=None).isoformat()
        else:
            local = when
            form["measured_at"] = when.isoformat()
    if kind is ImportKind.GLUCOSE:
        form["value"] = number_text(cell_text(cells, columns["value"]))
        form["timing"] = timing_value(cell_text(cells, columns.get("timing")), local)
        if "source" in columns:  # without the column: meter readings
            form["source"] = source_value(cell_text(cells, columns["source"]))
    else:
        for name in ("systolic", "diastolic", "pulse"):
            form[name] = number_text(cell_text(cells, columns.get(name)))
    errors: dict[str, ValidationError] = {}
    try:
        values = spec.parse(form, prefs, now, None)
    except FormInvalid as exc:
        errors = dict(exc.errors)
    else:
        if time_error is None:
            out.append(values)
    if time_error is not None:
        errors["measured_at"] = time_error
    return dict(sorted(errors.items(), key=lambda kv: field_order(kind, kv[0])))
