"""With Redis configured, a write marks its user for a rank refresh after commit; the worker's
loop (refresh_dirty) or the user's own badge view does the refresh."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from sqlmodel import Session, select

from healthapp import config, db
from healthapp import redis_client as shared_redis
from healthapp.models import RankMetric, User
from healthapp.services import preferences, ranking, records

FORM = {"measured_at": "2026-11-28T08:00", "value": "110", "timing": "fasting"}
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture
def app_env(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    redis_server_url: str,
    redis_client: tuple[redis.Redis, str],
) -> Iterator[redis.Redis]:
    client, prefix = redis_client
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("REDIS_URL", redis_server_url)
    monkeypatch.setenv("REDIS_PREFIX", prefix)
    caches = (config.get_settings, db.get_engine, shared_redis.get_redis)
    for cached in caches:
        cached.cache_clear()
    db.migrate(url)
    yield client
    db.get_engine().dispose()
    for cached in caches:
        cached.cache_clear()


def new_user() -> int:
    with db.session_scope() as session:
        user = User(login="alice", password_hash="x", timezone="UTC")
        session.add(user)
        session.flush()
        assert user.id is not None
        return user.id


def rank_rows(user_id: int) -> list[RankMetric]:
    with Session(db.get_engine()) as session:
        return list(session.exec(select(RankMetric).where(RankMetric.user_id == user_id)).all())


def add_glucose(user_id: int, *, commit: bool = True) -> None:
    with Session(db.get_engine()) as session:
        prefs = preferences.get_preferences(session, user_id=user_id)
        records.create_record(session, user_id=user_id, kind="glucose", form=FORM, prefs=prefs,
                              now=NOW)  # fmt: skip
        if commit:
            session.commit()
        else:
            session.rollback()


def test_write_marks_dirty_after_commit_and_the_worker_loop_refreshes(
    app_env: redis.Redis,
) -> None:
    key = config.get_settings().redis_prefix + ranking.DIRTY_KEY
    user_id = new_user()
    add_glucose(user_id, commit=False)
    assert not app_env.sismember(key, user_id), "a rolled-back write marks nothing"
    add_glucose(user_id)
    assert app_env.sismember(key, user_id)
    assert rank_rows(user_id) == [], "the save itself did not recompute the metrics"
    with Session(db.get_engine()) as session:
        assert ranking.refresh_dirty(session) == 1
    assert {row.metric for row in rank_rows(user_id)} >= {"consistency_30d"}
    assert not app_env.sismember(key, user_id)


def test_own_badge_view_refreshes_a_dirty_user_first(app_env: redis.Redis) -> None:
    user_id = new_user()
    add_glucose(user_id)
    with db.session_scope() as session:
        prefs = preferences.get_preferences(session, user_id=user_id)
        ranks = ranking.user_ranks(session, user_id=user_id, prefs=prefs)
    consistency = next(r for r in ranks if r.metric == "consistency_30d")
    assert consistency.cohort == 1
    assert consistency.reason == "cohort_too_small"
