"""The "top n%" ranks: eligibility, cohorts, ties, opt-out, periods (SQLite)."""

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from healthapp.models import (
    BloodPressure,
    Exercise,
    Glucose,
    HbA1c,
    Meal,
    RankMetric,
    User,
)
from healthapp.models.ranking import RankHistogram
from healthapp.services import preferences, ranking
from healthapp.services.auth import accounts, passwords
from healthapp.services.ranking import Metric

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday; ISO week 2026-W48
WEEK = "2026-W48"


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


# --- the histogram -------------------------------------------------------------------------------


def histogram(db: Session) -> dict[tuple[str, str, int], int]:
    rows = db.exec(select(RankHistogram)).all()
    return {(r.metric, r.period, r.value): r.users for r in rows}


def assert_histogram_exact(db: Session) -> None:
    """The histogram equals GROUP BY over rank_metric, with no row left at 0."""
    db.flush()
    assert ranking.histogram_drift(db) == {}


def brute_force(db: Session, uid: int, metric: Metric) -> tuple[int, int]:
    """(better, cohort) by COUNTs over rank_metric, the way ranks were read before."""
    mine = db.exec(
        select(RankMetric).where(RankMetric.user_id == uid, RankMetric.metric == metric.value)
    ).one()
    base = (
        select(func.count())
        .select_from(RankMetric)
        .where(RankMetric.metric == metric.value, RankMetric.period == mine.period)
    )
    better = db.exec(base.where(col(RankMetric.rank_value) > mine.rank_value)).one()
    return int(better), int(db.exec(base).one())


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


def glucose_days(db: Session, uid: int, in_range: int, total: int = 14) -> None:
    """`total` readings spread over the last 13 days, `in_range` of them in 70-180."""
    for i in range(total):
        value = 100 if i < in_range else 250
        at = NOW - timedelta(minutes=i * 13 * 24 * 60 // total)
        db.add(Glucose(user_id=uid, measured_at=at, mg_dl=value, timing="other"))


def test_time_in_range_ranks_by_whole_percent(db: Session) -> None:
    ids = []
    for i in range(20):
        uid = new_user(db, f"g{i}")
        glucose_days(db, uid, in_range=i % 14, total=14)
        ids.append(uid)
    a, b = new_user(db, "a"), new_user(db, "b")
    # 11/14 = 78.57 % and 26/33 = 78.79 %: both rank as 79 %, so they tie.
    glucose_days(db, a, in_range=11, total=14)
    glucose_days(db, b, in_range=26, total=33)
    db.flush()
    ranking.refresh_all_metrics(db, now=NOW, commit=False)
    first = badge(db, a, Metric.GLUCOSE_TIR_14D)
    second = badge(db, b, Metric.GLUCOSE_TIR_14D)
    assert first.value == pytest.approx(100 * 11 / 14)  # shown exactly
    assert second.value == pytest.approx(100 * 26 / 33)
    # Better: 12/14 (86 %) and 13/14 (93 %); 11/14 (ids[11]) ties with both.
    assert (first.better, first.cohort) == (second.better, second.cohort) == (2, 22)
    assert badge(db, ids[11], Metric.GLUCOSE_TIR_14D).better == 2
    assert first.top_percent == second.top_percent == 14  # ceil(100 x 3 / 22)
    assert brute_force(db, a, Metric.GLUCOSE_TIR_14D) == (2, 22)
    assert_histogram_exact(db)


def test_the_histogram_follows_every_kind_of_change(db: Session) -> None:
    ids = cohort(db, [10 * (i + 1) for i in range(20)])
    assert_histogram_exact(db)
    assert histogram(db)[(Metric.EXERCISE_WEEK.value, WEEK, 200)] == 1
    # Value change.
    exercise(db, ids[0], NOW - timedelta(minutes=5), 190)  # 10 -> 200 minutes: ties the best
    ranking.refresh_user_metrics(db, user_id=ids[0], prefs=prefs(db, ids[0]), now=NOW)
    assert_histogram_exact(db)
    assert histogram(db)[(Metric.EXERCISE_WEEK.value, WEEK, 200)] == 2
    assert (Metric.EXERCISE_WEEK.value, WEEK, 10) not in histogram(db)  # fell to 0: deleted
    # Opt-out and back.
    ranking.set_rank_opt_out(db, user_id=ids[1], opt_out=True, prefs=prefs(db, ids[1]), now=NOW)
    assert_histogram_exact(db)
    ranking.set_rank_opt_out(db, user_id=ids[1], opt_out=False, prefs=prefs(db, ids[1]), now=NOW)
    assert_histogram_exact(db)
    # Period change: one user moves on, then everyone.
    later = NOW + timedelta(weeks=1)
    badge_later = ranking.user_rank(
        db, user_id=ids[2], prefs=prefs(db, ids[2]), metric=Metric.EXERCISE_WEEK, now=later
    )
    assert (badge_later.period, badge_later.cohort) == ("2026-W49", 1)
    assert_histogram_exact(db)
    ranking.refresh_all_metrics(db, now=later, chunk_size=7, commit=False)
    assert_histogram_exact(db)
    assert {p for _, p, _ in histogram(db)} == {"2026-W49", "2026-12-02"}  # W48 rows all gone
    # Deleted records: out of the cohort.
    db.exec(sa.delete(Exercise).where(col(Exercise.user_id) == ids[3]))
    ranking.refresh_user_metrics(db, user_id=ids[3], prefs=prefs(db, ids[3]), now=later)
    assert_histogram_exact(db)
    # Forgotten user.
    ranking.forget_user(db, ids[4])
    assert db.exec(select(RankMetric).where(RankMetric.user_id == ids[4])).all() == []
    assert_histogram_exact(db)
    ranking.forget_user(db, 10**9)  # no such user: nothing happens
    assert_histogram_exact(db)


def test_account_deletion_counts_the_user_out(db: Session) -> None:
    ids = cohort(db, [10 * (i + 1) for i in range(21)])
    star = ids[-1]
    user = db.get(User, star)
    assert user is not None
    user.password_hash = passwords.hash_password("a long enough password 1")
    db.add(user)
    db.flush()
    assert badge(db, ids[-2]).better == 1
    accounts.delete_account(db, user_id=star, password="a long enough password 1")
    db.flush()
    assert db.get(User, star) is None
    assert_histogram_exact(db)
    assert (badge(db, ids[-2]).better, badge(db, ids[-2]).cohort) == (0, 20)


def test_rebuild_histogram(db: Session) -> None:
    cohort(db, [10 * (i % 7) for i in range(25)])
    assert_histogram_exact(db)
    expected = histogram(db)
    db.exec(sa.update(RankHistogram).values(users=RankHistogram.users + 5))
    db.add(RankHistogram(metric="exercise_week", period="1999-W01", value=3, users=2))
    db.add(RankHistogram(metric="exercise_week", period="1999-W01", value=4, users=0))
    db.flush()
    assert ranking.histogram_drift(db) == {
        **{key: 5 for key in expected},
        ("exercise_week", "1999-W01", 3): 2,
        ("exercise_week", "1999-W01", 4): 0,  # a row left at 0 is drift too
    }
    week = [(Metric.EXERCISE_WEEK.value, WEEK)]
    written = ranking.rebuild_histogram(db, periods=week)
    assert written == len({k for k in expected if k[:2] == week[0]})
    got = histogram(db)
    assert {k: n for k, n in got.items() if k[:2] == week[0]} == {
        k: n for k, n in expected.items() if k[:2] == week[0]
    }
    assert got[("exercise_week", "1999-W01", 3)] == 2  # other periods left alone
    assert ranking.rebuild_histogram(db, periods=[]) == 0
    ranking.rebuild_histogram(db)
    assert histogram(db) == expected
    assert ranking.histogram_drift(db) == {}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_sequences_keep_the_histogram_exact(db: Session, seed: int) -> None:
    """Refreshes (one user, all, some zones), new records, deleted records, opt-outs, zone
    changes, days passing, badges read (which refresh stale rows), forgotten and deleted users:
    after every step the histogram equals GROUP BY over rank_metric, and every badge equals
    the COUNTs over rank_metric."""
    rng = random.Random(seed)
    zones = ["UTC", "Asia/Seoul", "America/New_York", ""]
    now = NOW
    users: list[int] = []

    def add_user() -> None:
        uid = new_user(db, f"r{len(users)}-{rng.random()}", rng.choice(zones))
        users.append(uid)
        for _ in range(rng.randint(0, 4)):
            add_records(uid)

    def add_records(uid: int) -> None:
        if rng.random() < 0.5:
            at = now - timedelta(hours=rng.randint(0, 24 * 30))
            exercise(db, uid, at, rng.choice([5, 15, 30, 45, 60, 90]))
        else:
            for day in rng.sample(range(14), k=rng.randint(1, 14)):
                at = now - timedelta(days=day, hours=rng.randint(0, 23))
                value = rng.choice([60, 100, 150, 200, 260])
                db.add(Glucose(user_id=uid, measured_at=at, mg_dl=value, timing="other"))
        db.flush()

    for _ in range(25):
        add_user()
    ranking.refresh_all_metrics(db, now=now, commit=False)
    assert_histogram_exact(db)
    for _step in range(60):
        op = rng.randrange(10)
        uid = rng.choice(users)
        if op == 0:
            add_records(uid)
            ranking.refresh_user_metrics(db, user_id=uid, prefs=prefs(db, uid), now=now)
        elif op == 1:
            for model in (Exercise, Glucose):
                rows = db.exec(select(model).where(model.user_id == uid)).all()
                for row in rng.sample(rows, k=len(rows) // 2):
                    db.delete(row)
            db.flush()
            ranking.refresh_user_metrics(db, user_id=uid, prefs=prefs(db, uid), now=now)
        elif op == 2:
            out = not db.get(User, uid).rank_opt_out  # type: ignore[union-attr]
            ranking.set_rank_opt_out(db, user_id=uid, opt_out=out, prefs=prefs(db, uid), now=now)
        elif op == 3:
            zone_subset = rng.sample(zones, k=rng.randint(1, len(zones)))
            ranking.refresh_all_metrics(
                db,
                now=now,
                chunk_size=rng.randint(1, 9),
                commit=False,
                timezones=zone_subset if rng.random() < 0.5 else None,
            )
        elif op == 4:
            now += timedelta(hours=rng.randint(1, 80))
        elif op == 5:
            user = db.get(User, uid)
            assert user is not None
            user.timezone = rng.choice(zones)
            db.add(user)
            db.flush()
            ranking.refresh_user_metrics(db, user_id=uid, prefs=prefs(db, uid), now=now)
        elif op == 6 and len(users) > 5:
            ranking.forget_user(db, uid)  # what accounts.delete_account does first
            db.exec(sa.delete(User).where(col(User.id) == uid))
            db.expire_all()
            users.remove(uid)
        elif op == 7:
            add_user()
        else:
            for result in ranking.user_ranks(db, user_id=uid, prefs=prefs(db, uid), now=now):
                if result.cohort:
                    metric = Metric(result.metric)
                    assert (result.better, result.cohort) == brute_force(db, uid, metric)
        assert_histogram_exact(db)
    ranking.refresh_all_metrics(db, now=now, commit=False)
    assert_histogram_exact(db)
    assert histogram(db)  # something was counted


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
