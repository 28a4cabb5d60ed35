"""With Redis configured, a write marks its user for a rank refresh after commit; the worker's
loop (refresh_dirty) or the user's own badge view does the refresh."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import redis
from sqlmodel import Session, select

from healthapp import config, db
from healthapp.models import RankMetric, User
from healthapp.services import preferences, ranking, records

FORM = {"measured_at": "2026-11-28T08:00", "value": "110", "timing": "fasting"}
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


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


@pytest.mark.usefixtures("app_env")
def test_write_marks_dirty_after_commit_and_the_worker_loop_refreshes(
    redis_client: tuple[redis.Redis, str],
) -> None:
    client = redis_client[0]
    key = config.get_settings().redis_prefix + ranking.DIRTY_KEY
    user_id = new_user()
    add_glucose(user_id, commit=False)
    assert not client.sismember(key, user_id), "a rolled-back write marks nothing"
    add_glucose(user_id)
    assert client.sismember(key, user_id)
    assert rank_rows(user_id) == [], "the save itself did not recompute the metrics"
    with Session(db.get_engine()) as session:
        assert ranking.refresh_dirty(session) == 1
    assert {row.metric for row in rank_rows(user_id)} >= {"consistency_30d"}
    assert not client.sismember(key, user_id)


@pytest.mark.usefixtures("app_env")
def test_marks_follow_the_outer_transaction(redis_client: tuple[redis.Redis, str]) -> None:
    client = redis_client[0]
    key = config.get_settings().redis_prefix + ranking.DIRTY_KEY
    alice = new_user()
    with Session(db.get_engine()) as session:
        prefs = preferences.get_preferences(session, user_id=alice)
        records.create_record(session, user_id=alice, kind="glucose", form=FORM, prefs=prefs,
                              now=NOW)  # fmt: skip
        session.rollback()
        session.commit()  # the same session's next transaction: alice's write is gone
        assert not client.sismember(key, alice), "a rolled-back write marks nothing later"
        ranking.ranks_changed(session, user_id=alice)
        with pytest.raises(ValueError, match="one bad entry"), session.begin_nested():
            raise ValueError("one bad entry")  # a savepoint rolled back, the rest goes on
        assert not client.sismember(key, alice), "nothing is marked before the commit"
        session.commit()
    assert client.sismember(key, alice), "a savepoint's rollback keeps the earlier marks"


@pytest.mark.usefixtures("app_env")
def test_own_badge_view_refreshes_a_dirty_user_first() -> None:
    user_id = new_user()
    add_glucose(user_id)
    with db.session_scope() as session:
        prefs = preferences.get_preferences(session, user_id=user_id)
        ranks = ranking.user_ranks(session, user_id=user_id, prefs=prefs)
    consistency = next(r for r in ranks if r.metric == "consistency_30d")
    assert consistency.cohort == 1
    assert consistency.reason == "cohort_too_small"
