"""Reports and dashboard numbers on a migrated SQLite database with seeded rows."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.domain import stats
from healthapp.domain.stats import GlucoseReading
from healthapp.models import BloodPressure, Exercise, Glucose, HbA1c, Meal, MealItem, User
from healthapp.services import preferences, reports
from healthapp.services.forms import FormInvalid

FOOD = "fndds_coffee_espresso"  # any row of the seeded food table


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


def make_user(db: Session, zone: str, login: str = "alice", **prefs: object) -> tuple[int, object]:
    user = User(login=login, password_hash="x", timezone=zone, **prefs)
    db.add(user)
    db.flush()
    assert user.id is not None
    return user.id, preferences.get_preferences(db, user_id=user.id)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold).astimezone(UTC)


def add_glucose(db: Session, uid: int, at: datetime, mg_dl: float, timing: str = "other") -> None:
    db.add(Glucose(user_id=uid, measured_at=at, mg_dl=mg_dl, timing=timing))


def add_meal(
    db: Session,
    uid: int,
    at: datetime,
    *items: tuple[float, float, float, float],
    meal_type: str = "lunch",
    source: str = "manual",
) -> int:
    meal = Meal(user_id=uid, eaten_at=at, meal_type=meal_type)
    db.add(meal)
    db.flush()
    assert meal.id is not None
    for kcal, carb, protein, fat in items:
        db.add(
            MealItem(
                meal_id=meal.id,
                user_id=uid,
                food_id=FOOD,
                grams=100,
                kcal=kcal,
                carb_g=carb,
                protein_g=protein,
                fat_g=fat,
                source=source,
            )
        )
    db.flush()
    return meal.id


# --- DST: no hour lost or counted twice ----------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "inside", "before", "after"),
    [
        # New York leaves DST on Sunday 2026-11-01: 01:00-01:59 happens twice; the day has 25 h.
        (
            "America/New_York",
            date(2026, 11, 1),
            [
                utc(2026, 11, 1, 4, 0),
                utc(2026, 11, 1, 5, 30),
                utc(2026, 11, 1, 6, 30),
                utc(2026, 11, 2, 4, 59),
            ],
            utc(2026, 11, 1, 3, 59),
            utc(2026, 11, 2, 5, 0),
        ),
        # Berlin leaves DST on Sunday 2026-10-25: 02:00-02:59 happens twice.
        (
            "Europe/Berlin",
            date(2026, 10, 25),
            [
                utc(2026, 10, 24, 22, 0),
                utc(2026, 10, 25, 0, 30),
                utc(2026, 10, 25, 1, 30),
                utc(2026, 10, 25, 22, 59),
            ],
            utc(2026, 10, 24, 21, 59),
            utc(2026, 10, 25, 23, 0),
        ),
        # New York enters DST on 2026-03-08: a 23-hour day.
        (
            "America/New_York",
            date(2026, 3, 8),
            [
                utc(2026, 3, 8, 5, 0),
                utc(2026, 3, 8, 6, 59),
                utc(2026, 3, 8, 7, 0),
                utc(2026, 3, 9, 3, 59),
            ],
            utc(2026, 3, 8, 4, 59),
            utc(2026, 3, 9, 4, 0),
        ),
    ],
)
def test_days_and_weeks_around_dst(
    db: Session, zone: str, day: date, inside: list[datetime], before: datetime, after: datetime
) -> None:
    uid, prefs = make_user(db, zone)
    for at in [*inside, before, after]:
        add_glucose(db, uid, at, 100)
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


def test_nutrition_series_buckets_local_days_across_dst(db: Session) -> None:
    zone = "America/New_York"
    uid, prefs = make_user(db, zone)
    add_meal(db, uid, local(zone, 2026, 11, 1, 1, 30, fold=0), (100, 10, 5, 2))  # EDT
    add_meal(db, uid, local(zone, 2026, 11, 1, 1, 30, fold=1), (200, 20, 10, 4))  # EST
    add_meal(db, uid, local(zone, 2026, 11, 1, 23, 59), (50, 5, 1, 1))
    add_meal(db, uid, local(zone, 2026, 11, 2, 0, 0), (1, 0, 0, 0))
    series = reports.nutrition_series(
        db, user_id=uid, prefs=prefs, start=date(2026, 10, 31), days=3
    )
    assert [(d.day, d.kcal) for d in series] == [
        (date(2026, 10, 31), 0),
        (date(2026, 11, 1), 350),
        (date(2026, 11, 2), 1),
    ]
    assert series[1].carb_g == 35
    assert series[1].protein_g == 16
    assert series[1].fat_g == 7
    # 140 + 64 + 63 = 267 kcal from macros
    assert series[1].fat_pct == pytest.approx(100 * 63 / 267)
    assert series[0].carb_pct == 0


# --- what a report contains ---------------------------------------------------------------------


def seed_week(db: Session) -> tuple[int, object]:
    """Seoul (no DST), week of Monday 2026-11-23, plus some of the week before."""
    zone = "Asia/Seoul"
    uid, prefs = make_user(db, zone, weight_kg=70.0, language="ko")
    at = lambda *a: local(zone, *a)  # noqa: E731
    # meals: two on Tuesday, one the week before
    add_meal(
        db, uid, at(2026, 11, 24, 8, 0), (300, 40, 10, 10), (100, 5, 5, 5), meal_type="breakfast"
    )
    add_meal(db, uid, at(2026, 11, 24, 12, 30), (700, 80, 30, 25), source="estimate")
    add_meal(db, uid, at(2026, 11, 17, 12, 30), (500, 60, 20, 20))
    # glucose: Tuesday (the day of the daily report) and Monday (the day before)
    for hour, value, timing in [
        (7, 95, "fasting"),
        (10, 190, "after_breakfast"),
        (12, 120, "before_lunch"),
        (14, 160, "after_lunch"),
        (22, 65, "bedtime"),
    ]:
        add_glucose(db, uid, at(2026, 11, 24, hour, 0), value, timing)
    add_glucose(db, uid, at(2026, 11, 23, 7, 0), 110, "fasting")
    add_glucose(db, uid, at(2026, 11, 23, 9, 0), 130, "after_breakfast")
    # BP (Korean UI: KSH)
    db.add(
        BloodPressure(
            user_id=uid, measured_at=at(2026, 11, 24, 7, 5), systolic=128, diastolic=78, pulse=70
        )
    )
    db.add(
        BloodPressure(
            user_id=uid, measured_at=at(2026, 11, 24, 21, 0), systolic=146, diastolic=88, pulse=None
        )
    )
    db.add(
        BloodPressure(user_id=uid, measured_at=at(2026, 11, 23, 7, 0), systolic=120, diastolic=80)
    )
    # exercise: 30 min moderate walk Monday, 20 min running Tuesday, 40 light walk the week before
    db.add(
        Exercise(
            user_id=uid,
            started_at=at(2026, 11, 23, 18, 0),
            kind="walking",
            duration_min=30,
            intensity="moderate",
            energy_kcal=122.5,
        )
    )
    db.add(
        Exercise(
            user_id=uid,
            started_at=at(2026, 11, 24, 18, 0),
            kind="running",
            duration_min=20,
            intensity="vigorous",
            energy_kcal=None,
        )
    )
    db.add(
        Exercise(
            user_id=uid,
            started_at=at(2026, 11, 18, 18, 0),
            kind="walking",
            duration_min=40,
            intensity="light",
            energy_kcal=130.7,
        )
    )
    # HbA1c: one before, one after the week
    db.add(HbA1c(user_id=uid, measured_on=date(2026, 11, 2), percent=7.2))
    db.add(HbA1c(user_id=uid, measured_on=date(2026, 12, 2), percent=6.5))
    db.flush()
    return uid, prefs


def test_daily_report(db: Session) -> None:
    uid, prefs = seed_week(db)
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
        GlucoseReading(local("Asia/Seoul", 2026, 11, 24, h), v)
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


def test_weekly_report_starts_on_monday_and_compares(db: Session) -> None:
    uid, prefs = seed_week(db)
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


def test_empty_reports(db: Session) -> None:
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
    dash = reports.dashboard_numbers(db, user_id=uid, prefs=prefs, today=date(2026, 11, 24))
    assert not dash.has_data
    assert dash.latest_glucose is None
    assert dash.latest_bp is None
    assert dash.latest_hba1c is None
    assert dash.glucose_points == []
    assert dash.bp_points == []
    assert len(dash.nutrition_days) == 14
    assert all(d.kcal == 0 for d in dash.nutrition_days)
    assert [w.minutes for w in dash.exercise_weeks] == [0] * 8


def test_dashboard_numbers(db: Session) -> None:
    uid, prefs = seed_week(db)
    prefs = preferences.update_preferences(
        db,
        user_id=uid,
        form={
            "glucose_unit": "mmol/L",
            "bp_standard": "acc_aha",
            "timezone": "Asia/Seoul",
            "weight_kg": "70",
            "hba1c_target": "7",
            "language": "ko",
        },
    )
    reports.update_goals(
        db, user_id=uid, form={"kcal": "1800", "carb_g": "200", "protein_g": "90", "fat_g": "60"}
    )
    dash = reports.dashboard_numbers(db, user_id=uid, prefs=prefs, today=date(2026, 11, 24))
    assert dash.has_data
    assert dash.goals == stats.Goals(1800, 200, 90, 60)
    assert dash.today_nutrition.kcal == 1100
    assert dash.today_progress.kcal_pct == 61
    assert dash.today_progress.protein_pct == 50
    assert dash.week_nutrition.kcal == 1100
    assert dash.total_nutrition.kcal == 1600
    assert dash.total_nutrition.meals == 3
    assert dash.week_exercise.minutes == 50
    assert dash.total_exercise.minutes == 90
    assert dash.who.who_minutes == 70
    # latest values with classification, in the chosen unit and standard
    assert dash.latest_glucose is not None
    assert (dash.latest_glucose.value, dash.latest_glucose.unit) == ("3.6", "mmol/L")
    assert dash.latest_glucose.level == "danger"  # 65 mg/dL: hypoglycaemia level 1
    assert dash.latest_bp is not None
    assert dash.latest_bp.category == "stage2"
    assert dash.latest_bp.label_key == "clinical.bp.stage2"
    assert dash.latest_hba1c is not None
    assert dash.latest_hba1c.percent == 7.2
    assert dash.latest_hba1c.eag_value == "8.9"  # 159.94 mg/dL
    # charts
    assert [p.value for p in dash.glucose_points][:3] == [6.1, 7.2, 5.3]  # 110, 130, 95 mg/dL
    assert (dash.glucose_target_low, dash.glucose_target_high) == (3.9, 10.0)
    assert len(dash.glucose_points) == 7
    assert [(p.systolic, p.diastolic) for p in dash.bp_points] == [(120, 80), (128, 78), (146, 88)]
    assert dash.nutrition_days[-1].day == date(2026, 11, 24)
    assert dash.nutrition_days[-1].kcal == 1100
    assert dash.nutrition_days[-8].kcal == 500
    assert dash.exercise_weeks[-1].week_start == date(2026, 11, 23)
    assert [w.minutes for w in dash.exercise_weeks[-2:]] == [40, 50]
    assert [w.who_minutes for w in dash.exercise_weeks[-2:]] == [0, 70]


def test_chart_limits(db: Session) -> None:
    uid, prefs = make_user(db, "UTC")
    start = utc(2026, 11, 1)
    for i in range(40):
        db.add(
            BloodPressure(
                user_id=uid, measured_at=start + timedelta(hours=i), systolic=100 + i, diastolic=70
            )
        )
        add_glucose(db, uid, start + timedelta(hours=i), 100 + i)
    db.flush()
    bp = reports.bp_series(db, user_id=uid, prefs=prefs, until=utc(2026, 11, 5))
    assert len(bp) == 30
    assert bp[0].systolic == 110
    assert bp[-1].systolic == 139
    points = reports.glucose_series(
        db, user_id=uid, prefs=prefs, start=date(2026, 11, 1), end=date(2026, 11, 2), limit=10
    )
    assert [p.mg_dl for p in points] == [130 + i for i in range(10)]  # the newest, oldest first


# --- goals ----------------------------------------------------------------------------------------


def test_goals_default_and_update(db: Session) -> None:
    uid, _ = make_user(db, "UTC")
    assert reports.get_goals(db, user_id=uid) == reports.DEFAULT_GOALS
    assert stats.Goals(2000, 250, 75, 65) == reports.DEFAULT_GOALS
    assert reports.goals_form(reports.DEFAULT_GOALS) == {
        "kcal": "2000",
        "carb_g": "250",
        "protein_g": "75",
        "fat_g": "65",
    }
    goals = reports.update_goals(
        db, user_id=uid, form={"kcal": " 1800 ", "carb_g": "180", "protein_g": "100", "fat_g": "70"}
    )
    assert goals == stats.Goals(1800, 180, 100, 70) == reports.get_goals(db, user_id=uid)


def test_goals_form_errors(db: Session) -> None:
    uid, _ = make_user(db, "UTC")
    with pytest.raises(FormInvalid) as info:
        reports.update_goals(
            db,
            user_id=uid,
            form={"kcal": "", "carb_g": "abc", "protein_g": "9999", "fat_g": "60.5"},
        )
    errors = info.value.errors
    assert {name: e.key for name, e in errors.items()} == {
        "kcal": "error.value_required",
        "carb_g": "error.number_invalid",
        "protein_g": "error.out_of_range",
        "fat_g": "error.whole_number",
    }
    assert errors["protein_g"].params == {"min": 10, "max": 400, "unit": "g"}
    assert set(e.key for e in errors.values()) <= set(reports.GOAL_ERROR_KEYS)
    assert reports.get_goals(db, user_id=uid) == reports.DEFAULT_GOALS  # nothing changed


def test_day_edges_where_midnight_itself_is_skipped_or_repeated() -> None:
    # Santiago changes its clocks at midnight: 2026-09-06 00:00 does not exist (the day starts
    # at 01:00 and has 23 h); 2026-04-05 00:00 happens twice (the day before has 25 h).
    santiago = ZoneInfo("America/Santiago")
    spring = reports.day_edges(date(2026, 9, 5), 2, santiago)
    assert [b - a for a, b in pairwise(spring)] == [
        timedelta(hours=24),
        timedelta(hours=23),
    ]
    autumn = reports.day_edges(date(2026, 4, 4), 2, santiago)
    assert [b - a for a, b in pairwise(autumn)] == [
        timedelta(hours=25),
        timedelta(hours=24),
    ]
    assert reports.local_midnight(date(2026, 9, 6), santiago) == utc(2026, 9, 6, 4)
