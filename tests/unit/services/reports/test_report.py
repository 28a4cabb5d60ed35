"""Daily and weekly reports on a migrated SQLite database with seeded rows."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.domain import stats
from healthapp.domain.stats import GlucoseReading
from healthapp.services import preferences, reports
from healthapp.services.preferences import Preferences
from tests.unit.services.reports.conftest import SEOUL, add_glucose, local, make_user, statements

# --- DST: no hour lost or counted twice ----------------------------------------------------------

# zone, the DST day (a Sunday), the last reading of the day before, four readings of the day (its
# first and last minute, two in between), the first reading of the day after; all UTC.
# fmt: off
DST_DAYS = [
    # New York leaves DST on Sunday 2026-11-01: 01:00-01:59 happens twice; the day has 25 h.
    ("America/New_York", date(2026, 11, 1), "2026-11-01T03:59",
     ["2026-11-01T04:00", "2026-11-01T05:30", "2026-11-01T06:30", "2026-11-02T04:59"],
     "2026-11-02T05:00"),
    # Berlin leaves DST on Sunday 2026-10-25: 02:00-02:59 happens twice.
    ("Europe/Berlin", date(2026, 10, 25), "2026-10-24T21:59",
     ["2026-10-24T22:00", "2026-10-25T00:30", "2026-10-25T01:30", "2026-10-25T22:59"],
     "2026-10-25T23:00"),
    # New York enters DST on 2026-03-08: a 23-hour day.
    ("America/New_York", date(2026, 3, 8), "2026-03-08T04:59",
     ["2026-03-08T05:00", "2026-03-08T06:59", "2026-03-08T07:00", "2026-03-09T03:59"],
     "2026-03-09T04:00"),
]
# fmt: on


@pytest.mark.parametrize(("zone", "day", "before", "inside", "after"), DST_DAYS)
def test_days_and_weeks_around_dst(
    db: Session, zone: str, day: date, before: str, inside: list[str], after: str
) -> None:
    uid, prefs = make_user(db, zone)
    for at in [*inside, before, after]:
        add_glucose(db, uid, datetime.fromisoformat(at).replace(tzinfo=UTC), 100)
    db.flush()
    one_day = timedelta(days=1)
    counts = [
        reports.daily_report(db, user_id=uid, prefs=prefs, day=d).current.glucose.count
        for d in (day - one_day, day, day + one_day)
    ]
    assert counts == [1, 4, 1]  # 6 readings, each in exactly one day
    # The DST day is a Sunday: the last day of its week, the next reading opens the next week.
    assert day.weekday() == 6
    week = reports.weekly_report(db, user_id=uid, prefs=prefs, week_start=day)
    assert (week.start, week.end) == (day - timedelta(days=6), day)
    assert week.current.glucose.count == 5
    assert week.previous.glucose.count == 0
    following = reports.weekly_report(db, user_id=uid, prefs=prefs, week_start=day + one_day)
    assert following.current.glucose.count == 1
    assert following.deltas.glucose_count == 1 - 5
    # The twice-lived hour shows as the same local clock time, twice.
    if zone == "America/New_York" and day.month == 11:
        points = reports.glucose_series(db, user_id=uid, prefs=prefs, start=day, end=day)
        assert [p.local for p in points][1:3] == ["2026-11-01T01:30", "2026-11-01T01:30"]


# --- what a report contains ---------------------------------------------------------------------


def test_daily_report(db: Session, week: tuple[int, Preferences]) -> None:
    uid, prefs = week
    report = reports.daily_report(db, user_id=uid, prefs=prefs, day=date(2026, 11, 24))
    assert (report.kind, report.start, report.end) == (
        "day",
        date(2026, 11, 24),
        date(2026, 11, 24),
    )
    assert report.timezone == "Asia/Seoul"
    # meals, items and totals
    assert [(m.time, m.meal_type, m.kcal, m.has_estimate) for m in report.meals] == [
        ("08:00", "breakfast", 400, False),
        ("12:30", "lunch", 700, True),
    ]
    assert len(report.meals[0].items) == 2
    assert report.meals[0].items[0].name_en
    n = report.current.nutrition
    assert (n.kcal, n.carb_g, n.protein_g, n.fat_g, n.meals) == (1100, 125, 45, 40, 2)
    assert report.goal_progress.kcal_pct == 55  # of the default 2000
    # glucose: 95, 190, 120, 160, 65
    g = report.current.glucose
    assert g.count == 5
    assert g.mean_mg_dl == pytest.approx(126)
    assert g.in_range_count == 3
    assert g.below_70_count == 1
    assert g.above_180_count == 1
    assert g.pre_meal_mean_mg_dl == pytest.approx(107.5)  # 95, 120
    assert g.post_meal_mean_mg_dl == pytest.approx(175)  # 190, 160
    assert g.gmi_pct is None
    assert g.gmi_reason == "too_few_readings"
    # the same numbers as the pure functions on the same rows
    rows = [
        GlucoseReading(local(SEOUL, 2026, 11, 24, h), v)
        for h, v in [(7, 95), (10, 190), (12, 120), (14, 160), (22, 65)]
    ]
    pure = stats.glucose_stats(stats.glucose_sums(rows, prefs.tz))
    assert g.sd_mg_dl == pytest.approx(pure.sd_mg_dl)
    assert g.cv_pct == pytest.approx(pure.cv_pct)
    # BP under KSH
    bp = report.current.bp
    assert bp.standard == "ksh"
    assert bp.count == 2
    assert (bp.systolic_mean, bp.diastolic_mean, bp.pulse_mean) == (137, 83, 70)
    assert bp.categories["elevated"] == 1
    assert bp.categories["isolated_systolic"] == 1
    # exercise, energy (unknown for the run: no weight then), WHO week to date (Mon + Tue)
    assert report.current.exercise.minutes == 20
    assert report.current.exercise.energy_unknown_sessions == 1
    assert report.who_week_start == date(2026, 11, 23)
    assert report.who.who_minutes == 30 + 2 * 20
    # HbA1c: the newest up to the day, not the later one
    assert report.hba1c is not None
    assert report.hba1c.percent == 7.2
    assert report.hba1c.eag_mg_dl == pytest.approx(159.94)
    assert report.hba1c.above_target
    # comparison with Monday
    assert report.previous.start == date(2026, 11, 23)
    assert report.deltas.glucose_count == 5 - 2
    assert report.deltas.glucose_mean_mg_dl == pytest.approx(126 - 120)
    assert report.deltas.kcal == 1100
    assert report.deltas.systolic_mean == pytest.approx(137 - 120)
    assert report.deltas.exercise_minutes == 20 - 30


def test_weekly_report_starts_on_monday_and_compares(
    db: Session, week: tuple[int, Preferences]
) -> None:
    uid, prefs = week
    report = reports.weekly_report(db, user_id=uid, prefs=prefs, week_start=date(2026, 11, 26))
    assert (report.start, report.end) == (date(2026, 11, 23), date(2026, 11, 29))
    assert report.current.days == 7
    assert report.current.glucose.count == 7
    assert report.current.glucose.span_days == 2
    assert report.current.nutrition.kcal == 1100
    assert report.previous.nutrition.kcal == 500
    assert report.deltas.kcal == 600
    assert report.deltas.meals == 1
    assert report.goal_progress.kcal_pct == round(100 * 1100 / 7 / 2000)  # daily average
    assert report.current.exercise.minutes == 50
    assert report.previous.exercise.minutes == 40
    assert report.who.who_minutes == 70
    assert not report.who.met
    assert report.previous.exercise.who_minutes == 0  # light walking does not count
    assert report.hba1c is not None
    assert report.hba1c.measured_on == date(2026, 11, 2)
    later = reports.weekly_report(db, user_id=uid, prefs=prefs, week_start=date(2026, 12, 7))
    assert later.hba1c is not None
    assert later.hba1c.percent == 6.5


def test_empty_report(db: Session) -> None:
    uid, prefs = make_user(db, "")
    report = reports.daily_report(db, user_id=uid, prefs=prefs, day=date(2026, 11, 24))
    assert report.meals == []
    assert report.hba1c is None
    assert report.current.glucose.count == 0
    assert report.current.glucose.mean_mg_dl is None
    assert report.current.bp.count == 0
    assert report.current.exercise.minutes == 0
    assert report.deltas.glucose_mean_mg_dl is None
    assert report.deltas.kcal == 0
    assert report.timezone == "UTC"


@pytest.mark.parametrize("kind", ["day", "week"])
def test_one_statement_per_kind_of_record(
    engine: Engine, db: Session, week: tuple[int, Preferences], kind: str
) -> None:
    # Both periods (and the WHO week to date) from one statement per kind of record: exercise,
    # meals, glucose, BP; then goals, the meal list, HbA1c.
    uid, _ = week
    db.commit()
    with Session(engine) as fresh:
        prefs = preferences.get_preferences(fresh, user_id=uid)
        day = date(2026, 11, 24)
        with statements(engine) as sent:
            if kind == "day":
                reports.daily_report(fresh, user_id=uid, prefs=prefs, day=day)
            else:
                reports.weekly_report(fresh, user_id=uid, prefs=prefs, week_start=day)
    assert len(sent) == 7
