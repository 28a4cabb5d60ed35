"""Helpers of the rank tests: users, exercise sessions, cohorts, badges, and checks of the
histogram against rank_metric."""

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, func, select

from healthapp.models import Exercise, Glucose, RankMetric, User
from healthapp.services import preferences, ranking
from healthapp.services.ranking import Metric

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday (ISO week 2026-W48)
PERIOD = "2026-11-25"  # the UTC date of NOW: the period of every metric


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
    return ranking.user_ranks(
        db, user_id=uid, prefs=prefs(db, uid), metrics=(metric,), now=NOW, **kwargs
    )[0]


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
        .where(
            RankMetric.metric == metric.value,
            col(RankMetric.period).in_(ranking.cohort_periods(mine.period)),
        )
    )
    better = db.exec(base.where(col(RankMetric.rank_value) > mine.rank_value)).one()
    return int(better), int(db.exec(base).one())


# At NOW (12:00 UTC) it is 04:00 in Los Angeles, 12:00 in London, 21:00 in Seoul and 01:00 the
# next day in Auckland: keyed by local date, Auckland's users would be a cohort of their own.
ZONES = ("America/Los_Angeles", "Europe/London", "Asia/Seoul", "Pacific/Auckland")


def population(db: Session, users: int, first: int = 0) -> dict[str, int]:
    """`users` users (numbered from `first`) spread over ZONES, each with enough data for all
    three metrics: exercise this week, and glucose readings twice a day for the last 15 days
    (enough for the 14-day time in range through the two days the tests run). Returns one user
    per zone."""
    one_per_zone: dict[str, int] = {}
    for i in range(first, first + users):
        zone = ZONES[i % len(ZONES)]
        uid = new_user(db, f"u{i}", zone)
        one_per_zone.setdefault(zone, uid)
        exercise(db, uid, NOW - timedelta(hours=5), 20 + i)
        for k in range(30):
            at = NOW - timedelta(hours=3 + 12 * k)
            db.add(Glucose(user_id=uid, measured_at=at, mg_dl=90 + 10 * ((i + k) % 12),
                           timing="other"))  # fmt: skip
    db.commit()
    return one_per_zone
