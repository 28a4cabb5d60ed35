"""One cohort for users in every time zone: every badge shows once the cohort reaches the
minimum, through two days of hourly refreshes, and below the minimum it still says why."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.services import ranking
from healthapp.services.ranking import Metric
from tests.unit.services.ranking.helpers import NOW, population, prefs

HOURLY_WINDOW = timedelta(minutes=65)  # as the worker runs refresh_new_days


def badges(db: Session, uid: int, now: datetime = NOW) -> list[ranking.RankResult]:
    return ranking.user_ranks(db, user_id=uid, prefs=prefs(db, uid), now=now)


def test_thirty_users_in_four_zones_share_every_cohort(engine: Engine) -> None:
    with Session(engine) as db:
        one_per_zone = population(db, 30)
        assert ranking.refresh_all_metrics(db, now=NOW) == 30
        for uid in one_per_zone.values():
            results = badges(db, uid)
            assert {r.metric for r in results} == {m.value for m in Metric}
            for r in results:
                assert (r.reason, r.cohort) == ("", 30), r
                assert r.top_percent is not None
                assert r.period == "2026-11-25"


def test_hourly_refreshes_keep_every_zone_in_one_cohort(engine: Engine) -> None:
    """Two days of the worker's hourly job (each zone recomputed at its local midnight):
    at every hour every user is in the cohort, whichever UTC day their value was computed on."""
    with Session(engine) as db:
        one_per_zone = population(db, 20)
        ranking.refresh_all_metrics(db, now=NOW)
        for hour in range(1, 49):
            now = NOW + timedelta(hours=hour)
            ranking.refresh_new_days(db, now=now, within=HOURLY_WINDOW)
            # cohort_counts reads only the histogram, as a badge does, without the badge's
            # own recompute of the user's row.
            for metric in Metric:
                _, cohort = ranking.cohort_counts(
                    db, metric=metric, period=ranking.period_of(now), value=0
                )
                assert cohort == 20, (metric, now)
        seoul = one_per_zone["Asia/Seoul"]
        assert all(r.top_percent is not None for r in badges(db, seoul, NOW + timedelta(hours=48)))


@pytest.mark.parametrize("users", [19, 4])
def test_fewer_than_the_minimum_still_say_too_few_users(engine: Engine, users: int) -> None:
    with Session(engine) as db:
        one_per_zone = population(db, users)
        ranking.refresh_all_metrics(db, now=NOW)
        for uid in one_per_zone.values():
            for r in badges(db, uid):
                assert (r.top_percent, r.reason, r.cohort) == (None, "cohort_too_small", users)


def test_a_row_nobody_refreshed_for_two_days_leaves_the_cohort_until_the_hourly_job(
    engine: Engine,
) -> None:
    with Session(engine) as db:
        population(db, 20)
        ranking.refresh_all_metrics(db, now=NOW)
        later = NOW + timedelta(days=2)  # the worker was down: every row is from 11-25
        assert ranking.stale_users(db, now=later) != []
        _, cohort = ranking.cohort_counts(
            db, metric=Metric.GLUCOSE_TIR_14D, period=ranking.period_of(later), value=0
        )
        assert cohort == 0
        # 13:00 UTC begins no zone's day: the stale users alone are recomputed.
        assert ranking.refresh_new_days(db, now=later + timedelta(hours=1), within=HOURLY_WINDOW)
        assert ranking.stale_users(db, now=later) == []
        _, cohort = ranking.cohort_counts(
            db, metric=Metric.GLUCOSE_TIR_14D, period=ranking.period_of(later), value=0
        )
        assert cohort == 20
