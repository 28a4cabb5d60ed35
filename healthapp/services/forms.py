"""Parsing what people type into record forms: every field checked, every error kept.

A form is a mapping of field name to text, as a browser or an API client sends it. Parsers raise
ValidationError for their own field; `collect` runs them all so a form with three bad values gets
three messages at once, and nothing is saved.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from healthapp.domain.errors import ServiceError, ValidationError
from healthapp.domain.units import parse_number

E = TypeVar("E", bound=StrEnum)

# A device clock a little ahead of the server's should not make a fresh reading "in the future".
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST_DATE = date(1900, 1, 1)
NOTE_MAX_LENGTH = 500


class FormInvalid(ServiceError):
    """One or more fields are wrong; `errors` maps each field to its ValidationError."""

    def __init__(self, errors: Mapping[str, ValidationError]) -> None:
        super().__init__("error.form_invalid")
        self.errors = dict(errors)


def text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    return "" if value is None else unicodedata.normalize("NFKC", str(value)).strip()


def collect(parsers: Mapping[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run every parser; return their values by name, or raise FormInvalid with all errors."""
    values: dict[str, Any] = {}
    errors: dict[str, ValidationError] = {}
    for name, parse in parsers.items():
        try:
            values[name] = parse()
        except FormInvalid as exc:
            errors.update(exc.errors)
        except ValidationError as exc:
            errors[exc.field or name] = exc
    if errors:
        raise FormInvalid(errors)
    return values


def number(
    form: Mapping[str, Any], name: str, *, low: Decimal | int, high: Decimal | int, unit: str = ""
) -> Decimal:
    value = parse_number(text(form, name), field=name)
    if not low <= value <= high:
        raise ValidationError("error.out_of_range", field=name, min=low, max=high, unit=unit)
    return value


def integer(
    form: Mapping[str, Any],
    name: str,
    *,
    low: int,
    high: int,
    unit: str = "",
    required: bool = True,
) -> int | None:
    raw = text(form, name)
    if not raw and not required:
        return None
    value = number(form, name, low=low, high=high, unit=unit)
    if value != value.to_integral_value():
        raise ValidationError("error.whole_number", field=name)
    return int(value)


def choice(form: Mapping[str, Any], name: str, enum: type[E]) -> E:
    raw = text(form, name)
    if not raw:
        raise ValidationError("error.choice_required", field=name)
    try:
        return enum(raw)
    except ValueError as exc:
        raise ValidationError("error.choice_invalid", field=name) from exc


def note(form: Mapping[str, Any], name: str = "note") -> str:
    value = text(form, name)
    if len(value) > NOTE_MAX_LENGTH:
        raise ValidationError("error.note_too_long", field=name, max=NOTE_MAX_LENGTH)
    return value


def local_date(form: Mapping[str, Any], name: str, *, tz: ZoneInfo, now: datetime) -> date:
    raw = text(form, name)
    if not raw:
        raise ValidationError("error.date_required", field=name)
    try:
        value = date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError("error.date_invalid", field=name) from exc
    if value > (now + CLOCK_SKEW).astimezone(tz).date():
        raise ValidationError("error.in_future", field=name)
    if value < EARLIEST_DATE:
        raise ValidationError("error.date_invalid", field=name)
    return value


def local_datetime(
    form: Mapping[str, Any],
    name: str,
    *,
    tz: ZoneInfo,
    now: datetime,
    stored: datetime | None = None,
) -> datetime:
    """A `datetime-local` value ("2026-11-28T23:30") read in the user's zone, returned in UTC;
    a value with an offset ("2026-11-28T23:30:05+09:00", what API clients send) is that instant.

    A wall time that occurs twice (the hour a fall-back repeats) is read as its first
    occurrence (fold 0), always. When editing, `stored` is the row's instant: if the typed text
    is exactly what the edit form showed for it (`to_local_input`), the stored instant is kept,
    so re-saving an unchanged 01:30 EST reading does not move it to 01:30 EDT (or drop its
    seconds)."""
    raw = text(form, name)
    if not raw:
        raise ValidationError("error.datetime_required", field=name)
    try:
        naive = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError("error.datetime_invalid", field=name) from exc
    if naive.tzinfo is not None:  # an instant with its offset (the REST API): no wall time
        return _instant(naive, name, now)
    if naive.date() < EARLIEST_DATE:
        raise ValidationError("error.datetime_invalid", field=name)
    if stored is not None and naive == _shown(stored, tz):
        return stored
    # A coarse wall-clock bound first: converting 9999-12-31T23:30 west of UTC overflows
    # datetime (OverflowError); within a day of now the conversion below is always safe.
    latest_wall = (now + CLOCK_SKEW).astimezone(tz).replace(tzinfo=None)
    if naive > latest_wall + timedelta(days=1):
        raise ValidationError("error.in_future", field=name)
    value = naive.replace(tzinfo=tz, fold=0).astimezone(ZoneInfo("UTC"))
    if value > now + CLOCK_SKEW:
        raise ValidationError("error.in_future", field=name)
    return value


def _instant(value: datetime, name: str, now: datetime) -> datetime:
    try:
        utc = value.astimezone(ZoneInfo("UTC"))
    except OverflowError:
        raise ValidationError("error.datetime_invalid", field=name) from None
    if utc.date() < EARLIEST_DATE:
        raise ValidationError("error.datetime_invalid", field=name)
    if utc > now + CLOCK_SKEW:
        raise ValidationError("error.in_future", field=name)
    return utc


def _utc_midnight(day: date, tz: ZoneInfo) -> datetime | None:
    """The UTC instant local `day` begins; None where that instant is outside datetime's range
    (date.min east of UTC, the day after date.max): no bound is needed there."""
    try:
        return datetime.combine(day, time(), tz).astimezone(ZoneInfo("UTC"))
    except OverflowError:
        return None


def day_bounds(start: date | None, end: date | None, tz: ZoneInfo) -> tuple[datetime | None, ...]:
    """UTC instants of local midnight at `start` and of the midnight after `end` (a closed range
    of local days as a half-open UTC interval). A bound outside datetime's range (a typed
    9999-12-31) is None: nothing lies beyond it."""
    low = _utc_midnight(start, tz) if start else None
    high = None
    if end and end < date.max:
        high = _utc_midnight(end + timedelta(days=1), tz)
    return low, high


def keep_shown(value: datetime, stored: datetime, tz: ZoneInfo) -> datetime:
    """`stored` when `value` (read by local_datetime) is the wall time the edit form showed for
    it, else `value`: for edit paths that validate the form before they load the row."""
    return stored if _shown(value, tz) == _shown(stored, tz) else value


def _shown(value: datetime, tz: ZoneInfo) -> datetime:
    """The wall time the edit form shows for `value` (to the minute, fold dropped)."""
    return value.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0, fold=0)


def to_local_input(value: datetime, tz: ZoneInfo) -> str:
    """The inverse of local_datetime, for filling an edit form."""
    return value.astimezone(tz).strftime("%Y-%m-%dT%H:%M")
