"""Which column holds which field: the preview with suggested mapping, unit and date order, and
the check of the mapping an import is given.

The app's own export (services/export) is accepted as it is, the zip or its glucose.csv and
blood_pressure.csv: its header is recognised (Preview.own_export) and mapped by name.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from healthapp.domain.errors import ValidationError
from healthapp.domain.units import GlucoseUnit
from healthapp.services import export
from healthapp.services.importer.parsing import normalized_name
from healthapp.services.importer.table import ImportKind, read_table

PREVIEW_ROWS = 10
ERROR_MAPPING_REQUIRED = "import.mapping_required"
ERROR_MAPPING_INVALID = "import.mapping_invalid"

# Fields a column can be mapped to, required ones first. "time" is for files that keep the clock
# time in a column of its own next to the date.
FIELDS: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.GLUCOSE: ("measured_at", "value", "time", "timing", "source", "note"),
    ImportKind.BP: ("measured_at", "systolic", "diastolic", "time", "pulse", "note"),
}
REQUIRED: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.GLUCOSE: ("measured_at", "value"),
    ImportKind.BP: ("measured_at", "systolic", "diastolic"),
}

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
    "source": ("source", "glucosesource", "readingsource", "측정기기"),
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


def field_order(kind: ImportKind, name: str) -> int:
    """Where the field `name` comes in the kind's fields (unknown names last)."""
    fields = FIELDS[kind]
    return fields.index(name) if name in fields else len(fields)


# --- suggestions ----------------------------------------------------------------------------------


def _suggest_mapping(header: Sequence[str], kind: ImportKind) -> dict[str, int]:
    names = [normalized_name(h) for h in header]
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
    name = normalized_name(header[index])
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


def suggest_date_order(rows: Sequence[Sequence[str]], index: int | None) -> str:
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
    table = read_table(data, kind_)
    cells = [c for _, c in table.rows]
    mapping = _suggest_mapping(table.header, kind_)
    own = tuple(table.header) in (
        export.GLUCOSE_COLUMNS,
        export.GLUCOSE_COLUMNS_WITHOUT_SOURCE,
        export.BP_COLUMNS,
    )
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
        date_order=suggest_date_order(cells, mapping.get("measured_at")),
        own_export=own,
        fields=FIELDS[kind_],
        required=REQUIRED[kind_],
    )


# --- the mapping an import is given --------------------------------------------------------------


def resolve_mapping(
    mapping: Mapping[str, object], header: Sequence[str], kind: ImportKind
) -> dict[str, int]:
    """`mapping` (field -> column index or header text) as field -> column index; raises
    ValidationError for unknown fields or columns, and for a required field left unmapped.
    The mapping comes from a browser or an API client, so any value (a float, None, a list, a
    huge number) is refused with the same key rather than reaching the row loop."""
    resolved: dict[str, int] = {}
    for name, target in mapping.items():
        if name not in FIELDS[kind]:
            raise ValidationError(ERROR_MAPPING_INVALID, field=name)
        if isinstance(target, str):
            if target not in header:
                raise ValidationError(ERROR_MAPPING_INVALID, field=name)
            target = list(header).index(target)
        if isinstance(target, bool) or not isinstance(target, int):
            raise ValidationError(ERROR_MAPPING_INVALID, field=name)
        if not 0 <= target < len(header):
            raise ValidationError(ERROR_MAPPING_INVALID, field=name)
        resolved[name] = target
    missing = [name for name in REQUIRED[kind] if name not in resolved]
    if missing:
        raise ValidationError(ERROR_MAPPING_REQUIRED, field=missing[0])
    return resolved


# A column index as a form sends it; the bound keeps int() away from huge digit strings.
_INDEX_TEXT = re.compile(r"[0-9]{1,6}")


def mapping_from_choices(choices: Mapping[str, str], *, not_mapped: str) -> dict[str, int]:
    """The import form's choices (field -> column index as text, or `not_mapped`) as field ->
    index; text that is not an index (a forged event) is a ValidationError for its field.
    The range is checked by `resolve_mapping` against the file's header."""
    mapping: dict[str, int] = {}
    for name, choice in choices.items():
        if choice == not_mapped:
            continue
        if not isinstance(choice, str) or not _INDEX_TEXT.fullmatch(choice):
            raise ValidationError(ERROR_MAPPING_INVALID, field=str(name))
        mapping[name] = int(choice)
    return mapping
