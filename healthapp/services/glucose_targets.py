"""The glycaemic targets of the settings form: typed in the person's glucose unit, stored in whole
mg/dL (the precision readings are judged at, domain.clinical.targets).

The target fields are read in the unit the form was shown in, which is the stored unit: a form
that also switches mg/dL to mmol/L was filled in with mg/dL numbers. Only the targets of the
chosen diabetes status are read (the others are hidden on the page and keep their stored values),
and a field the form does not send at all keeps its stored value too (API clients may send only
what they change).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from healthapp.domain.clinical import (
    ADA_AFTER_MEAL_BELOW,
    ADA_PRE_MEAL_HIGH,
    ADA_PRE_MEAL_LOW,
    GDM_FASTING_BELOW,
    GDM_ONE_HOUR_BELOW,
    GDM_TWO_HOURS_BELOW,
    TARGET_MAX_MG_DL,
    TARGET_MIN_MG_DL,
    DiabetesStatus,
)
from healthapp.domain.errors import ValidationError
from healthapp.domain.units import (
    GlucoseUnit,
    display_glucose,
    format_glucose,
    parse_number,
    round_mg_dl,
    to_mg_dl,
)
from healthapp.models import User
from healthapp.services import forms

ERROR_LOW_NOT_BELOW_HIGH = "error.target_low_not_below_high"

# form field -> (User column, ADA default in mg/dL)
ADA_FIELDS: dict[str, tuple[str, int]] = {
    "target_pre_meal_low": ("target_pre_meal_low_mg_dl", ADA_PRE_MEAL_LOW),
    "target_pre_meal_high": ("target_pre_meal_high_mg_dl", ADA_PRE_MEAL_HIGH),
    "target_after_meal": ("target_after_meal_mg_dl", ADA_AFTER_MEAL_BELOW),
}
GESTATIONAL_FIELDS: dict[str, tuple[str, int]] = {
    "gdm_target_fasting": ("gdm_target_fasting_mg_dl", GDM_FASTING_BELOW),
    "gdm_target_after_meal": ("gdm_target_after_meal_mg_dl", GDM_ONE_HOUR_BELOW),
}
ALL_FIELDS = {**ADA_FIELDS, **GESTATIONAL_FIELDS}


def fields_for(status: DiabetesStatus) -> dict[str, tuple[str, int]]:
    """The target fields a person with `status` sets (none without diabetes)."""
    if status is DiabetesStatus.GESTATIONAL:
        return GESTATIONAL_FIELDS
    return ADA_FIELDS if status.has_diabetes else {}


def target_form(user: User) -> dict[str, str]:
    """Every target field's text, in the person's unit."""
    unit = GlucoseUnit(user.glucose_unit)
    return {
        field: format_glucose(getattr(user, column), unit)
        for field, (column, _default) in ALL_FIELDS.items()
    }


def target_help_params(unit: GlucoseUnit) -> dict[str, dict[str, str]]:
    """Each target field's help-text parameters: its unit and ADA default in `unit`."""
    params = {
        field: {"unit": unit.value, "default": format_glucose(default, unit)}
        for field, (_column, default) in ALL_FIELDS.items()
    }
    params["gdm_target_after_meal"] |= {
        "one_hour": format_glucose(GDM_ONE_HOUR_BELOW, unit),
        "two_hours": format_glucose(GDM_TWO_HOURS_BELOW, unit),
    }
    return params


def _target(form: Mapping[str, Any], field: str, unit: GlucoseUnit, stored: int) -> int:
    typed = parse_number(forms.text(form, field), field=field)
    if typed == display_glucose(stored, unit):
        return stored  # unchanged text: no drift from mmol/L rounding
    mg_dl = round_mg_dl(to_mg_dl(typed, unit))
    if not TARGET_MIN_MG_DL <= mg_dl <= TARGET_MAX_MG_DL:
        raise ValidationError(
            "error.out_of_range",
            field=field,
            min=format_glucose(TARGET_MIN_MG_DL, unit),
            max=format_glucose(TARGET_MAX_MG_DL, unit),
            unit=unit.value,
        )
    return mg_dl


def parse_diabetes(form: Mapping[str, Any], user: User) -> tuple[DiabetesStatus, dict[str, int]]:
    """The chosen status (a form without the field keeps the stored one), and User column ->
    whole mg/dL for the targets of that status that the form sends. Raises ValidationError for a
    bad status, FormInvalid with every bad target."""
    status = (
        forms.choice(form, "diabetes_status", DiabetesStatus)
        if "diabetes_status" in form
        else DiabetesStatus(user.diabetes_status)
    )
    unit = GlucoseUnit(user.glucose_unit)
    fields = {name: spec for name, spec in fields_for(status).items() if name in form}
    values = forms.collect(
        {
            name: (
                lambda name=name, column=column: _target(form, name, unit, getattr(user, column))
            )
            for name, (column, _default) in fields.items()
        }
    )
    columns = {ALL_FIELDS[name][0]: value for name, value in values.items()}
    low = columns.get("target_pre_meal_low_mg_dl", user.target_pre_meal_low_mg_dl)
    high = columns.get("target_pre_meal_high_mg_dl", user.target_pre_meal_high_mg_dl)
    if status in {DiabetesStatus.TYPE1, DiabetesStatus.TYPE2} and low >= high:
        field = "target_pre_meal_low"
        raise forms.FormInvalid({field: ValidationError(ERROR_LOW_NOT_BELOW_HIGH, field=field)})
    return status, columns
