"""Keeping the stored values current: periods rolling over, deleted records, the batch refresh,
and the zones whose day just began."""

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from healthapp.models import Exercise, Glucose, RankMetric, User
from healthapp.services import ranking
from healthapp.services.ranking import Metric
from tests.unit.services.ranking.helpers import NOW, cohort, exercise, new_user, prefs


def test_rows_of_an_earlier_period_are_not_in_the_cohort(db: Session) -> None:
    ids = cohort(db, [10 * (i + 1) for i in range(20)])
    # A week later, only the users refreshed since are in the new week's cohort.
    later = NOW + timedelta(weeks=1)
    exercise(db, ids[0], later - timedelta(hours=1), 5)
    db.flush()
    result = ranking.user_ranks(
        db,
        user_id=ids[0],
        prefs=prefs(db, ids[0]),
        metrics=(Metric.EXERCISE_WEEK,),
        now=later,
        min_cohort=1,
    )[0]
    assert (result.period, result.value, result.cohort, result.top_percent) == (
        "2026-12-02",
        5,
        1,
        100,
    )
    ranking.refresh_all_metrics(db, now=later, commit=False)
    result = ranking.user_ranks(
        db, user_id=ids[0], prefs=prefs(db, ids[0]), metrics=(Metric.EXERCISE_WEEK,), now=later
    )[0]
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


def test_refresh_new_days_rolls_only_zones_whose_day_just_began(engine: Engine) -> None:
    with Session(engine) as db:
        seoul = User(login="seoul-user", password_hash="x", timezone="Asia/Seoul")
        berlin = User(login="berlin-user", password_hash="x", timezone="Europe/Berlin")
        db.add_all([seoul, berlin])
        db.commit()
        for user in (seoul, berlin):
            db.add(Glucose(user_id=user.id, measured_at=datetime(2026, 11, 28, 3, tzinfo=UTC),
                           mg_dl=100, timing="fasting"))  # fmt: skip
        db.commit()
        # 15:10 UTC is 00:10 in Seoul (a new day began) and 16:10 in Berlin (not).
        processed = ranking.refresh_new_days(
            db, now=datetime(2026, 11, 28, 15, 10, tzinfo=UTC), within=timedelta(minutes=65)
        )
        assert processed == 1
        owners = {row.user_id for row in db.exec(select(RankMetric)).all()}
        assert owners == {seoul.id}
