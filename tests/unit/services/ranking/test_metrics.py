"""The metrics: eligibility, local days, the GMI rule, periods, rank values."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from healthapp.models import BloodPressure, Glucose, HbA1c, Meal
from healthapp.services import ranking
from healthapp.services.ranking import Metric
from tests.unit.services.ranking.helpers import NOW, badge, exercise, new_user, prefs


def test_exercise_eligibility(db: Session) -> None:
    recent = new_user(db, "recent")  # a session 3 weeks before this week's Monday: counted, 0
    exercise(db, recent, datetime(2026, 11, 2, 9, tzinfo=UTC), 45)
    old = new_user(db, "old")  # last session 4 weeks before this Monday: not enough data
    exercise(db, old, datetime(2026, 11, 1, 23, 59, tzinfo=UTC), 45)
    nothing = new_user(db, "nothing")
    db.flush()
    assert badge(db, recent).value == 0
    assert badge(db, recent).reason == "cohort_too_small"
    assert badge(db, old).reason == "not_enough_data"
    assert badge(db, nothing).reason == "not_enough_data"
    assert badge(db, nothing).value == 0


def test_consistency_counts_local_days_with_any_record(db: Session) -> None:
    zone = "America/New_York"
    uid = new_user(db, "ny", zone)
    tz = ZoneInfo(zone)

    def at(*args: int, fold: int = 0) -> datetime:
        return datetime(*args, tzinfo=tz, fold=fold).astimezone(UTC)

    # Today in New York is 2026-11-25; the window is Oct 27 ... Nov 25.
    db.add(Glucose(user_id=uid, measured_at=at(2026, 10, 26, 23, 59), mg_dl=100, timing="other"))
    db.add(Glucose(user_id=uid, measured_at=at(2026, 10, 27, 0, 0), mg_dl=100, timing="other"))
    # The doubled hour of Nov 1: two records, one day.
    db.add(
        BloodPressure(
            user_id=uid, measured_at=at(2026, 11, 1, 1, 30, fold=0), systolic=120, diastolic=80
        )
    )
    db.add(
        BloodPressure(
            user_id=uid, measured_at=at(2026, 11, 1, 1, 30, fold=1), systolic=121, diastolic=80
        )
    )
    db.add(Meal(user_id=uid, eaten_at=at(2026, 11, 10, 12, 0), meal_type="lunch"))
    exercise(db, uid, at(2026, 11, 10, 18, 0), 30)  # same day as the meal
    db.add(HbA1c(user_id=uid, measured_on=date(2026, 11, 20), percent=6.9))
    db.add(HbA1c(user_id=uid, measured_on=date(2026, 10, 26), percent=6.9))  # outside
    exercise(db, uid, at(2026, 11, 25, 6, 0), 30)  # today, local
    db.flush()
    values = {
        v.metric: v
        for v in ranking.refresh_user_metrics(db, user_id=uid, prefs=prefs(db, uid), now=NOW)
    }
    consistency = values[Metric.CONSISTENCY_30D]
    # Oct 27, Nov 1, Nov 10, Nov 20, Nov 25
    assert (consistency.value, consistency.eligible, consistency.period) == (5, True, "2026-11-25")
    assert values[Metric.EXERCISE_WEEK].value == 30


def test_consistency_needs_one_day(db: Session) -> None:
    uid = new_user(db, "idle")
    db.add(Glucose(user_id=uid, measured_at=NOW - timedelta(days=31), mg_dl=100, timing="other"))
    db.flush()
    assert badge(db, uid, Metric.CONSISTENCY_30D).reason == "not_enough_data"


def test_glucose_in_range_needs_the_gmi_amount_of_data(db: Session) -> None:
    uid = new_user(db, "g")
    start = datetime(2026, 11, 19, 8, tzinfo=UTC)  # 7 days up to today, Nov 25
    values = [100] * 10 + [200, 200, 60, 150]  # 11 of 14 in 70-180
    for i, value in enumerate(values[:13]):
        db.add(
            Glucose(
                user_id=uid,
                measured_at=start + timedelta(hours=11 * i),
                mg_dl=value,
                timing="other",
            )
        )
    db.flush()
    assert badge(db, uid, Metric.GLUCOSE_TIR_14D).reason == "not_enough_data"  # 13 readings
    db.add(Glucose(user_id=uid, measured_at=NOW - timedelta(hours=1), mg_dl=150, timing="other"))
    db.flush()
    result = badge(db, uid, Metric.GLUCOSE_TIR_14D, min_cohort=1)
    assert result.value == pytest.approx(100 * 11 / 14)
    assert (result.top_percent, result.period) == (100, "2026-11-25")
    # Readings only within 6 local days are not enough, however many.
    other = new_user(db, "g2")
    for i in range(30):
        db.add(
            Glucose(
                user_id=other, measured_at=NOW - timedelta(hours=4 * i), mg_dl=100, timing="other"
            )
        )
    db.flush()
    assert badge(db, other, Metric.GLUCOSE_TIR_14D).reason == "not_enough_data"


def test_period_labels() -> None:
    # The UTC date, whatever the zone of the moment given: one period for everybody.
    seoul_morning = datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo("Asia/Seoul"))  # 23:00 UTC
    assert ranking.period_of(seoul_morning) == "2026-11-29"
    assert ranking.period_of(
        datetime(2026, 11, 29, 16, tzinfo=ZoneInfo("America/Los_Angeles"))
    ) == ("2026-11-30")
    assert ranking.cohort_periods("2027-01-01") == ("2026-12-31", "2027-01-01")


def test_rank_value_rounds_half_up_to_whole_numbers() -> None:
    assert [ranking.rank_value(v) for v in (0, 0.49, 0.5, 30, 78.5, 100 * 11 / 14, 100)] == [
        0,
        0,
        1,
        30,
        79,
        79,
        100,
    ]
    # 100 k / n, exactly: half-up of the fraction, whatever the float's last bit does.
    for n in range(1, 400):
        for k in range(n + 1):
            assert ranking.rank_value(100 * k / n) == (200 * k + n) // (2 * n), (k, n)
