"""Health records (blood pressure, glucose, HbA1c, exercise): validate, classify, store, list.

Every function takes the signed-in user's id and touches only that user's rows: a record id from
the browser that belongs to someone else is reported as not found, exactly like a missing one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from healthapp.db import insert_row, utcnow
from healthapp.domain.clinical import (
    BPResult,
    GlucoseResult,
    GlucoseTiming,
    classify_bp,
)
from healthapp.domain.errors import ValidationError
from healthapp.domain.exercise import ExerciseKind, Intensity, energy_kcal
from healthapp.domain.units import format_glucose, parse_glucose, resolve_glucose_edit
from healthapp.models import BloodPressure, Exercise, Glucose, GlucoseSource, HbA1c
from healthapp.models.records import RecordBase
from healthapp.services import forms, ranking
from healthapp.services.ownership import owned
from healthapp.services.preferences import Preferences

PAGE_SIZE = 20
# Physiologically plausible ranges: typing errors, not clinical judgement.
SYSTOLIC_RANGE = (50, 300)
DIASTOLIC_RANGE = (30, 200)
PULSE_RANGE = (20, 300)
HBA1C_RANGE = (Decimal(3), Decimal(20))
EXERCISE_MINUTES_RANGE = (1, 1440)

Row = dict[str, str]


@dataclass(frozen=True)
class RecordKind:
    name: str
    model: type[RecordBase]
    time_field: str
    # form -> column values; `current` is the stored row when editing, else None.
    parse: Callable[[Mapping[str, Any], Preferences, datetime, Any], dict[str, Any]]
    # stored row -> what the list shows (catalogue keys, not translated text)
    view: Callable[[Any, Preferences], Row]
    # stored row -> the edit form's initial text
    to_form: Callable[[Any, Preferences], dict[str, str]]

    @property
    def time_column(self) -> Any:
        return getattr(self.model, self.time_field)


def _when(value: datetime, prefs: Preferences) -> Row:
    """The list's day and time columns, in the user's zone."""
    local = value.astimezone(prefs.tz)
    return {"day": local.date().isoformat(), "time": local.strftime("%H:%M")}


def _time(
    form: Mapping[str, Any], name: str, prefs: Preferences, now: datetime, current: Any
) -> datetime:
    """The form's time field; an edit that leaves it as shown keeps the stored instant (an
    ambiguous fall-back hour would otherwise move by an hour on every re-save)."""
    stored = None if current is None else getattr(current, name)
    return forms.local_datetime(form, name, tz=prefs.tz, now=now, stored=stored)


def _judged(result: BPResult | GlucoseResult) -> Row:
    """The list's level, label and alert columns of a classified reading."""
    return {
        "level": result.level.value,
        "label_key": result.label_key,
        "alert_key": result.alert_key or "",
    }


# --- blood pressure ---------------------------------------------------------------------------


def _parse_bp(
    form: Mapping[str, Any], prefs: Preferences, now: datetime, current: BloodPressure | None
) -> dict[str, Any]:
    values = forms.collect(
        {
            "measured_at": lambda: _time(form, "measured_at", prefs, now, current),
            "systolic": lambda: forms.integer(form, "systolic", low=SYSTOLIC_RANGE[0],
                                              high=SYSTOLIC_RANGE[1], unit="mmHg"),
            "diastolic": lambda: forms.integer(form, "diastolic", low=DIASTOLIC_RANGE[0],
                                               high=DIASTOLIC_RANGE[1], unit="mmHg"),
            "pulse": lambda: forms.integer(form, "pulse", low=PULSE_RANGE[0],
                                           high=PULSE_RANGE[1], unit="/min", required=False),
            "note": lambda: forms.note(form),
        }
    )  # fmt: skip
    if values["systolic"] <= values["diastolic"]:
        raise forms.FormInvalid(
            {"diastolic": ValidationError("error.diastolic_not_below_systolic", field="diastolic")}
        )
    return values


def _view_bp(row: BloodPressure, prefs: Preferences) -> Row:
    result = classify_bp(row.systolic, row.diastolic, prefs.bp_standard)
    return {
        "value_key": "records.value.bp_pulse" if row.pulse else "records.value.bp",
        "systolic": str(row.systolic),
        "diastolic": str(row.diastolic),
        "pulse": str(row.pulse or ""),
        "context_key": prefs.bp_standard.label_key,
        **_judged(result),
        **_when(row.measured_at, prefs),
    }


def _form_bp(row: BloodPressure, prefs: Preferences) -> dict[str, str]:
    return {
        "measured_at": forms.to_local_input(row.measured_at, prefs.tz),
        "systolic": str(row.systolic),
        "diastolic": str(row.diastolic),
        "pulse": "" if row.pulse is None else str(row.pulse),
    }


# --- glucose ----------------------------------------------------------------------------------

ERROR_SOURCE_INVALID = "error.glucose_source_invalid"


def _source(form: Mapping[str, Any], current: Glucose | None) -> str:
    """Meter or CGM. A form without the field (a REST client, a CSV file without the column)
    gets a meter reading when new and keeps the stored source when editing; a value that is
    sent must be one of GlucoseSource (any letter case)."""
    if form.get("source") is None:
        return GlucoseSource.METER.value if current is None else GlucoseSource(current.source).value
    try:
        return GlucoseSource(forms.text(form, "source").lower()).value
    except ValueError:
        raise ValidationError(ERROR_SOURCE_INVALID, field="source") from None


def _parse_glucose(
    form: Mapping[str, Any], prefs: Preferences, now: datetime, current: Glucose | None
) -> dict[str, Any]:
    def value() -> float:
        typed = forms.text(form, "value")
        if current is not None:  # unchanged text keeps the stored value: no drift on edit
            return resolve_glucose_edit(typed, prefs.glucose_unit, current.mg_dl, field="value")
        return parse_glucose(typed, prefs.glucose_unit, field="value")

    return forms.collect(
        {
            "measured_at": lambda: _time(form, "measured_at", prefs, now, current),
            "mg_dl": value,
            "timing": lambda: forms.choice(form, "timing", GlucoseTiming).value,
            "source": lambda: _source(form, current),
            "note": lambda: forms.note(form),
        }
    )


def _view_glucose(row: Glucose, prefs: Preferences) -> Row:
    result = prefs.classify_glucose(row.mg_dl, row.timing)
    return {
        "value_key": "records.value.glucose",
        "glucose": format_glucose(row.mg_dl, prefs.glucose_unit),
        "glucose_unit": prefs.glucose_unit.value,
        "context_key": GlucoseTiming(row.timing).label_key,
        "source": GlucoseSource(row.source).value,
        "source_key": GlucoseSource(row.source).label_key,
        **_judged(result),
        **_when(row.measured_at, prefs),
    }


def _form_glucose(row: Glucose, prefs: Preferences) -> dict[str, str]:
    return {
        "measured_at": forms.to_local_input(row.measured_at, prefs.tz),
        "value": format_glucose(row.mg_dl, prefs.glucose_unit),
        "timing": row.timing,
        "source": GlucoseSource(row.source).value,
    }


# --- HbA1c ------------------------------------------------------------------------------------


def _parse_hba1c(
    form: Mapping[str, Any], prefs: Preferences, now: datetime, _current: Any
) -> dict[str, Any]:
    return forms.collect(
        {
            "measured_on": lambda: forms.local_date(form, "measured_on", tz=prefs.tz, now=now),
            "percent": lambda: float(
                forms.number(form, "percent", low=HBA1C_RANGE[0], high=HBA1C_RANGE[1], unit="%")
            ),
            "note": lambda: forms.note(form),
        }
    )


def _view_hba1c(row: HbA1c, prefs: Preferences) -> Row:
    result = prefs.classify_hba1c(row.percent)
    return {
        "value_key": "records.value.hba1c",
        "percent": f"{row.percent:g}",
        "context_key": "",
        "level": result.level.value,
        "label_key": result.label_key,
        "alert_key": "clinical.hba1c.above_target" if result.above_target else "",
        "target": f"{prefs.hba1c_target:g}",
        "day": row.measured_on.isoformat(),
        "time": "",
    }


def _form_hba1c(row: HbA1c, _prefs: Preferences) -> dict[str, str]:
    return {"measured_on": row.measured_on.isoformat(), "percent": f"{row.percent:g}"}


# --- exercise ---------------------------------------------------------------------------------


def _parse_exercise(
    form: Mapping[str, Any], prefs: Preferences, now: datetime, current: Exercise | None
) -> dict[str, Any]:
    values = forms.collect(
        {
            "started_at": lambda: _time(form, "started_at", prefs, now, current),
            "kind": lambda: forms.choice(form, "kind", ExerciseKind).value,
            "duration_min": lambda: forms.integer(
                form, "duration_min", low=EXERCISE_MINUTES_RANGE[0],
                high=EXERCISE_MINUTES_RANGE[1], unit="min",
            ),
            "intensity": lambda: forms.choice(form, "intensity", Intensity).value,
            "note": lambda: forms.note(form),
        }
    )  # fmt: skip
    kcal = energy_kcal(values["kind"], values["intensity"], values["duration_min"], prefs.weight_kg)
    values["energy_kcal"] = None if kcal is None else round(kcal, 1)
    return values


def _view_exercise(row: Exercise, prefs: Preferences) -> Row:
    kcal = "" if row.energy_kcal is None else str(math.floor(row.energy_kcal + 0.5))
    return {
        "value_key": "records.value.exercise_kcal" if kcal else "records.value.exercise",
        "minutes": str(row.duration_min),
        "kcal": kcal,
        "context_key": ExerciseKind(row.kind).label_key,
        "level": "",
        "label_key": Intensity(row.intensity).label_key,
        "alert_key": "",
        **_when(row.started_at, prefs),
    }


def _form_exercise(row: Exercise, prefs: Preferences) -> dict[str, str]:
    return {
        "started_at": forms.to_local_input(row.started_at, prefs.tz),
        "kind": row.kind,
        "duration_min": str(row.duration_min),
        "intensity": row.intensity,
    }


KINDS: dict[str, RecordKind] = {
    kind.name: kind
    for kind in (
        RecordKind("bp", BloodPressure, "measured_at", _parse_bp, _view_bp, _form_bp),
        RecordKind("glucose", Glucose, "measured_at", _parse_glucose, _view_glucose,
                   _form_glucose),
        RecordKind("hba1c", HbA1c, "measured_on", _parse_hba1c, _view_hba1c, _form_hba1c),
        RecordKind("exercise", Exercise, "started_at", _parse_exercise, _view_exercise,
                   _form_exercise),
    )
}  # fmt: skip


def kind_spec(name: str) -> RecordKind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown record kind {name!r}") from None


def create_record(
    db: Session,
    *,
    user_id: int,
    kind: str,
    form: Mapping[str, Any],
    prefs: Preferences,
    now: datetime | None = None,
    at_now: bool = False,
) -> Any:
    """A new record. With `at_now` (the person left the time as the form showed it) the
    record is stamped with `now`, the moment of saving, not the time the page was loaded."""
    spec = kind_spec(kind)
    now = now or utcnow()
    values = spec.parse(form, prefs, now, None)
    if at_now:
        stamp = now.astimezone(prefs.tz).date() if spec.time_field == "measured_on" else now
        values[spec.time_field] = stamp
    row = insert_row(db, spec.model, {"user_id": user_id, **values})
    ranking.ranks_changed(db, user_id=user_id, prefs=prefs)
    return row


def update_record(
    db: Session,
    *,
    user_id: int,
    kind: str,
    record_id: int,
    form: Mapping[str, Any],
    prefs: Preferences,
    now: datetime | None = None,
) -> Any:
    """Change a record in place (same id); fields that fail validation leave it untouched."""
    spec = kind_spec(kind)
    row = owned(db, spec.model, record_id, user_id=user_id)
    values = spec.parse(form, prefs, now or utcnow(), row)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = utcnow()
    db.add(row)
    db.flush()
    ranking.ranks_changed(db, user_id=user_id, prefs=prefs)
    return row


def delete_record(db: Session, *, user_id: int, kind: str, record_id: int) -> None:
    spec = kind_spec(kind)
    db.delete(owned(db, spec.model, record_id, user_id=user_id))
    db.flush()
    ranking.ranks_changed(db, user_id=user_id)


def edit_form(
    db: Session, *, user_id: int, kind: str, record_id: int, prefs: Preferences
) -> dict[str, str]:
    """The text an edit form starts with for one of the user's records."""
    spec = kind_spec(kind)
    row = owned(db, spec.model, record_id, user_id=user_id)
    return {**spec.to_form(row, prefs), "note": row.note}
