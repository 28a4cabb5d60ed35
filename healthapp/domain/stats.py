"""Statistics for reports, the dashboard and ranks. Pure functions, no Reflex and no database.

The database adds readings up (COUNT, SUM, SUM of squares, SUM(CASE ...)) and hands the sums to
these functions (services/reports.py); `glucose_sums` etc. build the same sums from rows in
Python, for tests and small inputs. So a statistic has one definition whichever side adds up.

Glucose (CLINICAL.md):
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

Exercise: WHO 2020 asks adults for 150-300 min of moderate or 75-150 min of vigorous aerobic
activity a week, or an equivalent combination. `who_minutes` counts moderate minutes once and
vigorous minutes twice, by the MET of each session's kind and intensity (services/exercise.py;
Compendium classes: light < 3.0, moderate 3.0-5.9, vigorous >= 6.0 MET); light minutes do not
count. The goal is met at 150.

Ranks: top n % = ceil(100 x (users strictly better + 1) / cohort) (`top_percent`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from healthapp.domain.clinical import (
    PRE_MEAL_TIMINGS,
    BPCategory,
    BPStandard,
    GlucoseTiming,
    Level,
    classify_bp,
)
from healthapp.domain.exercise import met_value

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

WHO_WEEKLY_GOAL_MIN = 150
MODERATE_MET_FROM = 3.0
VIGOROUS_MET_FROM = 6.0

# Energy per gram (Atwater factors) for the macro split.
KCAL_PER_G_CARB = 4
KCAL_PER_G_PROTEIN = 4
KCAL_PER_G_FAT = 9

BP_CATEGORY_ORDER: dict[BPStandard, tuple[BPCategory, ...]] = {
    BPStandard.ACC_AHA: (
        BPCategory.NORMAL,
        BPCategory.ELEVATED,
        BPCategory.STAGE1,
        BPCategory.STAGE2,
        BPCategory.CRISIS,
    ),
    BPStandard.KSH: (
        BPCategory.NORMAL,
        BPCategory.ELEVATED,
        BPCategory.PREHYPERTENSION,
        BPCategory.GRADE1,
        BPCategory.GRADE2,
        BPCategory.ISOLATED_SYSTOLIC,
    ),
}


def _pct(part: int, whole: int) -> float | None:
    return None if whole == 0 else 100 * part / whole


def _mean(total: float, count: int) -> float | None:
    return None if count == 0 else total / count


def delta(current: float | None, previous: float | None) -> float | None:
    """current - previous, or None when either is unknown."""
    if current is None or previous is None:
        return None
    return current - previous


# ---------------------------------------------------------------------------------------------
# Glucose
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GlucoseReading:
    measured_at: datetime  # timezone-aware
    mg_dl: float
    timing: str = GlucoseTiming.OTHER.value


@dataclass(frozen=True)
class GlucoseSums:
    """What a period's readings add up to; SQL builds this in services/reports.py."""

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


def sample_sd(count: int, total: float, total_sq: float) -> float | None:
    """Sample standard deviation from n, sum and sum of squares; None for fewer than 2 values."""
    if count < 2:
        return None
    variance = (total_sq - total * total / count) / (count - 1)
    # Sums of squares can lose the last bits: identical values must give exactly 0, never NaN.
    scale = total_sq / count
    return 0.0 if variance <= scale * 1e-12 else math.sqrt(variance)


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
    mean = _mean(sums.total, n)
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
        in_range_pct=_pct(in_range, n),
        below_70_pct=_pct(sums.below_70, n),
        below_54_pct=_pct(sums.below_54, n),
        above_180_pct=_pct(sums.above_180, n),
        above_250_pct=_pct(sums.above_250, n),
        in_range_count=in_range,
        below_70_count=sums.below_70,
        below_54_count=sums.below_54,
        above_180_count=sums.above_180,
        above_250_count=sums.above_250,
        span_days=span,
        gmi_pct=gmi_percent(mean) if mean is not None and not reason else None,
        gmi_reason=reason,
        pre_meal_count=sums.pre_meal_count,
        pre_meal_mean_mg_dl=_mean(sums.pre_meal_total, sums.pre_meal_count),
        post_meal_count=sums.post_meal_count,
        post_meal_mean_mg_dl=_mean(sums.post_meal_total, sums.post_meal_count),
    )


# ---------------------------------------------------------------------------------------------
# Blood pressure
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BPSums:
    count: int = 0
    systolic_total: float = 0.0
    diastolic_total: float = 0.0
    pulse_count: int = 0
    pulse_total: float = 0.0
    # (systolic, diastolic, number of readings) for each distinct pair: SQL groups by the pair,
    # so every category comes from clinical.classify_bp itself.
    pairs: tuple[tuple[int, int, int], ...] = ()


def bp_sums(readings: Iterable[tuple[int, int, int | None]]) -> BPSums:
    """The sums of (systolic, diastolic, pulse or None) readings."""
    rows = list(readings)
    pairs: dict[tuple[int, int], int] = {}
    for systolic, diastolic, _ in rows:
        pairs[systolic, diastolic] = pairs.get((systolic, diastolic), 0) + 1
    pulses = [p for _, _, p in rows if p is not None]
    return BPSums(
        count=len(rows),
        systolic_total=sum(r[0] for r in rows),
        diastolic_total=sum(r[1] for r in rows),
        pulse_count=len(pulses),
        pulse_total=sum(pulses),
        pairs=tuple((s, d, n) for (s, d), n in sorted(pairs.items())),
    )


@dataclass(frozen=True)
class BPStats:
    count: int
    systolic_mean: float | None
    diastolic_mean: float | None
    pulse_mean: float | None
    standard: str  # BPStandard value
    # Every category of the standard, mildest first, with its number of readings (0 included).
    categories: dict[str, int]
    levels: dict[str, int]  # normal / borderline / danger
    crisis_count: int  # > 180 systolic or > 120 diastolic
    mean_category: str  # category of the rounded mean reading; "" without readings


def bp_stats(sums: BPSums, standard: BPStandard | str) -> BPStats:
    standard = BPStandard(standard)
    categories = {category.value: 0 for category in BP_CATEGORY_ORDER[standard]}
    levels = {level.value: 0 for level in Level}
    crisis = 0
    for systolic, diastolic, n in sums.pairs:
        result = classify_bp(int(systolic), int(diastolic), standard)
        categories[result.category.value] += n
        levels[result.level.value] += n
        crisis += n if result.crisis else 0
    systolic_mean = _mean(sums.systolic_total, sums.count)
    diastolic_mean = _mean(sums.diastolic_total, sums.count)
    mean_category = ""
    if systolic_mean is not None and diastolic_mean is not None:
        mean_category = classify_bp(
            _half_up(systolic_mean), _half_up(diastolic_mean), standard
        ).category.value
    return BPStats(
        count=sums.count,
        systolic_mean=systolic_mean,
        diastolic_mean=diastolic_mean,
        pulse_mean=_mean(sums.pulse_total, sums.pulse_count),
        standard=standard.value,
        categories=categories,
        levels=levels,
        crisis_count=crisis,
        mean_category=mean_category,
    )


def _half_up(value: float) -> int:
    return math.floor(value + 0.5)


# ---------------------------------------------------------------------------------------------
# Exercise
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExerciseGroup:
    """The sessions of one kind at one intensity (SQL groups by the pair)."""

    kind: str
    intensity: str
    sessions: int
    minutes: int
    energy_kcal: float  # sum over the sessions with a known energy
    energy_sessions: int  # sessions with a known energy (a body weight was set when saved)


@dataclass(frozen=True)
class ExerciseStats:
    sessions: int = 0
    minutes: int = 0
    energy_kcal: float = 0.0
    energy_unknown_sessions: int = 0  # saved without a body weight: not in energy_kcal
    light_minutes: int = 0
    moderate_minutes: int = 0
    vigorous_minutes: int = 0
    who_minutes: int = 0  # moderate + 2 x vigorous (WHO equivalent combination)


def intensity_class(kind: str, intensity: str) -> str:
    """light / moderate / vigorous by the session's MET (Compendium classes)."""
    met = met_value(kind, intensity)
    if met >= VIGOROUS_MET_FROM:
        return "vigorous"
    if met >= MODERATE_MET_FROM:
        return "moderate"
    return "light"


def exercise_stats(groups: Iterable[ExerciseGroup]) -> ExerciseStats:
    by_class = {"light": 0, "moderate": 0, "vigorous": 0}
    sessions = minutes = unknown = 0
    energy = 0.0
    for group in groups:
        sessions += group.sessions
        minutes += group.minutes
        energy += group.energy_kcal
        unknown += group.sessions - group.energy_sessions
        by_class[intensity_class(group.kind, group.intensity)] += group.minutes
    return ExerciseStats(
        sessions=sessions,
        minutes=minutes,
        energy_kcal=energy,
        energy_unknown_sessions=unknown,
        light_minutes=by_class["light"],
        moderate_minutes=by_class["moderate"],
        vigorous_minutes=by_class["vigorous"],
        who_minutes=by_class["moderate"] + 2 * by_class["vigorous"],
    )


@dataclass(frozen=True)
class WhoProgress:
    who_minutes: int  # moderate-equivalent minutes so far
    goal_minutes: int
    percent: int  # of the goal, whole, not capped at 100
    met: bool


def who_progress(stats: ExerciseStats, goal: int = WHO_WEEKLY_GOAL_MIN) -> WhoProgress:
    return WhoProgress(
        who_minutes=stats.who_minutes,
        goal_minutes=goal,
        percent=math.floor(100 * stats.who_minutes / goal),
        met=stats.who_minutes >= goal,
    )


# ---------------------------------------------------------------------------------------------
# Nutrition
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NutrientTotals:
    kcal: float = 0.0
    carb_g: float = 0.0
    protein_g: float = 0.0
    fat_g: float = 0.0
    meals: int = 0


@dataclass(frozen=True)
class Goals:
    kcal: int
    carb_g: int
    protein_g: int
    fat_g: int


@dataclass(frozen=True)
class GoalProgress:
    """Each total as a whole percent of its goal (not capped at 100)."""

    kcal_pct: int
    carb_pct: int
    protein_pct: int
    fat_pct: int


def goal_progress(totals: NutrientTotals, goals: Goals) -> GoalProgress:
    def pct(value: float, goal: int) -> int:
        return math.floor(100 * value / goal + 0.5) if goal > 0 else 0

    return GoalProgress(
        kcal_pct=pct(totals.kcal, goals.kcal),
        carb_pct=pct(totals.carb_g, goals.carb_g),
        protein_pct=pct(totals.protein_g, goals.protein_g),
        fat_pct=pct(totals.fat_g, goals.fat_g),
    )


@dataclass(frozen=True)
class MacroSplit:
    """Share of the energy from the three macronutrients (4 / 4 / 9 kcal per g), in %."""

    carb_pct: float
    protein_pct: float
    fat_pct: float


def macro_split(totals: NutrientTotals) -> MacroSplit | None:
    carb = totals.carb_g * KCAL_PER_G_CARB
    protein = totals.protein_g * KCAL_PER_G_PROTEIN
    fat = totals.fat_g * KCAL_PER_G_FAT
    energy = carb + protein + fat
    if energy <= 0:
        return None
    return MacroSplit(100 * carb / energy, 100 * protein / energy, 100 * fat / energy)


# ---------------------------------------------------------------------------------------------
# Percentiles and ranks
# ---------------------------------------------------------------------------------------------


def top_percent(better: int, cohort: int) -> int:
    """The "top n %" for a user with `better` users strictly above them in a cohort of `cohort`
    (the user included): ceil(100 x (better + 1) / cohort). Tied users share the best place
    among them. The best user of 20 is in the top 5 %, the worst of any cohort in the top 100 %,
    and a cohort of 1 gives 100."""
    if cohort < 1 or not 0 <= better < cohort:
        raise ValueError(f"need 0 <= better < cohort, got better={better}, cohort={cohort}")
    return -(-100 * (better + 1) // cohort)


def rank_among(values: Sequence[float], mine: float) -> tuple[int, int]:
    """(users strictly better, cohort size) for `mine` among `values` (which include it);
    higher is better. The reference for the two COUNT queries of services/ranking.py."""
    return sum(v > mine for v in values), len(values)


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0-100) by linear interpolation between closest ranks (the default
    of NumPy and R type 7); None for no values."""
    if not 0 <= p <= 100:
        raise ValueError(f"p must be within 0-100, got {p}")
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * p / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
