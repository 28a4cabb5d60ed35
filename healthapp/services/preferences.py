"""Per-user preferences that shape how records are entered and shown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from sqlmodel import Session

from healthapp.domain.clinical import (
    BPStandard,
    DiabetesStatus,
    GlucoseResult,
    GlucoseTargets,
    GlucoseTiming,
    HbA1cResult,
    ada_targets,
    classify_glucose,
    classify_hba1c,
    gestational_targets,
)
from healthapp.domain.errors import ValidationError
from healthapp.domain.units import GlucoseUnit
from healthapp.i18n import supported
from healthapp.services import forms, glucose_targets
from healthapp.services.ownership import existing_user

DEFAULT_TIMEZONE = "UTC"
WEIGHT_RANGE_KG = (Decimal(20), Decimal(400))
HBA1C_TARGET_RANGE = (Decimal("5.0"), Decimal("10.0"))


@cache
def timezone_names() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


@dataclass(frozen=True)
class Preferences:
    language: str
    glucose_unit: GlucoseUnit
    bp_standard_setting: str  # "" = follow the language
    timezone: str  # "" until learned from the browser
    weight_kg: float | None
    hba1c_target: float
    diabetes_status: DiabetesStatus
    # Whole mg/dL (see models.User): type 1 / type 2 targets, then the gestational ones.
    target_pre_meal_low_mg_dl: int
    target_pre_meal_high_mg_dl: int
    target_after_meal_mg_dl: int
    gdm_target_fasting_mg_dl: int
    gdm_target_after_meal_mg_dl: int

    @property
    def glucose_targets(self) -> GlucoseTargets | None:
        """The targets readings are judged against; None without diabetes (diagnostic ranges)."""
        if self.diabetes_status is DiabetesStatus.GESTATIONAL:
            return gestational_targets(
                self.gdm_target_fasting_mg_dl, self.gdm_target_after_meal_mg_dl
            )
        if self.diabetes_status.has_diabetes:
            return ada_targets(
                self.target_pre_meal_low_mg_dl,
                self.target_pre_meal_high_mg_dl,
                self.target_after_meal_mg_dl,
            )
        return None

    def classify_glucose(self, mg_dl: float, timing: GlucoseTiming | str) -> GlucoseResult:
        """A reading judged as this person's readings are: every service classifies through
        here, so the records list, reports and exports agree."""
        return classify_glucose(mg_dl, timing, self.glucose_targets)

    def classify_hba1c(self, percent: float) -> HbA1cResult:
        return classify_hba1c(
            percent, self.hba1c_target, has_diabetes=self.diabetes_status.has_diabetes
        )

    @property
    def bp_standard(self) -> BPStandard:
        if self.bp_standard_setting:
            return BPStandard(self.bp_standard_setting)
        return BPStandard.KSH if self.language == "ko" else BPStandard.ACC_AHA

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone or DEFAULT_TIMEZONE)


def get_preferences(db: Session, *, user_id: int) -> Preferences:
    user = existing_user(db, user_id)
    return Preferences(
        language=user.language,
        glucose_unit=GlucoseUnit(user.glucose_unit),
        bp_standard_setting=user.bp_standard,
        timezone=user.timezone,
        weight_kg=user.weight_kg,
        hba1c_target=user.hba1c_target,
        diabetes_status=DiabetesStatus(user.diabetes_status),
        target_pre_meal_low_mg_dl=user.target_pre_meal_low_mg_dl,
        target_pre_meal_high_mg_dl=user.target_pre_meal_high_mg_dl,
        target_after_meal_mg_dl=user.target_after_meal_mg_dl,
        gdm_target_fasting_mg_dl=user.gdm_target_fasting_mg_dl,
        gdm_target_after_meal_mg_dl=user.gdm_target_after_meal_mg_dl,
    )


def _timezone(form: Mapping[str, Any]) -> str:
    name = forms.text(form, "timezone")
    if name not in timezone_names():
        raise ValidationError("error.timezone_invalid", field="timezone")
    return name


def _bp_standard(form: Mapping[str, Any]) -> str:
    raw = forms.text(form, "bp_standard")
    return "" if raw in {"", "auto"} else forms.choice(form, "bp_standard", BPStandard).value


def update_preferences(db: Session, *, user_id: int, form: Mapping[str, Any]) -> Preferences:
    user = existing_user(db, user_id)
    values = forms.collect(
        {
            "glucose_unit": lambda: forms.choice(form, "glucose_unit", GlucoseUnit),
            "bp_standard": lambda: _bp_standard(form),
            "timezone": lambda: _timezone(form),
            "weight_kg": lambda: (
                forms.number(form, "weight_kg", low=WEIGHT_RANGE_KG[0], high=WEIGHT_RANGE_KG[1],
                             unit="kg")
                if forms.text(form, "weight_kg")
                else None
            ),
            "hba1c_target": lambda: forms.number(
                form, "hba1c_target", low=HBA1C_TARGET_RANGE[0], high=HBA1C_TARGET_RANGE[1],
                unit="%",
            ),
            "language": lambda: supported(forms.text(form, "language")),
            "diabetes": lambda: glucose_targets.parse_diabetes(form, user),
        }
    )  # fmt: skip
    status, targets = values["diabetes"]
    user.diabetes_status = status
    for column, mg_dl in targets.items():
        setattr(user, column, mg_dl)
    user.glucose_unit = values["glucose_unit"].value
    user.bp_standard = values["bp_standard"]
    user.timezone = values["timezone"]
    user.weight_kg = float(values["weight_kg"]) if values["weight_kg"] is not None else None
    user.hba1c_target = float(values["hba1c_target"])
    user.language = values["language"]
    db.add(user)
    db.flush()
    return get_preferences(db, user_id=user_id)


def learn_timezone(db: Session, *, user_id: int, name: str) -> None:
    """Adopt the browser's zone the first time we hear it; a zone the user chose stays."""
    user = existing_user(db, user_id)
    if not user.timezone and name in timezone_names():
        user.timezone = name
        db.add(user)
