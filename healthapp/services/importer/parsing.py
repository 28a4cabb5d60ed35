"""Reading single cells: times and dates, numbers with their unit written after them, meal timings,
glucose sources (meter or CGM).

Times: a cell with an offset (2026-11-28T23:30:00-05:00, ...Z) or an epoch (10 digits: seconds,
13: milliseconds) is that instant; any other time is naive, to be read in the import's zone.
Dates: 2026-11-28, 2026/11/28, 2026.11.28 and "2026. 11. 28. 오후 11:30" always; 11/28/2026 or
28/11/2026 by `date_order` (the preview detects it from the file; "mdy" when nothing tells).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import cache

from healthapp.domain.clinical import GlucoseTiming
from healthapp.domain.errors import ValidationError
from healthapp.i18n import CATALOGUES
from healthapp.models import GlucoseSource

ERROR_TIME_MISSING = "import.time_missing"


def normalized_name(text: str) -> str:
    """`text` compared loosely: lower case, letters, digits and Hangul only."""
    return re.sub(r"[^0-9a-z가-힣]", "", unicodedata.normalize("NFKC", text).lower())


def cell_text(cells: Sequence[str], index: int | None) -> str:
    """The cell at `index`; "" when no column is mapped or the row is shorter."""
    return cells[index] if index is not None and index < len(cells) else ""


_UNIT_SUFFIX = re.compile(r"\s*(mg\s*/\s*dl|mmol\s*/\s*l|mmhg|bpm|/\s*min)\s*$", re.IGNORECASE)


def number_text(text: str) -> str:
    """A number cell without a unit written after the number ("120 mg/dL"), for the form parser."""
    return _UNIT_SUFFIX.sub("", text.strip())


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
        names[normalized_name(timing.value)] = timing
        for catalogue in CATALOGUES.values():
            label = catalogue.get(timing.label_key)
            if label:
                names[normalized_name(label)] = timing
    return names


def timing_value(text: str, local: datetime | None) -> str:
    """A timing cell as a GlucoseTiming value; blank is "other". A generic "before/after meal"
    picks the meal by the local clock time (before: < 11:00 breakfast, < 16:00 lunch; after:
    < 12:00 breakfast, < 17:00 lunch; later dinner). Anything else is passed on unchanged, for
    the form parser to refuse."""
    name = normalized_name(text)
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


# --- glucose source -------------------------------------------------------------------------------

_EXTRA_SOURCES = {
    "sensor": GlucoseSource.CGM,
    "sgv": GlucoseSource.CGM,  # Nightscout's entry types
    "mbg": GlucoseSource.METER,
    "bgm": GlucoseSource.METER,
    "glucometer": GlucoseSource.METER,
}


@cache
def _source_names() -> dict[str, GlucoseSource]:
    """Source values, their English and Korean labels, and a few common synonyms."""
    names = dict(_EXTRA_SOURCES)
    for source in GlucoseSource:
        names[normalized_name(source.value)] = source
        for catalogue in CATALOGUES.values():
            for key in (source.label_key, source.option_key):
                label = catalogue.get(key)
                if label:
                    names[normalized_name(label)] = source
    return names


def source_value(text: str) -> str:
    """A source cell as a GlucoseSource value; blank is "meter". Anything else is passed on
    unchanged, for the form parser to refuse."""
    name = normalized_name(text)
    if not name:
        return GlucoseSource.METER.value
    known = _source_names().get(name)
    return text if known is None else known.value
