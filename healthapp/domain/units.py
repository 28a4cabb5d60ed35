"""Blood-glucose units: conversion, display rounding and parsing of what people type.

Pure functions, no Reflex and no database.

Storage rule: a reading is stored once, canonically, in mg/dL as a float rounded to 3 decimals
(`to_mg_dl`). 1 mmol/L = 18.016 mg/dL (CLINICAL.md), so a value typed with one decimal in mmol/L
(e.g. 5.5) becomes an mg/dL value with at most 4 decimals (99.088); keeping 3 decimals loses at most
0.0005 mg/dL = 0.00003 mmol/L, far below the 0.05 mmol/L that would change the displayed tenth.
So "enter 5.5 mmol/L, save, edit, save" always shows 5.5 again, and whole mg/dL values are stored
exactly.

Display rule: mg/dL as a whole number, mmol/L with one decimal, both rounded half up
(`display_glucose`). All arithmetic goes through `Decimal` built from the float's shortest repr, so
binary floating point never decides a rounding.

Across units the resolutions differ (0.1 mmol/L is about 1.8 mg/dL), so a value typed in mg/dL and
shown in mmol/L cannot be re-derived from the shown text. `resolve_glucose_edit` keeps the stored
value when the text in an edit form still equals what was shown, so opening and saving a form
never drifts a reading, whatever unit it was entered in.
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from healthapp.domain.errors import ValidationError

# CLINICAL.md: mmol/L = mg/dL / 18.016.
MG_DL_PER_MMOL_L = Decimal("18.016")

# Plausibility limits for typed readings: data-entry guards, not clinical thresholds. Meters
# usually read 20-600 mg/dL; 10-1000 mg/dL (0.6-55.5 mmol/L) leaves room for laboratory values.
GLUCOSE_MIN_MG_DL = Decimal(10)
GLUCOSE_MAX_MG_DL = Decimal(1000)

_STORE_QUANTUM = Decimal("0.001")
_MG_DL_QUANTUM = Decimal(1)
_MMOL_L_QUANTUM = Decimal("0.1")

# Digits with at most one decimal separator, dot or comma: "5.5", "5,5", "99", "5.", ".5".
# No sign, exponent, grouping, "nan" or "inf"; ASCII digits only (after NFKC, full-width digits from
# an East Asian input method are ASCII).
_NUMBER_RE = re.compile(r"(?:\d+(?:[.,]\d*)?|[.,]\d+)", re.ASCII)
_MAX_NUMBER_LENGTH = 20

ERROR_NUMBER_INVALID = "error.number_invalid"
ERROR_VALUE_REQUIRED = "error.value_required"
ERROR_GLUCOSE_OUT_OF_RANGE = "error.glucose_out_of_range"
# Message keys this module raises; both catalogues must have them.
ERROR_KEYS: tuple[str, ...] = (
    ERROR_NUMBER_INVALID,
    ERROR_VALUE_REQUIRED,
    ERROR_GLUCOSE_OUT_OF_RANGE,
)


class GlucoseUnit(StrEnum):
    """Units a person can choose; the values are the UCUM codes used in FHIR exports."""

    MG_DL = "mg/dL"
    MMOL_L = "mmol/L"


def _decimal(value: float | int | Decimal) -> Decimal:
    """`value` as a Decimal, a float taken by its shortest repr (99.088, not 99.0879999...)."""
    if isinstance(value, bool):
        raise TypeError("a glucose value must be a number, not a bool")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        raise TypeError(f"a glucose value must be a number, not {type(value).__name__}")
    if not result.is_finite():
        raise ValueError("a glucose value must be finite")
    return result


def to_mg_dl(value: float | int | Decimal, unit: GlucoseUnit | str) -> float:
    """The canonical stored value: `value` in `unit`, as mg/dL rounded to 3 decimals."""
    amount = _decimal(value)
    if GlucoseUnit(unit) is GlucoseUnit.MMOL_L:
        amount *= MG_DL_PER_MMOL_L
    return float(amount.quantize(_STORE_QUANTUM, rounding=ROUND_HALF_UP))


def mg_dl_to_mmol_l(mg_dl: float | int | Decimal) -> float:
    """mg/dL to mmol/L without display rounding (for exports and calculations)."""
    return float(_decimal(mg_dl) / MG_DL_PER_MMOL_L)


def round_mg_dl(mg_dl: float | int | Decimal) -> int:
    """The whole mg/dL a reading is shown as (half up); classification uses the same number."""
    return int(_decimal(mg_dl).quantize(_MG_DL_QUANTUM, rounding=ROUND_HALF_UP))


def display_glucose(mg_dl: float | int | Decimal, unit: GlucoseUnit | str) -> Decimal:
    """The stored reading as shown in `unit`: whole mg/dL, or mmol/L to one decimal."""
    amount = _decimal(mg_dl)
    if GlucoseUnit(unit) is GlucoseUnit.MMOL_L:
        return (amount / MG_DL_PER_MMOL_L).quantize(_MMOL_L_QUANTUM, rounding=ROUND_HALF_UP)
    return amount.quantize(_MG_DL_QUANTUM, rounding=ROUND_HALF_UP)


def format_glucose(mg_dl: float | int | Decimal, unit: GlucoseUnit | str) -> str:
    """`display_glucose` as text with a dot separator: "99", "5.5" (no unit symbol)."""
    return str(display_glucose(mg_dl, unit))


def parse_number(text: str, *, field: str) -> Decimal:
    """A non-negative decimal number typed by a person, with a dot or a comma as separator.

    Raises ValidationError("error.value_required") for blank text and
    ValidationError("error.number_invalid") for anything that is not such a number.
    """
    cleaned = unicodedata.normalize("NFKC", text).strip()
    if not cleaned:
        raise ValidationError(ERROR_VALUE_REQUIRED, field=field)
    if len(cleaned) > _MAX_NUMBER_LENGTH or not _NUMBER_RE.fullmatch(cleaned):
        raise ValidationError(ERROR_NUMBER_INVALID, field=field)
    cleaned = cleaned.replace(",", ".")
    if cleaned.endswith("."):
        cleaned += "0"
    if cleaned.startswith("."):
        cleaned = "0" + cleaned
    return Decimal(cleaned)


def parse_glucose(text: str, unit: GlucoseUnit | str, *, field: str = "glucose") -> float:
    """A typed reading in `unit`, as the canonical stored mg/dL (see `to_mg_dl`).

    Raises ValidationError for blank text, non-numbers, and values outside the plausibility range
    (params `min`, `max` and `unit` are given in the person's unit).
    """
    unit = GlucoseUnit(unit)
    mg_dl = to_mg_dl(parse_number(text, field=field), unit)
    if not GLUCOSE_MIN_MG_DL <= _decimal(mg_dl) <= GLUCOSE_MAX_MG_DL:
        raise ValidationError(
            ERROR_GLUCOSE_OUT_OF_RANGE,
            field=field,
            min=format_glucose(GLUCOSE_MIN_MG_DL, unit),
            max=format_glucose(GLUCOSE_MAX_MG_DL, unit),
            unit=unit.value,
        )
    return mg_dl


def resolve_glucose_edit(
    text: str, unit: GlucoseUnit | str, stored_mg_dl: float, *, field: str = "glucose"
) -> float:
    """The value to store when an edit form for a saved reading is submitted.

    If the text still means what the form showed (`display_glucose` of the stored value, compared
    as numbers: "5,5" and "5.50" equal "5.5"), the stored value is kept as it is; otherwise the text
    is parsed like a new reading.
    """
    if math.isfinite(stored_mg_dl):
        try:
            typed = parse_number(text, field=field)
        except ValidationError:
            typed = None
        if typed is not None and typed == display_glucose(stored_mg_dl, unit):
            return stored_mg_dl
    return parse_glucose(text, unit, field=field)
