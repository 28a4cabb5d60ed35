"""Daily and weekly reports, the dashboard's numbers, and the daily nutrition goals.

Every number comes from SQL aggregates (COUNT, SUM, SUM of squares, SUM(CASE ...), MIN/MAX) over
the (user_id, time) indexes, for one user and one period; the statistics themselves are defined
once, in services/stats.py. Only what is shown item by item is fetched as rows, with a bound:
the meals of the one period a report covers, and the points of the dashboard's charts.

Periods are local calendar days in the user's time zone (Preferences.tz), turned into half-open
UTC intervals [local midnight, next local midnight): a day is 23 or 25 hours long when the clocks
change, and consecutive periods share their boundary, so no reading is lost or counted twice.
Weeks start on Monday. Per-day and per-week chart series put each row in its bucket with one
CASE over those same boundaries.

Glucose values are mg/dL here (the canonical unit); the UI formats them with services/units.py,
except chart points, which are given in the user's unit already.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from healthapp.domain.clinical import (
    PRE_MEAL_TIMINGS,
    classify_bp,
    classify_glucose,
    classify_hba1c,
)
from healthapp.domain.errors import ValidationError
from healthapp.domain.stats import (
    ABOVE_180_FROM,
    ABOVE_250_FROM,
    BELOW_54_UNDER,
    BELOW_70_UNDER,
    POST_MEAL_TIMINGS,
    TARGET_HIGH_MG_DL,
    TARGET_LOW_MG_DL,
    BPStats,
    BPSums,
    ExerciseGroup,
    ExerciseStats,
    GlucoseStats,
    GlucoseSums,
    GoalProgress,
    Goals,
    NutrientTotals,
    WhoProgress,
    bp_stats,
    delta,
    eag_mg_dl,
    exercise_stats,
    glucose_stats,
    goal_progress,
    macro_split,
    who_progress,
)
from healthapp.domain.units import display_glucose, format_glucose
from healthapp.models import BloodPressure, Exercise, Food, Glucose, HbA1c, Meal, MealItem, User
from healthapp.services import forms
from healthapp.services.preferences import Preferences

UTC = ZoneInfo("UTC")

# --- daily goals --------------------------------------------------------------------------------

# Defaults: 2000 kcal is the reference intake on food labels (FDA, EU); 250 g carbohydrate is 50 %
# of it, 75 g protein 15 %, 65 g fat about 30 % (the ranges most dietary guidelines give). A care
# team's plan for a person with diabetes often differs, hence editable.
DEFAULT_GOALS = Goals(kcal=2000, carb_g=250, protein_g=75, fat_g=65)
GOAL_RANGES: dict[str, tuple[int, int, str]] = {
    "kcal": (800, 6000, "kcal"),
    "carb_g": (20, 800, "g"),
    "protein_g": (10, 400, "g"),
    "fat_g": (10, 300, "g"),
}
# What goals_from_form raises, per field (all in the catalogues already).
GOAL_ERROR_KEYS: tuple[str, ...] = (
    "error.value_required",
    "error.number_invalid",
    "error.out_of_range",
    "error.whole_number",
)

# --- charts -------------------------------------------------------------------------------------
GLUCOSE_CHART_DAYS = 14
GLUCOSE_CHART_MAX_POINTS = 2000  # 14 days of 5-minute CGM data is 4032; keep the newest 2000
BP_CHART_READINGS = 30
NUTRITION_CHART_DAYS = 14
EXERCISE_CHART_WEEKS = 8


def goals_from_form(form: Mapping[str, Any]) -> Goals:
    """Daily goals typed in the settings form (fields kcal, carb_g, protein_g, fat_g): whole
    numbers within GOAL_RANGES. Raises forms.FormInvalid with one ValidationError per bad field."""

    def parse(name: str) -> int:
        low, high, unit = GOAL_RANGES[name]
        value = forms.integer(form, name, low=low, high=high, unit=unit)
        if value is None:  # required=True never returns None; keeps the type exact
            raise ValidationError("error.value_required", field=name)
        return value

    values = forms.collect({name: partial(parse, name) for name in GOAL_RANGES})
    return Goals(**values)


def goals_form(goals: Goals) -> dict[str, str]:
    """The settings form's initial text for `goals`."""
    return {name: str(getattr(goals, name)) for name in GOAL_RANGES}


def _user(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} does not exist")
    return user


def get_goals(db: Session, *, user_id: int) -> Goals:
    user = _user(db, user_id)
    return Goals(user.goal_kcal, user.goal_carb_g, user.goal_protein_g, user.goal_fat_g)


def update_goals(db: Session, *, user_id: int, form: Mapping[str, Any]) -> Goals:
    """Validate and store the user's daily goals; nothing changes when a field is wrong."""
    goals = goals_from_form(form)
    user = _user(db, user_id)
    user.goal_kcal, user.goal_carb_g = goals.kcal, goals.carb_g
    user.goal_protein_g, user.goal_fat_g = goals.protein_g, goals.fat_g
    db.add(user)
    db.flush()
    return goals


# --- periods ------------------------------------------------------------------------------------


def week_start_of(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant local `day` begins (forms.day_bounds' rule, so periods always meet)."""
    return datetime.combine(day, time(), tz).astimezone(UTC)


def day_edges(start: date, days: int, tz: ZoneInfo) -> list[datetime]:
    """days + 1 UTC instants: the local midnights starting `start` and each following day."""
    return [local_midnight(start + timedelta(days=i), tz) for i in range(days + 1)]


def bucket_index(column: Any, edges: Sequence[datetime]) -> Any:
    """0 for edges[0] <= t < edges[1], 1 for the next interval, ...; rows must be filtered to
    edges[0] <= t < edges[-1] by the caller."""
    last = len(edges) - 2
    if last == 0:
        return sa.literal(0)
    return sa.case(*[(column < edge, i) for i, edge in enumerate(edges[1:-1])], else_=last)


def _f(value: Any) -> float:
    return 0.0 if value is None else float(value)


def _i(value: Any) -> int:
    return 0 if value is None else int(value)


def _ones(condition: Any) -> Any:
    return func.sum(sa.case((condition, 1), else_=0))


# --- aggregates (one user, one interval) ---------------------------------------------------------


def _glucose_columns(value: Any, timing: Any, measured_at: Any) -> tuple[Any, ...]:
    pre = timing.in_([t.value for t in PRE_MEAL_TIMINGS])
    post = timing.in_([t.value for t in POST_MEAL_TIMINGS])
    return (
        func.count(value),
        func.sum(value),
        func.sum(value * value),
        func.min(value),
        func.max(value),
        _ones(value < BELOW_54_UNDER),
        _ones(value < BELOW_70_UNDER),
        _ones(value >= ABOVE_180_FROM),
        _ones(value >= ABOVE_250_FROM),
        func.count(sa.case((pre, value))),
        func.sum(sa.case((pre, value))),
        func.count(sa.case((post, value))),
        func.sum(sa.case((post, value))),
        func.min(measured_at),
        func.max(measured_at),
    )


def _glucose_sums_of(row: Sequence[Any], tz: ZoneInfo) -> GlucoseSums:
    """GlucoseSums from the values of _glucose_columns, in order."""
    if not row[0]:
        return GlucoseSums()
    first, last = row[13], row[14]
    return GlucoseSums(
        count=_i(row[0]),
        total=_f(row[1]),
        total_sq=_f(row[2]),
        min_mg_dl=_f(row[3]),
        max_mg_dl=_f(row[4]),
        below_54=_i(row[5]),
        below_70=_i(row[6]),
        above_180=_i(row[7]),
        above_250=_i(row[8]),
        pre_meal_count=_i(row[9]),
        pre_meal_total=_f(row[10]),
        post_meal_count=_i(row[11]),
        post_meal_total=_f(row[12]),
        first_day=first.astimezone(tz).date(),
        last_day=last.astimezone(tz).date(),
    )


def glucose_sums(
    db: Session, *, user_id: int, low: datetime, high: datetime, tz: ZoneInfo
) -> GlucoseSums:
    """Glucose readings of [low, high) added up by the database."""
    row = db.exec(
        select(
            *_glucose_columns(col(Glucose.mg_dl), col(Glucose.timing), col(Glucose.measured_at))
        ).where(
            Glucose.user_id == user_id,
            col(Glucose.measured_at) >= low,
            col(Glucose.measured_at) < high,
        )
    ).one()
    return _glucose_sums_of(row, tz)


def _glucose_sums_by_period(
    db: Session, *, user_id: int, edges: Sequence[datetime], tz: ZoneInfo
) -> list[GlucoseSums]:
    """glucose_sums of each interval [edges[i], edges[i + 1]), in one statement."""
    inner = (
        select(
            bucket_index(col(Glucose.measured_at), edges).label("bucket"),
            col(Glucose.mg_dl).label("mg_dl"),
            col(Glucose.timing).label("timing"),
            col(Glucose.measured_at).label("measured_at"),
        )
        .where(
            Glucose.user_id == user_id,
            col(Glucose.measured_at) >= edges[0],
            col(Glucose.measured_at) < edges[-1],
        )
        .subquery()
    )
    rows = db.exec(
        select(
            inner.c.bucket, *_glucose_columns(inner.c.mg_dl, inner.c.timing, inner.c.measured_at)
        ).group_by(inner.c.bucket)
    ).all()
    by_bucket = {int(r[0]): r[1:] for r in rows}
    return [
        _glucose_sums_of(by_bucket[i], tz) if i in by_bucket else GlucoseSums()
        for i in range(len(edges) - 1)
    ]


def _bp_sums_of(rows: Sequence[Sequence[Any]]) -> BPSums:
    """BPSums from (systolic, diastolic, count, pulse count, pulse sum) rows, one per pair."""
    return BPSums(
        count=sum(_i(r[2]) for r in rows),
        systolic_total=float(sum(r[0] * _i(r[2]) for r in rows)),
        diastolic_total=float(sum(r[1] * _i(r[2]) for r in rows)),
        pulse_count=sum(_i(r[3]) for r in rows),
        pulse_total=sum(_f(r[4]) for r in rows),
        pairs=tuple((int(r[0]), int(r[1]), _i(r[2])) for r in rows),
    )


def bp_sums(db: Session, *, user_id: int, low: datetime, high: datetime) -> BPSums:
    """BP readings of [low, high): counts grouped by (systolic, diastolic), so that categories
    come from clinical.classify_bp itself (at most one row per distinct pair)."""
    return _bp_sums_by_period(db, user_id=user_id, edges=[low, high])[0]


def _bp_sums_by_period(db: Session, *, user_id: int, edges: Sequence[datetime]) -> list[BPSums]:
    """bp_sums of each interval [edges[i], edges[i + 1]), in one statement."""
    inner = (
        select(
            bucket_index(col(BloodPressure.measured_at), edges).label("bucket"),
            col(BloodPressure.systolic).label("systolic"),
            col(BloodPressure.diastolic).label("diastolic"),
            col(BloodPressure.pulse).label("pulse"),
        )
        .where(
            BloodPressure.user_id == user_id,
            col(BloodPressure.measured_at) >= edges[0],
            col(BloodPressure.measured_at) < edges[-1],
        )
        .subquery()
    )
    rows = db.exec(
        select(
            inner.c.bucket,
            inner.c.systolic,
            inner.c.diastolic,
            func.count(),
            func.count(inner.c.pulse),
            func.sum(inner.c.pulse),
        )
        .group_by(inner.c.bucket, inner.c.systolic, inner.c.diastolic)
        .order_by(inner.c.bucket, inner.c.systolic, inner.c.diastolic)
    ).all()
    by_bucket: dict[int, list[Sequence[Any]]] = {}
    for row in rows:
        by_bucket.setdefault(int(row[0]), []).append(row[1:])
    return [_bp_sums_of(by_bucket.get(i, [])) for i in range(len(edges) - 1)]


def _exercise_group_columns() -> tuple[Any, ...]:
    return (
        col(Exercise.kind),
        col(Exercise.intensity),
        func.count(),
        func.sum(col(Exercise.duration_min)),
        func.sum(col(Exercise.energy_kcal)),
        func.count(col(Exercise.energy_kcal)),
    )


def _group(row: Any, offset: int = 0) -> ExerciseGroup:
    return ExerciseGroup(
        kind=row[offset],
        intensity=row[offset + 1],
        sessions=_i(row[offset + 2]),
        minutes=_i(row[offset + 3]),
        energy_kcal=_f(row[offset + 4]),
        energy_sessions=_i(row[offset + 5]),
    )


def exercise_groups(
    db: Session, *, user_id: int, low: datetime | None, high: datetime | None
) -> list[ExerciseGroup]:
    """Exercise of [low, high) (None: unbounded) grouped by kind and intensity."""
    conditions = [Exercise.user_id == user_id]
    if low is not None:
        conditions.append(col(Exercise.started_at) >= low)
    if high is not None:
        conditions.append(col(Exercise.started_at) < high)
    rows = db.exec(
        select(*_exercise_group_columns())
        .where(*conditions)
        .group_by(col(Exercise.kind), col(Exercise.intensity))
    ).all()
    return [_group(row) for row in rows]


def _exercise_groups_in_windows(
    db: Session, *, user_id: int, windows: Sequence[tuple[datetime, datetime]]
) -> list[list[ExerciseGroup]]:
    """exercise_groups of each [low, high) window (they may overlap), in one statement: every
    window's sums are CASEs over the same GROUP BY kind, intensity."""
    started = col(Exercise.started_at)
    columns: list[Any] = [col(Exercise.kind), col(Exercise.intensity)]
    for low, high in windows:
        inside = sa.and_(started >= low, started < high)
        columns += [
            _ones(inside),
            func.sum(sa.case((inside, col(Exercise.duration_min)))),
            func.sum(sa.case((inside, col(Exercise.energy_kcal)))),
            func.count(sa.case((inside, col(Exercise.energy_kcal)))),
        ]
    rows = db.exec(
        select(*columns)
        .where(
            Exercise.user_id == user_id,
            started >= min(low for low, _ in windows),
            started < max(high for _, high in windows),
        )
        .group_by(col(Exercise.kind), col(Exercise.intensity))
    ).all()
    result: list[list[ExerciseGroup]] = []
    for w in range(len(windows)):
        offset = 2 + 4 * w
        result.append(
            [
                _group((row[0], row[1], *row[offset : offset + 4]))
                for row in rows
                if _i(row[offset])  # a kind/intensity without sessions in this window
            ]
        )
    return result


def nutrient_totals(
    db: Session, *, user_id: int, low: datetime | None, high: datetime | None
) -> NutrientTotals:
    """Meals eaten in [low, high) (None: unbounded) and the sum of their items' nutrients."""
    conditions = [Meal.user_id == user_id]
    if low is not None:
        conditions.append(col(Meal.eaten_at) >= low)
    if high is not None:
        conditions.append(col(Meal.eaten_at) < high)
    row = db.exec(
        select(
            func.count(sa.distinct(col(Meal.id))),
            func.sum(col(MealItem.kcal)),
            func.sum(col(MealItem.carb_g)),
            func.sum(col(MealItem.protein_g)),
            func.sum(col(MealItem.fat_g)),
        )
        .select_from(Meal)
        .join(MealItem, col(MealItem.meal_id) == col(Meal.id), isouter=True)
        .where(*conditions)
    ).one()
    return NutrientTotals(
        kcal=_f(row[1]), carb_g=_f(row[2]), protein_g=_f(row[3]), fat_g=_f(row[4]), meals=_i(row[0])
    )


def _nutrient_totals_by_period(
    db: Session, *, user_id: int, edges: Sequence[datetime]
) -> list[NutrientTotals]:
    """nutrient_totals of each interval [edges[i], edges[i + 1]), in one statement."""
    inner = (
        select(
            bucket_index(col(Meal.eaten_at), edges).label("bucket"),
            col(Meal.id).label("meal_id"),
            col(MealItem.kcal).label("kcal"),
            col(MealItem.carb_g).label("carb_g"),
            col(MealItem.protein_g).label("protein_g"),
            col(MealItem.fat_g).label("fat_g"),
        )
        .select_from(Meal)
        .join(MealItem, col(MealItem.meal_id) == col(Meal.id), isouter=True)
        .where(
            Meal.user_id == user_id,
            col(Meal.eaten_at) >= edges[0],
            col(Meal.eaten_at) < edges[-1],
        )
        .subquery()
    )
    rows = db.exec(
        select(
            inner.c.bucket,
            func.count(sa.distinct(inner.c.meal_id)),
            func.sum(inner.c.kcal),
            func.sum(inner.c.carb_g),
            func.sum(inner.c.protein_g),
            func.sum(inner.c.fat_g),
        ).group_by(inner.c.bucket)
    ).all()
    by_bucket = {int(r[0]): r for r in rows}
    totals = []
    for i in range(len(edges) - 1):
        r = by_bucket.get(i)
        totals.append(
            NutrientTotals(
                kcal=_f(r[2]), carb_g=_f(r[3]), protein_g=_f(r[4]), fat_g=_f(r[5]), meals=_i(r[1])
            )
            if r
            else NutrientTotals()
        )
    return totals


# --- latest values ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LatestGlucose:
    measured_at: datetime  # UTC
    local: str  # "2026-11-29 08:30" in the user's zone
    mg_dl: float
    value: str  # in the user's unit, as shown: "142" or "7.9"
    unit: str
    timing: str
    category: str
    level: str
    label_key: str
    alert_key: str


@dataclass(frozen=True)
class LatestBP:
    measured_at: datetime
    local: str
    systolic: int
    diastolic: int
    pulse: int | None
    standard: str
    category: str
    level: str
    label_key: str
    alert_key: str


@dataclass(frozen=True)
class LatestHbA1c:
    measured_on: date
    percent: float
    eag_mg_dl: float
    eag_value: str  # eAG in the user's unit, as shown
    unit: str
    category: str
    level: str
    label_key: str
    above_target: bool
    target: float


def _local_text(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def latest_glucose(
    db: Session, *, user_id: int, prefs: Preferences, until: datetime | None = None
) -> LatestGlucose | None:
    conditions = [Glucose.user_id == user_id]
    if until is not None:
        conditions.append(col(Glucose.measured_at) < until)
    row = db.exec(
        select(Glucose)
        .where(*conditions)
        .order_by(col(Glucose.measured_at).desc(), col(Glucose.id).desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    result = classify_glucose(row.mg_dl, row.timing)
    return LatestGlucose(
        measured_at=row.measured_at,
        local=_local_text(row.measured_at, prefs.tz),
        mg_dl=row.mg_dl,
        value=format_glucose(row.mg_dl, prefs.glucose_unit),
        unit=prefs.glucose_unit.value,
        timing=row.timing,
        category=result.category.value,
        level=result.level.value,
        label_key=result.label_key,
        alert_key=result.alert_key or "",
    )


def latest_bp(
    db: Session, *, user_id: int, prefs: Preferences, until: datetime | None = None
) -> LatestBP | None:
    conditions = [BloodPressure.user_id == user_id]
    if until is not None:
        conditions.append(col(BloodPressure.measured_at) < until)
    row = db.exec(
        select(BloodPressure)
        .where(*conditions)
        .order_by(col(BloodPressure.measured_at).desc(), col(BloodPressure.id).desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    result = classify_bp(row.systolic, row.diastolic, prefs.bp_standard)
    return LatestBP(
        measured_at=row.measured_at,
        local=_local_text(row.measured_at, prefs.tz),
        systolic=row.systolic,
        diastolic=row.diastolic,
        pulse=row.pulse,
        standard=prefs.bp_standard.value,
        category=result.category.value,
        level=result.level.value,
        label_key=result.label_key,
        alert_key=result.alert_key or "",
    )


def latest_hba1c(
    db: Session, *, user_id: int, prefs: Preferences, until: date | None = None
) -> LatestHbA1c | None:
    """The newest HbA1c result (ever, up to and including local day `until`), with its eAG."""
    conditions = [HbA1c.user_id == user_id]
    if until is not None:
        conditions.append(col(HbA1c.measured_on) <= until)
    row = db.exec(
        select(HbA1c)
        .where(*conditions)
        .order_by(col(HbA1c.measured_on).desc(), col(HbA1c.id).desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    result = classify_hba1c(row.percent, prefs.hba1c_target)
    eag = eag_mg_dl(row.percent)
    return LatestHbA1c(
        measured_on=row.measured_on,
        percent=row.percent,
        eag_mg_dl=eag,
        eag_value=format_glucose(round(eag, 3), prefs.glucose_unit),
        unit=prefs.glucose_unit.value,
        category=result.category.value,
        level=result.level.value,
        label_key=result.label_key,
        above_target=result.above_target,
        target=prefs.hba1c_target,
    )


# --- reports ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodSummary:
    """Everything aggregated over local days start..end (both included)."""

    start: date
    end: date
    days: int
    nutrition: NutrientTotals
    glucose: GlucoseStats
    bp: BPStats
    exercise: ExerciseStats


def period_summary(
    db: Session, *, user_id: int, prefs: Preferences, start: date, end: date
) -> PeriodSummary:
    """Aggregates of the user's local days start..end (any range, e.g. for a printable report)."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    low, high = local_midnight(start, prefs.tz), local_midnight(end + timedelta(days=1), prefs.tz)
    return PeriodSummary(
        start=start,
        end=end,
        days=(end - start).days + 1,
        nutrition=nutrient_totals(db, user_id=user_id, low=low, high=high),
        glucose=glucose_stats(glucose_sums(db, user_id=user_id, low=low, high=high, tz=prefs.tz)),
        bp=bp_stats(bp_sums(db, user_id=user_id, low=low, high=high), prefs.bp_standard),
        exercise=exercise_stats(exercise_groups(db, user_id=user_id, low=low, high=high)),
    )


@dataclass(frozen=True)
class Deltas:
    """This period minus the previous one; None where either side has no value."""

    kcal: float
    carb_g: float
    protein_g: float
    fat_g: float
    meals: int
    glucose_count: int
    glucose_mean_mg_dl: float | None
    glucose_sd_mg_dl: float | None
    glucose_cv_pct: float | None
    glucose_in_range_pct: float | None
    glucose_below_70_pct: float | None
    glucose_above_180_pct: float | None
    bp_count: int
    systolic_mean: float | None
    diastolic_mean: float | None
    exercise_minutes: int
    exercise_who_minutes: int
    exercise_energy_kcal: float


def deltas(current: PeriodSummary, previous: PeriodSummary) -> Deltas:
    c, p = current, previous
    return Deltas(
        kcal=c.nutrition.kcal - p.nutrition.kcal,
        carb_g=c.nutrition.carb_g - p.nutrition.carb_g,
        protein_g=c.nutrition.protein_g - p.nutrition.protein_g,
        fat_g=c.nutrition.fat_g - p.nutrition.fat_g,
        meals=c.nutrition.meals - p.nutrition.meals,
        glucose_count=c.glucose.count - p.glucose.count,
        glucose_mean_mg_dl=delta(c.glucose.mean_mg_dl, p.glucose.mean_mg_dl),
        glucose_sd_mg_dl=delta(c.glucose.sd_mg_dl, p.glucose.sd_mg_dl),
        glucose_cv_pct=delta(c.glucose.cv_pct, p.glucose.cv_pct),
        glucose_in_range_pct=delta(c.glucose.in_range_pct, p.glucose.in_range_pct),
        glucose_below_70_pct=delta(c.glucose.below_70_pct, p.glucose.below_70_pct),
        glucose_above_180_pct=delta(c.glucose.above_180_pct, p.glucose.above_180_pct),
        bp_count=c.bp.count - p.bp.count,
        systolic_mean=delta(c.bp.systolic_mean, p.bp.systolic_mean),
        diastolic_mean=delta(c.bp.diastolic_mean, p.bp.diastolic_mean),
        exercise_minutes=c.exercise.minutes - p.exercise.minutes,
        exercise_who_minutes=c.exercise.who_minutes - p.exercise.who_minutes,
        exercise_energy_kcal=c.exercise.energy_kcal - p.exercise.energy_kcal,
    )


@dataclass(frozen=True)
class MealItemEntry:
    id: int
    food_id: str
    name_en: str
    name_ko: str
    grams: float
    kcal: float
    carb_g: float
    protein_g: float
    fat_g: float
    source: str  # estimate | confirmed | manual


@dataclass(frozen=True)
class MealEntry:
    id: int
    eaten_at: datetime  # UTC
    day: date  # local
    time: str  # local "HH:MM"
    meal_type: str
    note: str
    kcal: float
    carb_g: float
    protein_g: float
    fat_g: float
    has_estimate: bool  # an item is still the food model's unconfirmed guess
    items: list[MealItemEntry] = field(default_factory=list)


def period_meals(
    db: Session, *, user_id: int, prefs: Preferences, start: date, end: date
) -> list[MealEntry]:
    """Every meal of local days start..end, oldest first, with its items and their sums."""
    low, high = local_midnight(start, prefs.tz), local_midnight(end + timedelta(days=1), prefs.tz)
    rows = db.exec(
        select(Meal, MealItem, Food.name_en, Food.name_ko)
        .select_from(Meal)
        .join(
            MealItem,
            sa.and_(col(MealItem.meal_id) == col(Meal.id), MealItem.user_id == user_id),
            isouter=True,
        )
        .join(Food, col(Food.id) == col(MealItem.food_id), isouter=True)
        .where(Meal.user_id == user_id, col(Meal.eaten_at) >= low, col(Meal.eaten_at) < high)
        .order_by(col(Meal.eaten_at), col(Meal.id), col(MealItem.id))
    ).all()
    meals: list[Meal] = []
    items: dict[int, list[MealItemEntry]] = {}
    for meal, item, name_en, name_ko in rows:
        if not meals or meals[-1].id != meal.id:
            meals.append(meal)
        if item is None:  # a meal without items
            continue
        items.setdefault(item.meal_id, []).append(
            MealItemEntry(
                id=item.id or 0,
                food_id=item.food_id,
                name_en=name_en or item.food_id,
                name_ko=name_ko or "",
                grams=item.grams,
                kcal=item.kcal,
                carb_g=item.carb_g,
                protein_g=item.protein_g,
                fat_g=item.fat_g,
                source=item.source,
            )
        )
    entries = []
    for meal in meals:
        own = items.get(meal.id or 0, [])
        local = meal.eaten_at.astimezone(prefs.tz)
        entries.append(
            MealEntry(
                id=meal.id or 0,
                eaten_at=meal.eaten_at,
                day=local.date(),
                time=local.strftime("%H:%M"),
                meal_type=meal.meal_type,
                note=meal.note,
                kcal=sum(i.kcal for i in own),
                carb_g=sum(i.carb_g for i in own),
                protein_g=sum(i.protein_g for i in own),
                fat_g=sum(i.fat_g for i in own),
                has_estimate=any(i.source == "estimate" for i in own),
                items=own,
            )
        )
    return entries


@dataclass(frozen=True)
class Report:
    kind: str  # "day" | "week"
    start: date
    end: date  # inclusive
    timezone: str
    glucose_unit: str
    goals: Goals
    meals: list[MealEntry]
    current: PeriodSummary
    previous: PeriodSummary  # the day / week before
    deltas: Deltas
    goal_progress: GoalProgress  # day: that day's totals; week: the daily average
    hba1c: LatestHbA1c | None  # newest result up to `end`
    # WHO weekly goal: the whole week for a weekly report; for a daily report the week to date
    # (its Monday through that day).
    who: WhoProgress
    who_week_start: date


def _report(
    db: Session, *, kind: str, user_id: int, prefs: Preferences, start: date, days: int
) -> Report:
    # The previous period, this one: aggregates of both come from one statement per kind of
    # record, grouped by bucket_index over their three boundaries (period_summary's numbers).
    tz = prefs.tz
    end = start + timedelta(days=days - 1)
    before = start - timedelta(days=days)
    edges = [
        local_midnight(before, tz),
        local_midnight(start, tz),
        local_midnight(end + timedelta(days=1), tz),
    ]
    monday = week_start_of(end)
    windows = [(edges[0], edges[1]), (edges[1], edges[2])]
    if kind != "week":  # the WHO week to date: Monday through `end`
        windows.append((local_midnight(monday, tz), edges[2]))
    exercise = _exercise_groups_in_windows(db, user_id=user_id, windows=windows)
    nutrition = _nutrient_totals_by_period(db, user_id=user_id, edges=edges)
    glucose = _glucose_sums_by_period(db, user_id=user_id, edges=edges, tz=tz)
    bp = _bp_sums_by_period(db, user_id=user_id, edges=edges)
    previous, current = (
        PeriodSummary(
            start=first,
            end=first + timedelta(days=days - 1),
            days=days,
            nutrition=nutrition[i],
            glucose=glucose_stats(glucose[i]),
            bp=bp_stats(bp[i], prefs.bp_standard),
            exercise=exercise_stats(exercise[i]),
        )
        for i, first in enumerate((before, start))
    )
    who_exercise = current.exercise if kind == "week" else exercise_stats(exercise[2])
    goals = get_goals(db, user_id=user_id)
    n = current.nutrition
    per_day = NutrientTotals(n.kcal / days, n.carb_g / days, n.protein_g / days, n.fat_g / days)
    return Report(
        kind=kind,
        start=start,
        end=end,
        timezone=tz.key,
        glucose_unit=prefs.glucose_unit.value,
        goals=goals,
        meals=period_meals(db, user_id=user_id, prefs=prefs, start=start, end=end),
        current=current,
        previous=previous,
        deltas=deltas(current, previous),
        goal_progress=goal_progress(per_day, goals),
        hba1c=latest_hba1c(db, user_id=user_id, prefs=prefs, until=end),
        who=who_progress(who_exercise),
        who_week_start=monday,
    )


def daily_report(db: Session, *, user_id: int, prefs: Preferences, day: date) -> Report:
    """The local day `day` in the user's zone, compared with the day before."""
    return _report(db, kind="day", user_id=user_id, prefs=prefs, start=day, days=1)


def weekly_report(db: Session, *, user_id: int, prefs: Preferences, week_start: date) -> Report:
    """The Monday-to-Sunday week that contains `week_start` (any day of it is accepted and moved
    back to its Monday), compared with the week before."""
    return _report(
        db, kind="week", user_id=user_id, prefs=prefs, start=week_start_of(week_start), days=7
    )


# --- series for charts --------------------------------------------------------------------------


@dataclass(frozen=True)
class GlucosePoint:
    at: datetime  # UTC
    local: str  # "2026-11-29T08:30" in the user's zone (chart axis)
    value: float  # in the user's unit, as shown (whole mg/dL or mmol/L to 0.1)
    mg_dl: float
    timing: str


@dataclass(frozen=True)
class BPPoint:
    at: datetime
    local: str
    systolic: int
    diastolic: int
    pulse: int | None


@dataclass(frozen=True)
class DayNutrition:
    day: date
    kcal: float
    carb_g: float
    protein_g: float
    fat_g: float
    # share of the macro energy (4/4/9 kcal per g), 0 on a day without meals
    carb_pct: float
    protein_pct: float
    fat_pct: float


@dataclass(frozen=True)
class WeekExercise:
    week_start: date
    minutes: int
    who_minutes: int


def glucose_series(
    db: Session,
    *,
    user_id: int,
    prefs: Preferences,
    start: date,
    end: date,
    limit: int = GLUCOSE_CHART_MAX_POINTS,
) -> list[GlucosePoint]:
    """Readings of local days start..end, oldest first (the newest `limit` when there are more)."""
    low, high = local_midnight(start, prefs.tz), local_midnight(end + timedelta(days=1), prefs.tz)
    rows = db.exec(
        select(col(Glucose.measured_at), col(Glucose.mg_dl), col(Glucose.timing))
        .where(
            Glucose.user_id == user_id,
            col(Glucose.measured_at) >= low,
            col(Glucose.measured_at) < high,
        )
        .order_by(col(Glucose.measured_at).desc(), col(Glucose.id).desc())
        .limit(limit)
    ).all()
    return [
        GlucosePoint(
            at=at,
            local=at.astimezone(prefs.tz).strftime("%Y-%m-%dT%H:%M"),
            value=float(display_glucose(mg_dl, prefs.glucose_unit)),
            mg_dl=mg_dl,
            timing=timing,
        )
        for at, mg_dl, timing in reversed(rows)
    ]


def bp_series(
    db: Session,
    *,
    user_id: int,
    prefs: Preferences,
    until: datetime,
    limit: int = BP_CHART_READINGS,
) -> list[BPPoint]:
    """The last `limit` readings before `until`, oldest first."""
    rows = db.exec(
        select(
            col(BloodPressure.measured_at),
            col(BloodPressure.systolic),
            col(BloodPressure.diastolic),
            col(BloodPressure.pulse),
        )
        .where(BloodPressure.user_id == user_id, col(BloodPressure.measured_at) < until)
        .order_by(col(BloodPressure.measured_at).desc(), col(BloodPressure.id).desc())
        .limit(limit)
    ).all()
    return [
        BPPoint(at, at.astimezone(prefs.tz).strftime("%Y-%m-%dT%H:%M"), s, d, p)
        for at, s, d, p in reversed(rows)
    ]


def nutrition_series(
    db: Session, *, user_id: int, prefs: Preferences, start: date, days: int
) -> list[DayNutrition]:
    """Per local day from `start`, `days` days: nutrient totals (one GROUP BY over buckets)."""
    per_day = _nutrient_totals_by_period(
        db, user_id=user_id, edges=day_edges(start, days, prefs.tz)
    )
    series = []
    for i, totals in enumerate(per_day):
        split = macro_split(totals)
        series.append(
            DayNutrition(
                day=start + timedelta(days=i),
                kcal=totals.kcal,
                carb_g=totals.carb_g,
                protein_g=totals.protein_g,
                fat_g=totals.fat_g,
                carb_pct=split.carb_pct if split else 0.0,
                protein_pct=split.protein_pct if split else 0.0,
                fat_pct=split.fat_pct if split else 0.0,
            )
        )
    return series


def exercise_series(
    db: Session, *, user_id: int, prefs: Preferences, first_week: date, weeks: int
) -> list[WeekExercise]:
    """Per Monday-start local week from `first_week`'s Monday: total and WHO minutes."""
    monday = week_start_of(first_week)
    edges = [local_midnight(monday + timedelta(weeks=i), prefs.tz) for i in range(weeks + 1)]
    inner = (
        select(
            bucket_index(col(Exercise.started_at), edges).label("bucket"),
            col(Exercise.kind).label("kind"),
            col(Exercise.intensity).label("intensity"),
            col(Exercise.duration_min).label("minutes"),
            col(Exercise.energy_kcal).label("energy"),
        )
        .where(
            Exercise.user_id == user_id,
            col(Exercise.started_at) >= edges[0],
            col(Exercise.started_at) < edges[-1],
        )
        .subquery()
    )
    rows = db.exec(
        select(
            inner.c.bucket,
            inner.c.kind,
            inner.c.intensity,
            func.count(),
            func.sum(inner.c.minutes),
            func.sum(inner.c.energy),
            func.count(inner.c.energy),
        ).group_by(inner.c.bucket, inner.c.kind, inner.c.intensity)
    ).all()
    groups: dict[int, list[ExerciseGroup]] = {}
    for row in rows:
        groups.setdefault(int(row[0]), []).append(_group(row, offset=1))
    series = []
    for i in range(weeks):
        week = exercise_stats(groups.get(i, []))
        series.append(WeekExercise(monday + timedelta(weeks=i), week.minutes, week.who_minutes))
    return series


# --- dashboard ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardNumbers:
    today: date
    week_start: date
    timezone: str
    glucose_unit: str
    goals: Goals
    today_nutrition: NutrientTotals
    today_progress: GoalProgress
    week_nutrition: NutrientTotals  # Monday through today
    total_nutrition: NutrientTotals  # since the first entry
    week_exercise: ExerciseStats
    total_exercise: ExerciseStats
    who: WhoProgress  # this week against the WHO 150 minutes
    latest_glucose: LatestGlucose | None
    latest_bp: LatestBP | None
    latest_hba1c: LatestHbA1c | None
    glucose_points: list[GlucosePoint]  # last 14 days
    glucose_target_low: float  # 70-180 mg/dL band in the user's unit
    glucose_target_high: float
    bp_points: list[BPPoint]  # last 30 readings
    nutrition_days: list[DayNutrition]  # last 14 days
    exercise_weeks: list[WeekExercise]  # last 8 weeks, this one included
    has_data: bool  # False: show the empty state inviting a first entry


def dashboard_numbers(
    db: Session, *, user_id: int, prefs: Preferences, today: date
) -> DashboardNumbers:
    """Everything the signed-in home page shows, for the user's local day `today`."""
    tz = prefs.tz
    monday = week_start_of(today)
    day_low = local_midnight(today, tz)
    day_high = local_midnight(today + timedelta(days=1), tz)
    week_low = local_midnight(monday, tz)
    goals = get_goals(db, user_id=user_id)
    today_nutrition = nutrient_totals(db, user_id=user_id, low=day_low, high=day_high)
    week_exercise = exercise_stats(
        exercise_groups(db, user_id=user_id, low=week_low, high=day_high)
    )
    total_nutrition = nutrient_totals(db, user_id=user_id, low=None, high=None)
    total_exercise = exercise_stats(exercise_groups(db, user_id=user_id, low=None, high=None))
    latest = (
        latest_glucose(db, user_id=user_id, prefs=prefs, until=day_high),
        latest_bp(db, user_id=user_id, prefs=prefs, until=day_high),
        latest_hba1c(db, user_id=user_id, prefs=prefs, until=today),
    )
    unit = prefs.glucose_unit
    return DashboardNumbers(
        today=today,
        week_start=monday,
        timezone=tz.key,
        glucose_unit=unit.value,
        goals=goals,
        today_nutrition=today_nutrition,
        today_progress=goal_progress(today_nutrition, goals),
        week_nutrition=nutrient_totals(db, user_id=user_id, low=week_low, high=day_high),
        total_nutrition=total_nutrition,
        week_exercise=week_exercise,
        total_exercise=total_exercise,
        who=who_progress(week_exercise),
        latest_glucose=latest[0],
        latest_bp=latest[1],
        latest_hba1c=latest[2],
        glucose_points=glucose_series(
            db,
            user_id=user_id,
            prefs=prefs,
            start=today - timedelta(days=GLUCOSE_CHART_DAYS - 1),
            end=today,
        ),
        glucose_target_low=float(display_glucose(Decimal(TARGET_LOW_MG_DL), unit)),
        glucose_target_high=float(display_glucose(Decimal(TARGET_HIGH_MG_DL), unit)),
        bp_points=bp_series(db, user_id=user_id, prefs=prefs, until=day_high),
        nutrition_days=nutrition_series(
            db,
            user_id=user_id,
            prefs=prefs,
            start=today - timedelta(days=NUTRITION_CHART_DAYS - 1),
            days=NUTRITION_CHART_DAYS,
        ),
        exercise_weeks=exercise_series(
            db,
            user_id=user_id,
            prefs=prefs,
            first_week=monday - timedelta(weeks=EXERCISE_CHART_WEEKS - 1),
            weeks=EXERCISE_CHART_WEEKS,
        ),
        has_data=any(item is not None for item in latest)
        or total_nutrition.meals > 0
        or total_exercise.sessions > 0,
    )
