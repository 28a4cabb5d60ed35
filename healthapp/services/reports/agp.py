"""The ambulatory glucose profile of the signed-in user's last 14 local days (domain/stats/agp).

One query for the user's readings of the 14 local days ending today (owner-scoped by user id;
14 days of 5-minute CGM data is 4032 rows, capped at MAX_READINGS); the percentiles are taken
on the stored mg/dL and shown in the user's unit, rounded as readings are shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from healthapp.domain.stats import (
    AGP_DAYS,
    TARGET_HIGH_MG_DL,
    TARGET_LOW_MG_DL,
    BandShare,
    HourBin,
    hourly_profile,
    local_hour,
    time_in_ranges,
)
from healthapp.domain.stats.agp import MIN_DAYS
from healthapp.domain.units import display_glucose
from healthapp.models import Glucose
from healthapp.services.preferences import Preferences
from healthapp.services.reports.periods import day_span

MAX_READINGS = 20_000  # far above 14 days of CGM data: a bound, not a sample


@dataclass(frozen=True)
class Agp:
    start: date  # first local day of the window
    end: date  # last (today)
    readings: int
    days_with_data: int
    enough: bool  # readings on at least MIN_DAYS days: the profile and bands are meaningful
    unit: str
    target_low: float  # 70 and 180 mg/dL in the user's unit
    target_high: float
    bins: list[HourBin]  # in the user's unit
    bands: list[BandShare]


def _shown(value: float | None, unit: str) -> float | None:
    return None if value is None else float(display_glucose(value, unit))


def _in_unit(b: HourBin, unit: str) -> HourBin:
    return HourBin(b.hour, b.readings, _shown(b.p5, unit), _shown(b.p25, unit),
                   _shown(b.p50, unit), _shown(b.p75, unit), _shown(b.p95, unit))  # fmt: skip


def glucose_profile(db: Session, *, user_id: int, prefs: Preferences, today: date) -> Agp:
    """The AGP and time in ranges of local days today-13 .. today."""
    start = today - timedelta(days=AGP_DAYS - 1)
    low, high = day_span(start, today, prefs.tz)
    when = col(Glucose.measured_at)
    rows = db.exec(
        select(when, col(Glucose.mg_dl))
        .where(Glucose.user_id == user_id, when >= low, when < high)
        .order_by(when.desc())
        .limit(MAX_READINGS)
    ).all()
    tz, unit = prefs.tz, prefs.glucose_unit
    days = {at.astimezone(tz).date() for at, _ in rows}
    bins = hourly_profile((local_hour(at, tz), mg_dl) for at, mg_dl in rows)
    return Agp(
        start=start,
        end=today,
        readings=len(rows),
        days_with_data=len(days),
        enough=len(days) >= MIN_DAYS,
        unit=unit,
        target_low=float(display_glucose(TARGET_LOW_MG_DL, unit)),
        target_high=float(display_glucose(TARGET_HIGH_MG_DL, unit)),
        bins=[_in_unit(b, unit) for b in bins],
        bands=time_in_ranges(mg_dl for _, mg_dl in rows),
    )
