"""The meal page's listener reaches every job's end without an announcement: it re-reads right
after subscribing, polls while jobs are open, and keeps polling while Redis is unreachable.

MealsState.listen runs as the background task it is (a plain state: `async with self` is a
no-op outside Reflex's proxy), on a real SQLite database and a real Redis; the jobs are
finished in the database the way the worker does, but never announced."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
import redis
import redis.asyncio as aioredis
import reflex as rx
from sqlmodel import select

from healthapp import config, db
from healthapp.config import get_settings
from healthapp.launcher import free_port
from healthapp.models import AnalysisJob, User
from healthapp.services import analysis
from healthapp.services.analysis.recognition import Prediction
from healthapp.services.auth import sessions
from healthapp.state import meals as meals_state
from healthapp.state.meals import MealsState
from tests.aio import run
from tests.conftest import MealPhotoFactory
from tests.integration.handler_calls import sign_in

# Longer than any test waits: a listener that depends on the announcement never finishes.
GIVE_UP_SECONDS = 30


def open_job(add_meal_photo: MealPhotoFactory) -> tuple[int, int, str]:
    """A meal today with one photo whose analysis is queued; (user id, job id, session)."""
    with db.session_scope() as session:
        photo = add_meal_photo(session)
        user = session.exec(select(User).where(User.id == photo.user_id)).one()
        user.timezone = "UTC"
        job = analysis.create_job(session, photo=photo)
        assert job.id is not None
        assert user.id is not None
        token = sessions.create_session(
            session,
            user_id=user.id,
            secret_key=get_settings().secret_key.get_secret_value(),
            ttl=timedelta(hours=1),
        )
        return user.id, job.id, token


def finish_unannounced(job_id: int) -> None:
    """What the worker stores, without the announcement that would follow."""
    with db.session_scope() as session:
        assert analysis.start_job(session, job_id) is not None
    with db.session_scope() as session:
        assert analysis.complete_job(session, job_id, Prediction(candidates=[], estimate=None))


def job_status(job_id: int) -> str:
    with db.session_scope() as session:
        job = session.get(AnalysisJob, job_id)
        assert job is not None
        return job.status


def page(token: str) -> MealsState:
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(MealsState.get_full_name().split("."))
    assert isinstance(state, MealsState)
    sign_in(state, token)
    return state


async def listen_then_finish(state: MealsState, job_id: int, channel: str = "") -> None:
    """The page's load, then the listener; once it is subscribed to `channel` (when given),
    the job ends unannounced; then wait for the listener to finish."""
    await state._refresh()
    assert state.pending == 1
    listener = asyncio.create_task(MealsState.event_handlers["listen"].fn(state))
    if channel:
        client = aioredis.from_url(get_settings().redis_url)
        while (await client.pubsub_numsub(channel))[0][1] == 0:
            assert not listener.done(), "the listener ended before it subscribed"
            await asyncio.sleep(0.05)
        await client.aclose()
    await asyncio.to_thread(finish_unannounced, job_id)
    await asyncio.wait_for(listener, GIVE_UP_SECONDS)


@pytest.mark.usefixtures("app_env")
def test_a_lost_announcement_is_caught_by_the_poll(
    add_meal_photo: MealPhotoFactory, monkeypatch: pytest.MonkeyPatch, redis_server_url: str,
    app_redis_prefix: str,
) -> None:  # fmt: skip
    monkeypatch.setattr(meals_state, "POLL_SECONDS", 0.5)
    user_id, job_id, token = open_job(add_meal_photo)
    state = page(token)
    channel = f"{app_redis_prefix}meal-events:{user_id}"
    run(listen_then_finish(state, job_id, channel))
    assert (state.pending, job_status(job_id)) == (0, analysis.DONE)
    assert not state._listening
    # the listener has unsubscribed on its way out
    assert redis.Redis.from_url(redis_server_url).pubsub_numsub(channel)[0][1] == 0


@pytest.mark.usefixtures("app_env")
def test_a_job_that_ended_before_the_subscribe_is_read_right_after_it(
    add_meal_photo: MealPhotoFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(meals_state, "POLL_SECONDS", 3600.0)  # no poll within the test
    _, job_id, token = open_job(add_meal_photo)
    state = page(token)
    state.pending = 1  # what the page read before the job ended
    finish_unannounced(job_id)
    run(asyncio.wait_for(MealsState.event_handlers["listen"].fn(state), GIVE_UP_SECONDS))
    assert state.pending == 0


@pytest.mark.usefixtures("app_env")
def test_the_page_reaches_the_end_while_redis_is_unreachable(
    add_meal_photo: MealPhotoFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    config.get_settings.cache_clear()
    monkeypatch.setattr(meals_state, "POLL_SECONDS", 0.5)
    _, job_id, token = open_job(add_meal_photo)
    state = page(token)
    run(listen_then_finish(state, job_id))
    assert (state.pending, job_status(job_id)) == (0, analysis.DONE)
