"""The ambulatory glucose profile (AGP) and the five time-in-range bands. Pure functions.

AGP (International Consensus on Time in Range, Battelino et al., Diabetes Care 2019;42:1593):
the readings of the last 14 days laid over one day by local clock time, in hourly bins; for each
bin the median and the 5th, 25th, 75th and 95th percentiles (linear interpolation, NumPy's
default, `ranks.percentile`). A reading belongs to the hour its local wall clock shows, so on a
daylight-saving change the repeated hour (autumn) holds the readings of both passes and the
skipped hour (spring) none of that day's. A bin with fewer than MIN_READINGS_PER_BIN readings
gets no percentiles (a gap, not a line through two points); the whole profile needs readings on
at least MIN_DAYS of the 14 days (the consensus asks for 70 % of 14 days of CGM data), else it is
not drawn and the page says how much there is.

Time in ranges, as percent of readings, each reading in the band of the whole mg/dL it is shown
as (half up, as in `glucose`): very low < 54, low 54-69, in range 70-180, high 181-250, very
high > 250 mg/dL. The five shares add up to 100: exact shares, and whole percents by the
largest-remainder rule (rounding each alone can give 99 or 101).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from healthapp.domain.stats.glucose import (
    ABOVE_180_FROM,
    ABOVE_250_FROM,
    BELOW_54_UNDER,
    BELOW_70_UNDER,
)
from healthapp.domain.stats.ranks import percentile

AGP_DAYS = 14
MIN_DAYS = 10  # 70 % of AGP_DAYS
MIN_READINGS_PER_BIN = 5
HOURS = 24
PERCENTILES = (5, 25, 50, 75, 95)


class Band(StrEnum):
    """A time-in-range band (catalogue key: agp.band.<value>), lowest first."""

    VERY_LOW = "very_low"
    LOW = "low"
    IN_RANGE = "in_range"
    HIGH = "high"
    VERY_HIGH = "very_high"


def band_of(mg_dl: float) -> Band:
    if mg_dl < BELOW_54_UNDER:
        return Band.VERY_LOW
    if mg_dl < BELOW_70_UNDER:
        return Band.LOW
    if mg_dl < ABOVE_180_FROM:
        return Band.IN_RANGE
    if mg_dl < ABOVE_250_FROM:
        return Band.HIGH
    return Band.VERY_HIGH


@dataclass(frozen=True)
class BandShare:
    band: Band
    readings: int
    share: float  # exact percent of all readings
    percent: int  # whole percent; the five add up to 100


def whole_percents(counts: Sequence[int]) -> list[int]:
    """Whole percents of `counts` that add up to 100 (largest remainder; ties to the first);
    all 0 for no counts."""
    total = sum(counts)
    if total == 0:
        return [0] * len(counts)
    exact = [100 * c / total for c in counts]
    floors = [math.floor(x) for x in exact]
    order = sorted(range(len(counts)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[: 100 - sum(floors)]:
        floors[i] += 1
    return floors


def time_in_ranges(values_mg_dl: Iterable[float]) -> list[BandShare]:
    """The five bands, lowest first."""
    counts = dict.fromkeys(Band, 0)
    for value in values_mg_dl:
        counts[band_of(value)] += 1
    total = sum(counts.values())
    whole = whole_percents(list(counts.values()))
    return [
        BandShare(band, n, 100 * n / total if total else 0.0, pct)
        for (band, n), pct in zip(counts.items(), whole, strict=True)
    ]


def local_hour(at: datetime, tz: ZoneInfo) -> int:
    """The hour (0-23) the local wall clock shows at the aware moment `at`."""
    return at.astimezone(tz).hour


@dataclass(frozen=True)
class HourBin:
    hour: int  # 0-23, local clock
    readings: int
    # p5, p25, median, p75, p95 in the values' unit; None below MIN_READINGS_PER_BIN
    p5: float | None
    p25: float | None
    p50: float | None
    p75: float | None
    p95: float | None


def hourly_profile(
    readings: Iterable[tuple[int, float]], *, min_per_bin: int = MIN_READINGS_PER_BIN
) -> list[HourBin]:
    """24 bins of (local hour, value) readings, hour 0 first."""
    by_hour: list[list[float]] = [[] for _ in range(HOURS)]
    for hour, value in readings:
        if not 0 <= hour < HOURS:
            raise ValueError(f"hour must be within 0-23, got {hour}")
        by_hour[hour].append(value)
    bins = []
    for hour, values in enumerate(by_hour):
        if len(values) < min_per_bin:
            bins.append(HourBin(hour, len(values), None, None, None, None, None))
            continue
        p5, p25, p50, p75, p95 = (percentile(values, p) for p in PERCENTILES)
        bins.append(HourBin(hour, len(values), p5, p25, p50, p75, p95))
    return bins
