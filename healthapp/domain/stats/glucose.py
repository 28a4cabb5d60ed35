"""Glucose statistics of a period's readings (CLINICAL.md).

- mean, SD (sample, n - 1), CV = SD / mean (<= 36 % is the usual stability target);
- time in range bands (Battelino et al., Diabetes Care 2019) as shares of readings: in range
  70-180, below 70, below 54, above 180, above 250 mg/dL. A reading falls in the band of the
  whole mg/dL it is shown as (half up, like `clinical.classify_glucose`), so 69.5 counts as 70
  (in range) and 180.5 as 181 (above 180). Below 54 is part of below 70, above 250 part of above
  180, and in range + below 70 + above 180 = all readings.
- GMI (%) = 3.31 + 0.02392 x mean mg/dL (Bergenstal et al., Diabetes Care 2018). GMI is defined
  for at least 14 days of CGM data (>= 70 % sensor wear). Fingerstick readings are far sparser and
  are taken at chosen moments, so GMI is only given with at least GMI_MIN_READINGS (14) readings
  whose first and last fall at least GMI_MIN_SPAN_DAYS (7) local calendar days apart, counting
  both (Monday and Sunday of one week qualify). A single day never gets a GMI. Otherwise it is
  None with `gmi_reason` "too_few_readings" or "too_short_span".
- pre-meal average: fasting and before breakfast/lunch/dinner; post-meal: after breakfast/lunch/
  dinner. Bedtime and other readings are in neither.
- eAG (mg/dL) = 28.7 x HbA1c - 46.7 (Nathan et al., Diabetes Care 2008).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from healthapp.domain.clinical import PRE_MEAL_TIMINGS, GlucoseTiming
from healthapp.domain.stats.basics import mean_of, sample_sd, share_pct

# --- glucose bands: the stored mg/dL compared so that the whole mg/dL shown decides ------------
TARGET_LOW_MG_DL = 70  # time in range 70-180 (Battelino 2019)
TARGET_HIGH_MG_DL = 180
BELOW_54_UNDER = 53.5  # shown as < 54
BELOW_70_UNDER = 69.5  # shown as < 70
ABOVE_180_FROM = 180.5  # shown as > 180
ABOVE_250_FROM = 250.5  # shown as > 250

GMI_MIN_READINGS = 14
GMI_MIN_SPAN_DAYS = 7
GMI_INTERCEPT = 3.31
GMI_SLOPE = 0.02392
EAG_SLOPE = 28.7
EAG_INTERCEPT = -46.7

POST_MEAL_TIMINGS: frozenset[GlucoseTiming] = frozenset(
    {GlucoseTiming.AFTER_BREAKFAST, GlucoseTiming.AFTER_LUNCH, GlucoseTiming.AFTER_DINNER}
)


@dataclass(frozen=True)
class GlucoseReading:
    measured_at: datetime  # timezone-aware
    mg_dl: float
    timing: str = GlucoseTiming.OTHER.value


@dataclass(frozen=True)
class GlucoseSums:
    """What a period's readings add up to; SQL builds this in services.reports."""

    count: int = 0
    total: float = 0.0  # sum of mg/dL
    total_sq: float = 0.0  # sum of mg/dL squared
    min_mg_dl: float | None = None
    max_mg_dl: float | None = None
    below_54: int = 0
    below_70: int = 0
    above_180: int = 0
    above_250: int = 0
    pre_meal_count: int = 0
    pre_meal_total: float = 0.0
    post_meal_count: int = 0
    post_meal_total: float = 0.0
    first_day: date | None = None  # local calendar day of the first reading
    last_day: date | None = None  # ... and of the last


def glucose_sums(readings: Iterable[GlucoseReading], tz: ZoneInfo) -> GlucoseSums:
    """The sums of `readings` (any order), with days in `tz`."""
    rows = list(readings)
    if not rows:
        return GlucoseSums()
    values = [r.mg_dl for r in rows]
    pre = [r.mg_dl for r in rows if GlucoseTiming(r.timing) in PRE_MEAL_TIMINGS]
    post = [r.mg_dl for r in rows if GlucoseTiming(r.timing) in POST_MEAL_TIMINGS]
    days = [r.measured_at.astimezone(tz).date() for r in rows]
    return GlucoseSums(
        count=len(values),
        total=sum(values),
        total_sq=sum(v * v for v in values),
        min_mg_dl=min(values),
        max_mg_dl=max(values),
        below_54=sum(v < BELOW_54_UNDER for v in values),
        below_70=sum(v < BELOW_70_UNDER for v in values),
        above_180=sum(v >= ABOVE_180_FROM for v in values),
        above_250=sum(v >= ABOVE_250_FROM for v in values),
        pre_meal_count=len(pre),
        pre_meal_total=sum(pre),
        post_meal_count=len(post),
        post_meal_total=sum(post),
        first_day=min(days),
        last_day=max(days),
    )


@dataclass(frozen=True)
class GlucoseStats:
    count: int
    mean_mg_dl: float | None
    sd_mg_dl: float | None  # sample SD; None below 2 readings
    cv_pct: float | None  # 100 x SD / mean
    min_mg_dl: float | None
    max_mg_dl: float | None
    in_range_pct: float | None  # 70-180 mg/dL
    below_70_pct: float | None
    below_54_pct: float | None
    above_180_pct: float | None
    above_250_pct: float | None
    in_range_count: int
    below_70_count: int
    below_54_count: int
    above_180_count: int
    above_250_count: int
    span_days: int  # local calendar days from the first to the last reading, both counted
    gmi_pct: float | None
    gmi_reason: str  # "" when gmi_pct is given, else too_few_readings | too_short_span
    pre_meal_count: int
    pre_meal_mean_mg_dl: float | None
    post_meal_count: int
    post_meal_mean_mg_dl: float | None


def gmi_percent(mean_mg_dl: float) -> float:
    """Glucose management indicator (%) from a mean glucose in mg/dL (Bergenstal 2018)."""
    return GMI_INTERCEPT + GMI_SLOPE * mean_mg_dl


def gmi_rule(count: int, span_days: int) -> str:
    """Empty when GMI may be given for `count` readings spanning `span_days`, else the reason."""
    if count < GMI_MIN_READINGS:
        return "too_few_readings"
    if span_days < GMI_MIN_SPAN_DAYS:
        return "too_short_span"
    return ""


def eag_mg_dl(hba1c_percent: float) -> float:
    """Estimated average glucose in mg/dL from HbA1c in % (Nathan 2008): 28.7 x A1c - 46.7."""
    return EAG_SLOPE * hba1c_percent + EAG_INTERCEPT


def glucose_stats(sums: GlucoseSums) -> GlucoseStats:
    n = sums.count
    mean = mean_of(sums.total, n)
    sd = sample_sd(n, sums.total, sums.total_sq)
    cv = None if sd is None or not mean else 100 * sd / mean
    span = 0
    if sums.first_day is not None and sums.last_day is not None:
        span = (sums.last_day - sums.first_day).days + 1
    reason = gmi_rule(n, span)
    in_range = n - sums.below_70 - sums.above_180
    return GlucoseStats(
        count=n,
        mean_mg_dl=mean,
        sd_mg_dl=sd,
        cv_pct=cv,
        min_mg_dl=sums.min_mg_dl,
        max_mg_dl=sums.max_mg_dl,
        in_range_pct=share_pct(in_range, n),
        below_70_pct=share_pct(sums.below_70, n),
        below_54_pct=share_pct(sums.below_54, n),
        above_180_pct=share_pct(sums.above_180, n),
        above_250_pct=share_pct(sums.above_250, n),
        in_range_count=in_range,
        below_70_count=sums.below_70,
        below_54_count=sums.below_54,
        above_180_count=sums.above_180,
        above_250_count=sums.above_250,
        span_days=span,
        gmi_pct=gmi_percent(mean) if mean is not None and not reason else None,
        gmi_reason=reason,
        pre_meal_count=sums.pre_meal_count,
        pre_meal_mean_mg_dl=mean_of(sums.pre_meal_total, sums.pre_meal_count),
        post_meal_count=sums.post_meal_count,
        post_meal_mean_mg_dl=mean_of(sums.post_meal_total, sums.post_meal_count),
    )
