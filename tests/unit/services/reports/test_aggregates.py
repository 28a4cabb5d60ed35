"""per_period, the one aggregate every record type's sums come from: each record in exactly one
interval, empty intervals empty, open ends, one statement however many intervals."""

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from healthapp.domain.stats import GlucoseSums, NutrientTotals
from healthapp.models import Exercise, Glucose
from healthapp.services import reports
from healthapp.services.preferences import Preferences
from healthapp.services.reports import aggregates
from tests.unit.services.reports.conftest import SEOUL, add_glucose, local, make_user, statements


def _edges(*days: int) -> list[datetime]:
    return [local(SEOUL, 2026, 11, day) for day in days]


def test_per_period_puts_each_row_in_one_interval(engine: Engine, db: Session) -> None:
    uid, _ = make_user(db, SEOUL)
    edges = _edges(20, 21, 22, 23)
    # the first instant of each interval is in it, the last edge itself is out
    for at, value in [(edges[0], 1), (edges[1] - timedelta(microseconds=1), 2), (edges[1], 4)]:
        add_glucose(db, uid, at, value)
    add_glucose(db, uid, edges[3], 8)
    add_glucose(db, uid, edges[0] - timedelta(seconds=1), 16)
    db.flush()
    rows = select(col(Glucose.mg_dl), col(Glucose.measured_at)).where(Glucose.user_id == uid)
    with statements(engine) as sent:
        periods = aggregates.per_period(
            db,
            rows,
            when=col(Glucose.measured_at),
            edges=edges,
            aggregates=lambda c: (func.count(), func.sum(c.mg_dl)),
        )
    assert len(sent) == 1
    assert periods == [[(2, 3.0)], [(1, 4.0)], []]


def test_per_period_groups_by_keys_in_order(db: Session, week: tuple[int, Preferences]) -> None:
    uid, _ = week
    rows = select(col(Exercise.kind), col(Exercise.duration_min)).where(Exercise.user_id == uid)
    periods = aggregates.per_period(
        db,
        rows,
        when=col(Exercise.started_at),
        edges=[None, *_edges(23), None],
        aggregates=lambda c: (func.sum(c.duration_min),),
        keys=("kind",),
    )
    assert periods == [[("walking", 40)], [("running", 20), ("walking", 30)]]


def test_one_interval_and_open_ends(db: Session, week: tuple[int, Preferences]) -> None:
    uid, prefs = week
    low, high = _edges(23, 30)
    by_period = aggregates.nutrient_totals_by_period(db, user_id=uid, edges=[low, high])
    assert by_period == [reports.nutrient_totals(db, user_id=uid, low=low, high=high)]
    assert by_period[0].kcal == 1100
    everything = reports.nutrient_totals(db, user_id=uid, low=None, high=None)
    assert (everything.kcal, everything.meals) == (1600, 3)
    before = reports.nutrient_totals(db, user_id=uid, low=None, high=low)
    assert (before.kcal, before.meals) == (500, 1)
    assert reports.nutrient_totals(db, user_id=uid, low=high, high=None) == NutrientTotals()
    minutes = [g.minutes for g in reports.exercise_groups(db, user_id=uid, low=low, high=None)]
    assert sorted(minutes) == [20, 30]
    monday, tuesday = _edges(23, 24)
    glucose = aggregates.glucose_sums_by_period(
        db, user_id=uid, edges=_edges(22, 23, 24), tz=prefs.tz
    )
    assert glucose[0] == GlucoseSums()
    assert glucose[1].count == 2
    assert glucose[1] == reports.glucose_sums(
        db, user_id=uid, low=monday, high=tuesday, tz=prefs.tz
    )
    bp = aggregates.bp_sums_by_period(db, user_id=uid, edges=_edges(22, 23, 24, 25))
    assert [b.count for b in bp] == [0, 1, 2]
    assert bp[2] == reports.bp_sums(db, user_id=uid, low=tuesday, high=_edges(25)[0])
