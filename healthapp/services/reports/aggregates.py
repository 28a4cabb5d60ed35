"""SQL aggregates of one user's records per period: COUNT, SUM, SUM of squares, SUM(CASE ...),
MIN/MAX over the (user_id, time) indexes. The statistics made of these sums are defined once, in
domain/stats; only the sums come from here.

Every aggregate of adjacent periods is `per_period`'s one statement: the record type's rows, put
in their interval by bucket_index, grouped by that index (and by what the type keeps apart, e.g.
the BP pair). Only overlapping windows (exercise_groups_in_windows) need a statement of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy import ColumnCollection, Select
from sqlmodel import Session, col, func, select

from healthapp.domain.clinical import PRE_MEAL_TIMINGS
from healthapp.domain.stats import (
    ABOVE_180_FROM,
    ABOVE_250_FROM,
    BELOW_54_UNDER,
    BELOW_70_UNDER,
    POST_MEAL_TIMINGS,
    BPSums,
    ExerciseGroup,
    GlucoseSums,
    NutrientTotals,
)
from healthapp.models import BloodPressure, Exercise, Glucose, Meal, MealItem
from healthapp.services.reports.periods import bucket_index

Edges = Sequence[datetime | None]
Aggregates = Callable[[ColumnCollection[str, Any]], Sequence[Any]]


def _f(value: Any) -> float:
    return 0.0 if value is None else float(value)


def _i(value: Any) -> int:
    return 0 if value is None else int(value)


def _ones(condition: Any) -> Any:
    return func.sum(sa.case((condition, 1), else_=0))


def per_period(
    db: Session,
    rows: Select[*tuple[Any, ...]],
    *,
    when: Any,
    edges: Edges,
    aggregates: Aggregates,
    keys: Sequence[str] = (),
) -> list[list[tuple[Any, ...]]]:
    """`aggregates` of `rows` in each interval [edges[i], edges[i + 1]) of the column `when`, in
    one statement.

    `rows` selects named columns of one user's records; `aggregates` turns the columns of its
    subquery into aggregate expressions; `keys` names further columns to group by. Per interval,
    its result rows (`keys` values, then the aggregates), none for an interval without records.
    The first or last edge None leaves that end open.
    """
    low, high = edges[0], edges[-1]
    bounds = [when >= low] if low is not None else []
    bounds += [when < high] if high is not None else []
    inner = rows.add_columns(bucket_index(when, edges).label("bucket")).where(*bounds).subquery()
    group = [inner.c.bucket, *(inner.c[key] for key in keys)]
    result = db.exec(select(*group, *aggregates(inner.c)).group_by(*group).order_by(*group))
    by_period: list[list[tuple[Any, ...]]] = [[] for _ in range(len(edges) - 1)]
    for row in result.all():
        by_period[int(row[0])].append(tuple(row[1:]))
    return by_period


# --- glucose ------------------------------------------------------------------------------------


def _glucose_aggregates(c: ColumnCollection[str, Any]) -> tuple[Any, ...]:
    value = c.mg_dl
    pre = c.timing.in_([t.value for t in PRE_MEAL_TIMINGS])
    post = c.timing.in_([t.value for t in POST_MEAL_TIMINGS])
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
        func.min(c.measured_at),
        func.max(c.measured_at),
    )


def _glucose_sums_of(rows: Sequence[Sequence[Any]], tz: ZoneInfo) -> GlucoseSums:
    """GlucoseSums from the one row of _glucose_aggregates (none: no readings)."""
    if not rows or not rows[0][0]:
        return GlucoseSums()
    row = rows[0]
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


def glucose_sums_by_period(
    db: Session, *, user_id: int, edges: Sequence[datetime], tz: ZoneInfo
) -> list[GlucoseSums]:
    """Glucose readings of each interval [edges[i], edges[i + 1]) added up by the database."""
    when = col(Glucose.measured_at)
    rows = select(col(Glucose.mg_dl), col(Glucose.timing), when).where(Glucose.user_id == user_id)
    periods = per_period(db, rows, when=when, edges=edges, aggregates=_glucose_aggregates)
    return [_glucose_sums_of(period, tz) for period in periods]


def glucose_sums(
    db: Session, *, user_id: int, low: datetime, high: datetime, tz: ZoneInfo
) -> GlucoseSums:
    """Glucose readings of [low, high) added up by the database."""
    return glucose_sums_by_period(db, user_id=user_id, edges=[low, high], tz=tz)[0]


# --- blood pressure -----------------------------------------------------------------------------


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


def _bp_aggregates(c: ColumnCollection[str, Any]) -> tuple[Any, ...]:
    return func.count(), func.count(c.pulse), func.sum(c.pulse)


def bp_sums_by_period(db: Session, *, user_id: int, edges: Sequence[datetime]) -> list[BPSums]:
    """BP readings of each interval [edges[i], edges[i + 1]): counts grouped by (systolic,
    diastolic), so that categories come from clinical.classify_bp itself (at most one row per
    distinct pair)."""
    bp = BloodPressure
    rows = select(col(bp.systolic), col(bp.diastolic), col(bp.pulse)).where(bp.user_id == user_id)
    keys = ("systolic", "diastolic")
    periods = per_period(
        db, rows, when=col(bp.measured_at), edges=edges, aggregates=_bp_aggregates, keys=keys
    )
    return [_bp_sums_of(period) for period in periods]


def bp_sums(db: Session, *, user_id: int, low: datetime, high: datetime) -> BPSums:
    """BP readings of [low, high), as bp_sums_by_period."""
    return bp_sums_by_period(db, user_id=user_id, edges=[low, high])[0]


# --- exercise -----------------------------------------------------------------------------------


def _group(row: Sequence[Any]) -> ExerciseGroup:
    """(kind, intensity, sessions, minutes, energy sum, sessions with energy) as a group."""
    return ExerciseGroup(
        kind=row[0],
        intensity=row[1],
        sessions=_i(row[2]),
        minutes=_i(row[3]),
        energy_kcal=_f(row[4]),
        energy_sessions=_i(row[5]),
    )


def _exercise_aggregates(c: ColumnCollection[str, Any]) -> tuple[Any, ...]:
    energy = c.energy_kcal
    return func.count(), func.sum(c.duration_min), func.sum(energy), func.count(energy)


def exercise_groups_by_period(
    db: Session, *, user_id: int, edges: Edges
) -> list[list[ExerciseGroup]]:
    """Exercise of each interval [edges[i], edges[i + 1]) grouped by kind and intensity."""
    ex = Exercise
    columns = (col(ex.kind), col(ex.intensity), col(ex.duration_min), col(ex.energy_kcal))
    rows = select(*columns).where(ex.user_id == user_id)
    keys = ("kind", "intensity")
    periods = per_period(
        db, rows, when=col(ex.started_at), edges=edges, aggregates=_exercise_aggregates, keys=keys
    )
    return [[_group(row) for row in period] for period in periods]


def exercise_groups(
    db: Session, *, user_id: int, low: datetime | None, high: datetime | None
) -> list[ExerciseGroup]:
    """Exercise of [low, high) (None: unbounded) grouped by kind and intensity."""
    return exercise_groups_by_period(db, user_id=user_id, edges=[low, high])[0]


def exercise_groups_in_windows(
    db: Session, *, user_id: int, windows: Sequence[tuple[datetime, datetime]]
) -> list[list[ExerciseGroup]]:
    """exercise_groups of each [low, high) window, in one statement. Windows may overlap (a day
    and its week to date), which bucket_index cannot express: every window's sums are CASEs over
    the same GROUP BY kind, intensity instead."""
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


# --- nutrition ----------------------------------------------------------------------------------


def _nutrient_totals_of(rows: Sequence[Sequence[Any]]) -> NutrientTotals:
    """NutrientTotals from the one row of (meals, kcal, carb, protein, fat) (none: no meals)."""
    if not rows:
        return NutrientTotals()
    meals, kcal, carb, protein, fat = rows[0]
    return NutrientTotals(
        kcal=_f(kcal), carb_g=_f(carb), protein_g=_f(protein), fat_g=_f(fat), meals=_i(meals)
    )


def _nutrient_aggregates(c: ColumnCollection[str, Any]) -> tuple[Any, ...]:
    # A meal without items is one joined row of NULL nutrients: counted, adding nothing.
    nutrients = (c.kcal, c.carb_g, c.protein_g, c.fat_g)
    return func.count(sa.distinct(c.meal_id)), *(func.sum(n) for n in nutrients)


def nutrient_totals_by_period(db: Session, *, user_id: int, edges: Edges) -> list[NutrientTotals]:
    """Meals eaten in each interval [edges[i], edges[i + 1]) and the sum of their items'
    nutrients."""
    rows = (
        sa.select(  # five columns: more than sqlmodel.select's overloads take
            col(Meal.id).label("meal_id"),
            col(MealItem.kcal),
            col(MealItem.carb_g),
            col(MealItem.protein_g),
            col(MealItem.fat_g),
        )
        .select_from(Meal)
        .join(MealItem, col(MealItem.meal_id) == col(Meal.id), isouter=True)
        .where(col(Meal.user_id) == user_id)
    )
    periods = per_period(
        db, rows, when=col(Meal.eaten_at), edges=edges, aggregates=_nutrient_aggregates
    )
    return [_nutrient_totals_of(period) for period in periods]


def nutrient_totals(
    db: Session, *, user_id: int, low: datetime | None, high: datetime | None
) -> NutrientTotals:
    """Meals eaten in [low, high) (None: unbounded) and the sum of their items' nutrients."""
    return nutrient_totals_by_period(db, user_id=user_id, edges=[low, high])[0]
