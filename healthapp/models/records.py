"""Health records: blood pressure, blood glucose, HbA1c and exercise. One row per reading."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from healthapp.domain.clinical import GlucoseTiming
from healthapp.domain.exercise import ExerciseKind, Intensity
from healthapp.models.base import enum_check, enum_field, user_fk, utc_column

NOTE_MAX_LENGTH = 500


class RecordBase(SQLModel):
    """What every health record table has: an owner, a note and its timestamps."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = user_fk(index=False)
    note: str = Field(default="", max_length=NOTE_MAX_LENGTH)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class BloodPressure(RecordBase, table=True):
    __tablename__ = "blood_pressure"  # type: ignore[assignment]  # sqlmodel#98
    __table_args__ = (sa.Index("ix_blood_pressure_user_time", "user_id", "measured_at"),)

    measured_at: datetime = utc_column()
    systolic: int
    diastolic: int
    pulse: int | None = None


class GlucoseSource(StrEnum):
    """Where a reading came from: a finger-stick meter, or a continuous glucose monitor
    (interstitial, every few minutes, through a Nightscout uploader)."""

    METER = "meter"
    CGM = "cgm"

    @property
    def label_key(self) -> str:
        """The short label the records list and the dashboard show ("CGM", "Meter")."""
        return f"glucose.source.{self.value}"

    @property
    def option_key(self) -> str:
        """The entry form's wording of the choice ("CGM (sensor)")."""
        return f"glucose.source_option.{self.value}"


class Glucose(RecordBase, table=True):
    __tablename__ = "glucose"  # type: ignore[assignment]  # sqlmodel#98
    __table_args__ = (
        sa.Index("ix_glucose_user_time", "user_id", "measured_at"),
        enum_check("glucose", "timing", GlucoseTiming),
        enum_check("glucose", "source", GlucoseSource),
    )

    measured_at: datetime = utc_column()
    # Canonical unit, 3 decimals (see domain/units.py): typed mmol/L values never drift.
    mg_dl: float
    timing: GlucoseTiming = enum_field(GlucoseTiming, max_length=24)
    source: GlucoseSource = enum_field(GlucoseSource, max_length=8, default=GlucoseSource.METER)


class HbA1c(RecordBase, table=True):
    __tablename__ = "hba1c"  # type: ignore[assignment]  # sqlmodel#98
    __table_args__ = (sa.Index("ix_hba1c_user_day", "user_id", "measured_on"),)

    # A laboratory result belongs to a calendar day, not an instant.
    measured_on: date
    percent: float


class Exercise(RecordBase, table=True):
    __tablename__ = "exercise"  # type: ignore[assignment]  # sqlmodel#98
    __table_args__ = (
        sa.Index("ix_exercise_user_time", "user_id", "started_at"),
        enum_check("exercise", "kind", ExerciseKind),
        enum_check("exercise", "intensity", Intensity),
    )

    started_at: datetime = utc_column()
    kind: ExerciseKind = enum_field(ExerciseKind, max_length=24)
    duration_min: int
    intensity: Intensity = enum_field(Intensity, max_length=16)
    # Computed when saved, from the body weight the user had set then; None without a weight.
    energy_kcal: float | None = None
