"""Glucose and blood-pressure readings in, from a CSV file: preview, column mapping, import.

No Reflex import. Two steps, both pure with respect to the file's bytes:
1. `preview_import(data, kind=...)` reads the file: encoding (UTF-8, UTF-8 with BOM, UTF-16 with
   BOM as Excel's "Unicode text" writes it, CP949 as Korean Excel writes it), delimiter (, ; tab |),
   the header row (lines above it, like a meter's title line, are skipped), the first rows, and a
   suggested mapping of the app's fields to columns, with a suggested glucose unit.
2. `import_readings(db, ..., mapping=..., unit=..., tz=...)` validates every row with the same
   parsers as the record forms (services/records.py: ranges, units, timing, note length, time not
   in the future) and only then writes. One bad row means nothing is written: `ImportInvalid` lists
   the rows by line number with the field, the column and the message key. Nothing is committed
   here either; the caller's transaction (db.session_scope) commits or rolls back as a whole.

Times: a cell with an offset (2026-11-28T23:30:00-05:00, ...Z) or an epoch (10 digits: seconds,
13: milliseconds) is that instant; any other time is read in `tz` (by default the user's zone).
Dates: 2026-11-28, 2026/11/28, 2026.11.28 and "2026. 11. 28. 오후 11:30" always; 11/28/2026 or
28/11/2026 by `date_order` (the preview detects it from the file; "mdy" when nothing tells).

Duplicates: a reading of the same user at the same minute with the same values (glucose: the same
whole mg/dL; blood pressure: the same systolic and diastolic) is skipped, whether it is already in
the database or earlier in the same file, so importing a file twice adds nothing.

The app's own export (services/export.py) is accepted as it is: the zip, or its glucose.csv and
blood_pressure.csv; their columns are recognised and mapped, and escaped notes are restored.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import statistics
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from enum import StrEnum
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, select

from healthapp.db import utcnow
from healthapp.domain.clinical import GlucoseTiming
from healthapp.domain.errors import ServiceError, ValidationError
from healthapp.domain.units import GlucoseUnit, round_mg_dl
from healthapp.i18n import CATALOGUES
from healthapp.models import BloodPressure, Glucose
from healthapp.services import export, ranking, records
from healthapp.services.forms import FormInvalid
from healthapp.services.preferences import Preferences, timezone_names

MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_IMPORT_ROWS = 100_000
PREVIEW_ROWS = 10
MAX_REPORTED_ERRORS = 50
DELIMITERS = (",", ";", "\t", "|")
_SNIFF_ROWS = 50

ERROR_ENCODING = "import.encoding_unknown"
ERROR_EMPTY = "import.empty"
ERROR_TOO_LARGE = "import.too_large"
ERROR_TOO_MANY_ROWS = "import.too_many_rows"
ERROR_UNREADABLE = "import.unreadable"
ERROR_ZIP_NO_FILE = "import.zip_no_file"
ERROR_MAPPING_REQUIRED = "import.mapping_required"
ERROR_MAPPING_INVALID = "import.mapping_invalid"
ERROR_INVALID_ROWS = "import.invalid_rows"
ERROR_TIME_MISSING = "import.time_missing"
# Every catalogue key this module hands out (besides the error.* keys of the record forms).
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


class ImportKind(StrEnum):
    """What a file holds; the values are the record kinds of services/records.py."""

    GLUCOSE = "glucose"
    BP = "bp"


# Fields a column can be mapped to, required ones first. "time" is for files that keep the clock
# time in a column of its own next to the date.
FIELDS: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.GLUCOSE: ("measured_at", "value", "time", "timing", "note"),
    ImportKind.BP: ("measured_at", "systolic", "diastolic", "time", "pulse", "note"),
}
REQUIRED: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.GLUCOSE: ("measured_at", "value"),
    ImportKind.BP: ("measured_at", "systolic", "diastolic"),
}
# The member of an export zip that holds each kind.
_EXPORT_MEMBER = {ImportKind.GLUCOSE: export.GLUCOSE_FILE, ImportKind.BP: export.BP_FILE}

# Header names (lower case, letters, digits and Hangul only) by field, best first.
_DATETIME_NAMES = ("measuredatlocal", "measuredat", "measuredatutc", "datetime", "timestamp",
                   "devicetimestamp", "datestring", "dateandtime", "측정일시", "측정시각", "일시",
                   "날짜시간")  # fmt: skip
_DATE_NAMES = ("date", "날짜", "측정일", "day", "일자")
_TIME_NAMES = ("time", "시간", "측정시간", "clock", "시각")
_EXACT_NAMES: dict[str, tuple[str, ...]] = {
    "value": ("mgdl", "glucosemgdl", "bloodglucosemgdl", "glucose", "bloodglucose", "bg", "mbg",
              "sgv", "혈당", "혈당치", "혈당값", "혈당mgdl", "historicglucosemgdl",
              "historicglucosemmoll", "scanglucosemgdl", "glucosemmoll", "mmoll", "reading",
              "value", "result", "결과", "측정값"),
    "timing": ("timing", "mealtiming", "측정시점", "시점", "식사", "식전식후", "mealtag", "meal",
               "relationtomeal", "tag"),
    "note": ("note", "notes", "comment", "comments", "memo", "메모", "비고"),
    "systolic": ("systolic", "systolicmmhg", "sys", "sbp", "수축기", "수축기혈압", "최고혈압"),
    "diastolic": ("diastolic", "diastolicmmhg", "dia", "dbp", "이완기", "이완기혈압", "확장기",
                  "확장기혈압", "최저혈압"),
    "pulse": ("pulse", "pulsebpm", "heartrate", "hr", "bpm", "맥박", "심박", "심박수"),
}  # fmt: skip
_PARTIAL_NAMES: dict[str, tuple[str, ...]] = {
    "value": ("glucose", "혈당"),
    "systolic": ("systolic", "수축"),
    "diastolic": ("diastolic", "이완", "확장"),
    "pulse": ("pulse", "맥박", "heartrate"),
    "note": ("note", "메모"),
}


def _norm(text: str) -> str:
    return re.sub(r"[^0-9a-z가-힣]", "", unicodedata.normalize("NFKC", text).lower())


# --- reading the file ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    encoding: str
    delimiter: str
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]  # (line number of the row's first line, cells)


def _unzip(data: bytes, kind: ImportKind) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        name = f"{_EXPORT_MEMBER[kind]}.csv"
        try:
            info = archive.getinfo(name)
        except KeyError:
            raise ValidationError(ERROR_ZIP_NO_FILE, field="file", name=name) from None
        if info.file_size > MAX_IMPORT_BYTES:
            raise ValidationError(ERROR_TOO_LARGE, field="file", max_mb=MAX_IMPORT_BYTES >> 20)
        return archive.read(info)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", "utf-8-sig")]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", "utf-16")]
    else:
        candidates = [("utf-8", "utf-8"), ("cp949", "cp949")]
    for codec, name in candidates:
        try:
            return data.decode(codec), name
        except UnicodeDecodeError:
            continue
    raise ValidationError(ERROR_ENCODING, field="file")


def _sniff_delimiter(text: str) -> str:
    sample = text[:65536]
    lines = sample.splitlines()[:_SNIFF_ROWS]
    best, best_score = ",", (False, 0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(lines, delimiter=delimiter) if any(r)]
        except csv.Error:
            continue
        if not widths:
            continue
        mode = statistics.mode(widths)
        score = (mode > 1, widths.count(mode), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_table(data: bytes, kind: ImportKind) -> _Table:
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(ERROR_TOO_LARGE, field="file", max_mb=MAX_IMPORT_BYTES >> 20)
    if data[:4] == b"PK\x03\x04":
        try:
            data = _unzip(data, kind)
        except zipfile.BadZipFile:
            raise ValidationError(ERROR_UNREADABLE, field="file", line=1) from None
    text, encoding = _decode(data)
    if not text.strip():
        raise ValidationError(ERROR_EMPTY, field="file")
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    last = 0
    try:
        for cells in reader:
            first, last = last + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                records.append((first, cells))
            if len(records) > MAX_IMPORT_ROWS + _SNIFF_ROWS:
                raise ValidationError(ERROR_TOO_MANY_ROWS, field="file", max=MAX_IMPORT_ROWS)
    except csv.Error:
        raise ValidationError(ERROR_UNREADABLE, field="file", line=last + 1) from None
    if not records:
        raise ValidationError(ERROR_EMPTY, field="file")
    # The header is the first row as wide as most rows: a title line above it is narrower.
    width = statistics.mode(len(cells) for _, cells in records[:_SNIFF_ROWS])
    start = next(i for i, (_, cells) in enumerate(records) if len(cells) >= width)
    header_line, header = records[start]
    rows = records[start + 1 :]
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationError(ERROR_TOO_MANY_ROWS, field="file", max=MAX_IMPORT_ROWS)
    return _Table(encoding, delimiter, [h.strip() for h in header], header_line, rows)


# --- suggestions ----------------------------------------------------------------------------------


def _suggest_mapping(header: Sequence[str], kind: ImportKind) -> dict[str, int]:
    names = [_norm(h) for h in header]
    taken: set[int] = set()
    mapping: dict[str, int] = {}

    def find(candidates: Sequence[str], *, partial: Sequence[str] = ()) -> int | None:
        for candidate in candidates:
            for i, name in enumerate(names):
                if i not in taken and name == candidate:
                    return i
        for fragment in partial:
            for i, name in enumerate(names):
                if i not in taken and fragment in name:
                    return i
        return None

    def take(name: str, index: int | None) -> None:
        if index is not None:
            mapping[name] = index
            taken.add(index)

    take("measured_at", find(_DATETIME_NAMES))
    if "measured_at" not in mapping:
        take("measured_at", find(_DATE_NAMES))
        if "measured_at" in mapping:
            take("time", find(_TIME_NAMES))
        else:
            take("measured_at", find(_TIME_NAMES))
    for name in FIELDS[kind]:
        if name in _EXACT_NAMES and name not in mapping:
            take(name, find(_EXACT_NAMES[name], partial=_PARTIAL_NAMES.get(name, ())))
    return mapping


_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)")


def _suggest_unit(header: Sequence[str], rows: Sequence[Sequence[str]], index: int | None) -> str:
    if index is None:
        return GlucoseUnit.MG_DL.value
    name = _norm(header[index])
    if "mmol" in name:
        return GlucoseUnit.MMOL_L.value
    if "mgdl" in name:
        return GlucoseUnit.MG_DL.value
    values = []
    for cells in rows[:200]:
        match = _NUMBER.match(cells[index]) if index < len(cells) else None
        if match:
            values.append(float(match.group(1).replace(",", ".")))
    # No plausible mg/dL reading is below 35; few mmol/L readings are above it.
    if values and statistics.median(values) < 35:
        return GlucoseUnit.MMOL_L.value
    return GlucoseUnit.MG_DL.value


_SLASHED = re.compile(r"^\s*(\d{1,2})[./-](\d{1,2})[./-](\d{4})\b")


def _suggest_date_order(rows: Sequence[Sequence[str]], index: int | None) -> str:
    """'dmy' or 'mdy' when the file writes day and month before the year, else 'ymd'."""
    if index is None:
        return "ymd"
    slashed = day_first = month_first = 0
    for cells in rows:
        match = _SLASHED.match(cells[index]) if index < len(cells) else None
        if match:
            slashed += 1
            first, second = int(match.group(1)), int(match.group(2))
            day_first += first > 12
            month_first += second > 12
    if not slashed:
        return "ymd"
    return "dmy" if day_first > month_first else "mdy"


@dataclass(frozen=True)
class Preview:
    kind: str
    encoding: str
    delimiter: str
    header: list[str]
    header_line: int  # 1-based line of the header row in the file
    rows: list[list[str]]  # the first PREVIEW_ROWS data rows
    row_count: int  # data rows in the file (blank lines not counted)
    mapping: dict[str, int]  # suggested: field -> column index into `header`
    unit: str  # suggested glucose unit (mg/dL for blood pressure files)
    date_order: str  # ymd | mdy | dmy
    own_export: bool  # the app's own export file
    fields: tuple[str, ...]
    required: tuple[str, ...]


def preview_import(data: bytes, *, kind: str) -> Preview:
    """What the file holds and how its columns would map; raises ValidationError (import.* keys)
    when it cannot be read at all."""
    kind_ = ImportKind(kind)
    table = _read_table(data, kind_)
    cells = [c for _, c in table.rows]
    mapping = _suggest_mapping(table.header, kind_)
    own = tuple(table.header) in (export.GLUCOSE_COLUMNS, export.BP_COLUMNS)
    unit = (
        _suggest_unit(table.header, cells, mapping.get("value"))
        if kind_ is ImportKind.GLUCOSE
        else GlucoseUnit.MG_DL.value
    )
    return Preview(
        kind=kind_.value,
        encoding=table.encoding,
        delimiter=table.delimiter,
        header=table.header,
        header_line=table.header_line,
        rows=cells[:PREVIEW_ROWS],
        row_count=len(cells),
        mapping=mapping,
        unit=unit,
        date_order=_suggest_date_order(cells, mapping.get("measured_at")),
        own_export=own,
        fields=FIELDS[kind_],
        required=REQUIRED[kind_],
    )


# --- times ----------------------------------------------------------------------------------------

_MERIDIEM = re.compile(r"(?<![a-z])(am|pm|a\.m\.|p\.m\.)(?![a-z])|오전|오후", re.IGNORECASE)
_DATETIME = re.compile(
    r"""^(?:(?P<y>\d{4})[-/.]\s?(?P<m>\d{1,2})[-/.]\s?(?P<d>\d{1,2})\.?
        |(?P<a>\d{1,2})[-/.](?P<b>\d{1,2})[-/.](?P<y2>\d{4}))
        (?:(?:T|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,6})\d*)?)?)?
        \s*(?P<tz>Z|UTC|[+-]\d{2}(?::?\d{2})?)?$""",
    re.VERBOSE | re.IGNORECASE,
)


def parse_time_cell(text: str, *, date_order: str = "ymd") -> datetime:
    """A time cell as a datetime: aware when the cell says its offset (or is an epoch), naive
    otherwise (to be read in the import's zone). Raises ValidationError for the field
    measured_at."""
    raw = unicodedata.normalize("NFKC", text).strip()
    if not raw:
        raise ValidationError("error.datetime_required", field="measured_at")
    if raw.isdigit() and len(raw) in (10, 13):
        seconds = int(raw) / (1000 if len(raw) == 13 else 1)
        return datetime.fromtimestamp(seconds, UTC)
    meridiem = _MERIDIEM.search(raw)
    cleaned = " ".join(_MERIDIEM.sub(" ", raw).split()) if meridiem else raw
    match = _DATETIME.match(cleaned)
    if match is None:
        raise ValidationError("error.datetime_invalid", field="measured_at")
    parts = match.groupdict()
    if parts["H"] is None:
        raise ValidationError(ERROR_TIME_MISSING, field="measured_at")
    if parts["y"]:
        year, month, day = int(parts["y"]), int(parts["m"]), int(parts["d"])
    else:
        first, second = int(parts["a"]), int(parts["b"])
        day, month = (first, second) if date_order == "dmy" else (second, first)
        year = int(parts["y2"])
    hour = int(parts["H"])
    if meridiem:
        is_pm = meridiem.group(0).lower().startswith("p") or meridiem.group(0) == "오후"
        if not 1 <= hour <= 12:
            raise ValidationError("error.datetime_invalid", field="measured_at")
        hour = hour % 12 + (12 if is_pm else 0)
    zone: tzinfo | None = None
    if parts["tz"]:
        offset = parts["tz"].upper()
        if offset in {"Z", "UTC"}:
            zone = UTC
        else:
            digits = offset[1:].replace(":", "")
            delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
            zone = UTC if not delta else timezone(-delta if offset[0] == "-" else delta)
    try:
        return datetime(
            year, month, day, hour, int(parts["M"]), int(parts["S"] or 0),
            int((parts["f"] or "0").ljust(6, "0")), tzinfo=zone,
        )  # fmt: skip
    except ValueError:
        raise ValidationError("error.datetime_invalid", field="measured_at") from None


# --- meal timing ----------------------------------------------------------------------------------

_BEFORE_MEAL = {"beforemeal", "premeal", "preprandial", "식전", "ac"}
_AFTER_MEAL = {"aftermeal", "postmeal", "postprandial", "식후", "pc", "2hpp", "식후2시간"}
_EXTRA_TIMINGS = {
    "fbs": GlucoseTiming.FASTING,
    "fastingglucose": GlucoseTiming.FASTING,
    "공복혈당": GlucoseTiming.FASTING,
    "beforebed": GlucoseTiming.BEDTIME,
    "자기전": GlucoseTiming.BEDTIME,
    "취침전": GlucoseTiming.BEDTIME,
}


@cache
def _timing_names() -> dict[str, GlucoseTiming]:
    """Timing values, their English and Korean labels, and a few common synonyms."""
    names = dict(_EXTRA_TIMINGS)
    for timing in GlucoseTiming:
        names[_norm(timing.value)] = timing
        for catalogue in CATALOGUES.values():
            label = catalogue.get(timing.label_key)
            if label:
                names[_norm(label)] = timing
    return names


def _timing(text: str, local: datetime | None) -> str:
    """A timing cell as a GlucoseTiming value; blank is "other". A generic "before/after meal"
    picks the meal by the local clock time (before: < 11:00 breakfast, < 16:00 lunch; after:
    < 12:00 breakfast, < 17:00 lunch; later dinner). Anything else is passed on unchanged, for
    the form parser to refuse."""
    name = _norm(text)
    if not name:
        return GlucoseTiming.OTHER.value
    known = _timing_names().get(name)
    if known is not None:
        return known.value
    if local is not None and (name in _BEFORE_MEAL or name in _AFTER_MEAL):
        hour = local.hour + local.minute / 60
        if name in _BEFORE_MEAL:
            meal = "breakfast" if hour < 11 else "lunch" if hour < 16 else "dinner"
            return f"before_{meal}"
        meal = "breakfast" if hour < 12 else "lunch" if hour < 17 else "dinner"
        return f"after_{meal}"
    return text


# --- import ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int  # line of the file where the row starts (1-based, the header's line counts)
    field: str  # the app's field: measured_at, value, timing, note, systolic, diastolic, pulse
    column: str  # header of the column mapped to that field ("" when none is)
    key: str  # catalogue key of the message
    params: dict[str, Any] = field(default_factory=dict)


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


def _cell(cells: Sequence[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


_UNIT_SUFFIX = re.compile(r"\s*(mg\s*/\s*dl|mmol\s*/\s*l|mmhg|bpm|/\s*min)\s*$", re.IGNORECASE)


def _number_text(text: str) -> str:
    return _UNIT_SUFFIX.sub("", text.strip())


def _resolve(
    mapping: Mapping[str, int | str], header: Sequence[str], kind: ImportKind
) -> dict[str, int]:
    resolved: dict[str, int] = {}
    for name, target in mapping.items():
        if name not in FIELDS[kind]:
            raise ValidationError(ERROR_MAPPING_INVALID, field=name)
        if isinstance(target, str):
            if target not in header:
                raise ValidationError(ERROR_MAPPING_INVALID, field=name)
            target = list(header).index(target)
        if isinstance(target, bool) or not 0 <= target < len(header):
            raise ValidationError(ERROR_MAPPING_INVALID, field=name)
        resolved[name] = target
    missing = [name for name in REQUIRED[kind] if name not in resolved]
    if missing:
        raise ValidationError(ERROR_MAPPING_REQUIRED, field=missing[0])
    return resolved


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
    mapping: Mapping[str, int | str],
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
    table = _read_table(data, kind_)
    columns = _resolve(mapping, table.header, kind_)
    zone = tz.key if isinstance(tz, ZoneInfo) else (tz or prefs.tz.key)
    if zone not in timezone_names() and zone != "UTC":
        raise ValidationError("error.timezone_invalid", field="tz")
    order = date_order or _suggest_date_order([c for _, c in table.rows], columns["measured_at"])
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
    form: dict[str, str] = {"note": export.unescape_cell(_cell(cells, columns.get("note")))}
    prefs = local_prefs
    local: datetime | None = None
    when_text = _cell(cells, columns["measured_at"]).strip()
    if "time" in columns and when_text:
        when_text = f"{when_text} {_cell(cells, columns['time']).strip()}"
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
        form["value"] = _number_text(_cell(cells, columns["value"]))
        form["timing"] = _timing(_cell(cells, columns.get("timing")), local)
    else:
        for name in ("systolic", "diastolic", "pulse"):
            form[name] = _number_text(_cell(cells, columns.get(name)))
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
    return dict(sorted(errors.items(), key=lambda kv: _field_order(kind, kv[0])))


def _field_order(kind: ImportKind, name: str) -> int:
    fields = FIELDS[kind]
    return fields.index(name) if name in fields else len(fields)
