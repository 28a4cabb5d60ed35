"""The "top n%" ranks: eligibility, cohorts, ties, opt-out, periods (SQLite)."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from healthapp.models import (
    BloodPressure,
    Exercise,
    Glucose,
    HbA1c,
    Meal,
    RankMetric,
    User,
)
from healthapp.services import preferences, ranking
from healthapp.services.ranking import Metric

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday; ISO week 2026-W48
WEEK = "2026-W48"


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


def new_user(db: Session, login: str, zone: str = "UTC") -> int:
    user = User(login=login, password_hash="x", timezone=zone)
    db.add(user)
    db.flush()
    assert user.id is not None
    return user.id


def prefs(db: Session, uid: int) -> preferences.Preferences:
    return preferences.get_preferences(db, user_id=uid)


def exercise(db: Session, uid: int, at: datetime, minutes: int) -> None:
    db.add(
        Exercise(
            user_id=uid, started_at=at, kind="walking", duration_min=minutes, intensity="moderate"
        )
    )


def cohort(db: Session, minutes: list[int]) -> list[int]:
    """One user per entry, with that many exercise minutes this week (0: only an older session)."""
    ids = []
    for i, value in enumerate(minutes):
        uid = new_user(db, f"user{i}")
        if value:
            exercise(db, uid, NOW - timedelta(hours=1), value)
        else:
            exercise(db, uid, NOW - timedelta(weeks=2), 30)
        ids.append(uid)
    db.flush()
    ranking.refresh_all_metrics(db, now=NOW, commit=False)
    return ids


def badge(
    db: Session, uid: int, metric: Metric = Metric.EXERCISE_WEEK, **kwargs: object
) -> ranking.RankResult:
    return ranking.user_rank(
        db, user_id=uid, prefs=prefs(db, uid), metric=metric, now=NOW, **kwargs
    )


def test_best_worst_and_middle_of_exactly_min_cohort(db: Session) -> None:
    ids = cohort(db, [10 * (i + 1) for i in range(20)])  # 10 ... 200 minutes
    best, worst, middle = badge(db, ids[-1]), badge(db, ids[0]), badge(db, ids[10])
    assert (best.top_percent, best.better, best.cohort, best.reason) == (5, 0, 20, "")
    assert (best.period, best.value) == (WEEK, 200)
    assert (worst.top_percent, worst.better) == (100, 19)
    assert (middle.value, middle.better, middle.top_percent) == (110, 9, 50)


def test_cohort_below_the_minimum_shows_no_badge(db: Session) -> None:
    ids = cohort(db, [10 * (i + 1) for i in range(19)])
    result = badge(db, ids[-1])
    assert result.top_percent is None
    assert (result.reason, result.cohort, result.better, result.value) == (
        "cohort_too_small",
        19,
        0,
        190,
    )
    assert badge(db, ids[-1], min_cohort=19).top_percent == 6  # ceil(100 / 19)
    assert ranking.DEFAULT_MIN_COHORT == 20


def test_ties_share_the_best_place(db: Session) -> None:
    ids = cohort(db, [300, 300, 300] + [10 * (i + 1) for i in range(17)])
    assert [badge(db, uid).top_percent for uid in ids[:3]] == [5, 5, 5]
    next_best = badge(db, ids[-1])  # 170 minutes: three users are strictly better
    assert (next_best.better, next_best.top_percent) == (3, 20)


def test_all_tied_at_zero_are_all_top(db: Session) -> None:
    ids = cohort(db, [0] * 20)  # all log exercise, nobody did any this week
    result = badge(db, ids[7])
    assert (result.value, result.better, result.cohort, result.top_percent) == (0, 0, 20, 5)


def test_opted_out_users_are_neither_counted_nor_shown(db: Session) -> None:
    ids = cohort(db, [10 * (i + 1) for i in range(21)])  # ids[-1] (210 min) is the best
    assert badge(db, ids[-2]).better == 1
    star = ids[-1]
    ranking.set_rank_opt_out(db, user_id=star, opt_out=True, prefs=prefs(db, star), now=NOW)
    hidden = badge(db, star)
    assert (hidden.reason, hidden.value, hidden.top_percent) == ("opted_out", None, None)
    assert db.exec(select(RankMetric).where(RankMetric.user_id == star)).all() == []
    second = badge(db, ids[-2])
    assert (second.better, second.cohort, second.top_percent) == (0, 20, 5)
    # The periodic job keeps them out too.
    ranking.refresh_all_metrics(db, now=NOW, commit=False)
    assert badge(db, ids[-2]).cohort == 20
    # Back in: counted again at once.
    ranking.set_rank_opt_out(db, user_id=star, opt_out=False, prefs=prefs(db, star), now=NOW)
    assert (badge(db, star).top_percent, badge(db, ids[-2]).better) == (5, 1)
    assert badge(db, ids[-2]).cohort == 21


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


def test_rows_of_an_earlier_period_are_not_in_the_cohort(db: Session) -> None:
    ids = cohort(db, [10 * (i + 1) for i in range(20)])
    # A week later, only the users refreshed since are in the new week's cohort.
    later = NOW + timedelta(weeks=1)
    exercise(db, ids[0], later - timedelta(hours=1), 5)
    db.flush()
    result = ranking.user_rank(
        db,
        user_id=ids[0],
        prefs=prefs(db, ids[0]),
        metric=Metric.EXERCISE_WEEK,
        now=later,
        min_cohort=1,
    )
    assert (result.period, result.value, result.cohort, result.top_percent) == (
        "2026-W49",
        5,
        1,
        100,
    )
    ranking.refresh_all_metrics(db, now=later, commit=False)
    result = ranking.user_rank(
        db, user_id=ids[0], prefs=prefs(db, ids[0]), metric=Metric.EXERCISE_WEEK, now=later
    )
    # Everyone else logged exercise within 4 weeks, none this week: 0 minutes, below ids[0].
    assert (result.cohort, result.better, result.top_percent) == (20, 0, 5)


def test_refresh_after_deleting_records_leaves_the_cohort(db: Session) -> None:
    uid = new_user(db, "solo")
    exercise(db, uid, NOW - timedelta(hours=2), 30)
    db.flush()
    ranking.refresh_user_metrics(db, user_id=uid, prefs=prefs(db, uid), now=NOW)
    assert len(db.exec(select(RankMetric).where(RankMetric.user_id == uid)).all()) == 2
    for row in db.exec(select(Exercise).where(Exercise.user_id == uid)).all():
        db.delete(row)
    db.flush()
    ranking.refresh_user_metrics(db, user_id=uid, prefs=prefs(db, uid), now=NOW)
    assert db.exec(select(RankMetric).where(RankMetric.user_id == uid)).all() == []


def test_batch_refresh_matches_per_user_refresh(db: Session) -> None:
    zones = ["UTC", "Asia/Seoul", "America/New_York", "", "Europe/Berlin"]
    ids = []
    for i in range(11):
        uid = new_user(db, f"z{i}", zones[i % len(zones)])
        exercise(db, uid, NOW - timedelta(hours=3 + 30 * i), 10 + i)
        for k in range(i + 10):
            db.add(
                Glucose(
                    user_id=uid,
                    measured_at=NOW - timedelta(hours=13 * k),
                    mg_dl=60 + 15 * k,
                    timing="other",
                )
            )
        ids.append(uid)
    db.flush()
    assert ranking.refresh_all_metrics(db, now=NOW, chunk_size=3, commit=False) == 11
    batch = sorted((r.user_id, r.metric, r.period, r.value) for r in db.exec(select(RankMetric)))
    db.exec(RankMetric.__table__.delete())
    for uid in ids:
        ranking.refresh_user_metrics(db, user_id=uid, prefs=prefs(db, uid), now=NOW)
    single = sorted((r.user_id, r.metric, r.period, r.value) for r in db.exec(select(RankMetric)))
    assert batch == single
    assert {m for _, m, _, _ in batch} == {m.value for m in Metric}
    # Only some zones: the others' rows stay as they are.
    db.exec(RankMetric.__table__.delete())
    assert ranking.refresh_all_metrics(db, now=NOW, timezones=["Asia/Seoul"], commit=False) == 2


def test_zones_new_day() -> None:
    now = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)  # 00:30 in Seoul, 16:30 in Berlin
    zones = ["Asia/Seoul", "Europe/Berlin", "", "Asia/Kolkata"]
    assert ranking.zones_new_day(zones, now, timedelta(hours=1)) == ["Asia/Seoul"]
    assert ranking.zones_new_day(
        zones, datetime(2026, 11, 25, 0, 10, tzinfo=UTC), timedelta(hours=1)
    ) == [""]


def test_period_labels() -> None:
    assert ranking.period_of(Metric.EXERCISE_WEEK, date(2026, 11, 29)) == "2026-W48"  # Sunday
    assert ranking.period_of(Metric.EXERCISE_WEEK, date(2026, 11, 30)) == "2026-W49"
    assert ranking.period_of(Metric.EXERCISE_WEEK, date(2027, 1, 1)) == "2026-W53"
    assert ranking.period_of(Metric.CONSISTENCY_30D, date(2026, 11, 29)) == "2026-11-29"
