"""The shared cohort of users in four time zones on SQLite and PostgreSQL: every badge at the
minimum cohort, "too few users" one below it, and the hourly job keeping all zones in it."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from healthapp.db import make_engine, migrate
from healthapp.services import ranking
from healthapp.services.ranking import Metric
from tests.unit.services.ranking.helpers import NOW, ZONES, population, prefs


def test_four_zones_one_cohort(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        with Session(engine) as db:
            one_per_zone = population(db, ranking.DEFAULT_MIN_COHORT - 1)
            ranking.refresh_all_metrics(db, now=NOW)
            seoul = one_per_zone["Asia/Seoul"]
            short = ranking.user_ranks(db, user_id=seoul, prefs=prefs(db, seoul), now=NOW)
            assert {(r.reason, r.cohort) for r in short} == {("cohort_too_small", 19)}

        with Session(engine) as db:
            twentieth = population(db, 1, first=ranking.DEFAULT_MIN_COHORT - 1)
            assert set(twentieth) == {ZONES[(ranking.DEFAULT_MIN_COHORT - 1) % len(ZONES)]}
            ranking.refresh_all_metrics(db, now=NOW)
            # Hourly rounds over a day: each zone is recomputed at its local midnight.
            for hour in range(1, 25):
                ranking.refresh_new_days(db, now=NOW + timedelta(hours=hour),
                                         within=timedelta(minutes=65))  # fmt: skip
            later = NOW + timedelta(hours=24)
            for zone, uid in one_per_zone.items():
                results = ranking.user_ranks(db, user_id=uid, prefs=prefs(db, uid), now=later)
                assert {r.metric for r in results} == {m.value for m in Metric}
                for r in results:
                    assert (r.reason, r.cohort) == ("", 20), (zone, r)
            assert ranking.histogram_drift(db) == {}
    finally:
        engine.dispose()
