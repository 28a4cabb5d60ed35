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


def local_datetime(form: Mapping[str, Any], name: str, *, tz: ZoneInfo, now: datetime) -> datetime:
    """A `datetime-local` value ("2026-11-28T23:30") read in the user's zone, returned in UTC."""
    raw = text(form, name)
    if not raw:
        raise ValidationError("error.datetime_required", field=name)
    try:
        naive = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError("error.datetime_invalid", field=name) from exc
    if naive.tzinfo is not None or naive.date() < EARLIEST_DATE:
        raise ValidationError("error.datetime_invalid", field=name)
    value = naive.replace(tzinfo=tz).astimezone(ZoneInfo("UTC"))
    if value > now + CLOCK_SKEW:
        raise ValidationError("error.in_future", field=name)
    return value


def day_bounds(start: date | None, end: date | None, tz: ZoneInfo) -> tuple[datetime | None, ...]:
    """UTC instants of local midnight at `start` and of the midnight after `end` (a closed range
    of local days as a half-open UTC interval)."""
    utc = ZoneInfo("UTC")
    low = datetime.combine(start, time(), tz).astimezone(utc) if start else None
    high = datetime.combine(end + timedelta(days=1), time(), tz).astimezone(utc) if end else None
    return low, high


def to_local_input(value: datetime, tz: ZoneInfo) -> str:
    """The inverse of local_datetime, for filling an edit form."""
    return value.astimezone(tz).strftime("%Y-%m-%dT%H:%M")
