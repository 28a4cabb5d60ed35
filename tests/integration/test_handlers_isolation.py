"""Every event handler of every Reflex state, found in Reflex's own registry, called as a forged
browser would call it: anonymously, and signed in as another user with the first user's ids.
Nothing of the first user may change, reach the queue, or come back in the state or the reply.

The handlers are not listed here: a handler added later is called without editing this file,
with arguments made from its signature. The state's own fields are forged too (every int field
holds the victim's id), as a browser can with Reflex's `setvar`."""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
import reflex as rx
import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

import healthapp.healthapp  # noqa: F401  # builds the app, so every state is registered
from healthapp import config, db
from healthapp.i18n import translate
from healthapp.models import AnalysisJob, Food, JobStatus, Meal, User
from healthapp.redis_client import get_redis
from healthapp.services import analysis, meals, preferences, records
from healthapp.services.auth import api_tokens, sessions
from healthapp.services.nightscout import secrets as nightscout_secrets
from healthapp.state.meals import MealsState
from tests.integration.handler_calls import (
    FORMS,
    SECRET,
    VICTIM_LOGIN,
    SqlLog,
    World,
    call,
    dump_db,
    dump_redis,
    forged_state,
    leaks,
    mallory_jobs,
    owned_by,
    queued_job_ids,
    recipes,
    without,
)

KEY = "handler-test-key-0123456789abcdefghijklmnop"
# Handlers that may run without a session, each with why. They are still called both ways and
# must leave the victim's rows, the queue and the reply alone; only the "no user table is read
# anonymously" check and the whole-database comparison are waived for them.
WITHOUT_SESSION: dict[str, str] = {
    "LoginState.submit": "logging in is how a session is obtained: it reads the account",
    "SignupState.submit": "signing up is how an account is made: it adds a user row",
}
# Handlers not called at all, each with why.
NOT_CALLED: dict[str, str] = {
    "setvar": "Reflex's generic setter only sets a field of the tab's own state; every call "
    "below starts from a state whose fields are already forged with the victim's ids",
}
# Reflex's own states (hydration, client storage sync, on_load dispatch, frontend exceptions)
# hold no app data; they need a running app's router to be called at all.
REFLEX_MODULE = "reflex."


def _walk(state: type[rx.State]) -> Iterator[type[rx.State]]:
    yield state
    for sub in sorted(state.get_substates(), key=lambda s: s.get_full_name()):
        yield from _walk(sub)


def _handlers() -> list[tuple[type[rx.State], str]]:
    return [
        (state, name)
        for state in _walk(rx.State)
        if not state.__module__.startswith(REFLEX_MODULE)
        for name in sorted(state.event_handlers)
        if name not in NOT_CALLED
    ]


HANDLERS = _handlers()


def _meal_with_job(session: Session, uid: int, *, failed: bool, note: str = "") -> list[int]:
    """A meal with one photo and its analysis job: their ids."""
    meal = Meal(user_id=uid, eaten_at=db.utcnow(), meal_type="lunch", note=note)
    session.add(meal)
    session.flush()
    assert meal.id is not None
    photo = meals.add_photo(
        session,
        user_id=uid,
        meal_id=meal.id,
        storage_key=f"{uuid.uuid4().hex}.jpg",
        content_type="image/jpeg",
        width=8,
        height=8,
        size_bytes=9,
    )
    job = analysis.create_job(session, photo=photo)
    if failed:
        job.status, job.error_key = JobStatus.FAILED, "error.analysis_failed"
    session.flush()
    assert photo.id is not None
    assert job.id is not None
    return [meal.id, photo.id, job.id]


def _seed_victim(food_id: str) -> tuple[int, list[int]]:
    with db.session_scope() as session:
        user = User(login=VICTIM_LOGIN, password_hash="x", timezone="UTC")
        session.add(user)
        session.flush()
        assert user.id is not None
        uid = user.id
        ids = {uid}
        prefs = preferences.get_preferences(session, user_id=uid)
        for kind, form in FORMS.items():
            record = records.create_record(
                session, user_id=uid, kind=kind, form={**form, "note": SECRET}, prefs=prefs
            )
            ids.add(record.id)
        for failed in (True, False):  # a failed job (retry_job's target), one still queued
            meal, photo, job = _meal_with_job(session, uid, failed=failed, note=SECRET)
            item = meals.add_item(session, user_id=uid, meal_id=meal,
                                  form={"food_id": food_id, "grams": "100"})  # fmt: skip
            ids.update({meal, photo, job, item.id or 0})
        # an API token (ApiAccessState.revoke_token's target) and a Nightscout secret
        pat, _token = api_tokens.create_pat(session, user_id=uid, name=SECRET, scopes="read",
                                            secret_key=KEY)  # fmt: skip
        nightscout_secrets.new_secret(session, user_id=uid, secret_key=KEY)
        ids.add(pat.id)
    return uid, sorted(ids - {0})


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, redis_server_url: str) -> Iterator[World]:
    """One database and Redis prefix for the whole module: the checks compare before and
    after each call, so what the other user's calls add to their own rows does not matter."""
    tmp = tmp_path_factory.mktemp("handlers")
    prefix = f"healthapp-test:{uuid.uuid4().hex[:12]}:"
    url = f"sqlite:///{tmp / 'handlers.db'}"
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {"DATABASE_URL": url, "SECRET_KEY": KEY, "REDIS_URL": redis_server_url,
                            "REDIS_PREFIX": prefix, "VAR_DIR": str(tmp / "var"),
                            "PHOTO_DIR": str(tmp / "photos")}.items():  # fmt: skip
            mp.setenv(name, value)
        config.get_settings.cache_clear()
        db.get_engine.cache_clear()
        get_redis.cache_clear()
        db.migrate(url)
        with db.session_scope() as session:
            food = session.exec(select(Food)).first()
            assert food is not None
            food_id = food.id
        victim_id, victim_ids = _seed_victim(food_id)
        with db.session_scope() as session:
            mallory = User(login="mallory@example.com", password_hash="x", timezone="UTC")
            session.add(mallory)
            session.flush()
            assert mallory.id is not None
            mallory_id = mallory.id
        client = redis.Redis.from_url(redis_server_url, decode_responses=True)
        tables = [t for t in SQLModel.metadata.sorted_tables if "user_id" in t.c]
        yield World(victim_id, victim_ids, mallory_id, client, prefix, tables)
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()
        db.get_engine().dispose()
    config.get_settings.cache_clear()
    db.get_engine.cache_clear()
    get_redis.cache_clear()


def _mallory_token(world: World) -> str:
    """A fresh session per call: the other user's own logout must not weaken the next call."""
    with db.session_scope() as session:
        return sessions.create_session(
            session, user_id=world.mallory_id, secret_key=KEY, ttl=timedelta(hours=1)
        )


@pytest.mark.parametrize("caller", ["anonymous", "other_user"])
@pytest.mark.parametrize(
    ("state", "name"), HANDLERS, ids=[f"{s.__name__}.{n}" for s, n in HANDLERS]
)
def test_no_handler_reaches_another_users_data(
    world: World, state: type[rx.State], name: str, caller: str
) -> None:
    handler = state.event_handlers[name]
    qualified = f"{state.__name__}.{name}"
    params = list(inspect.signature(inspect.unwrap(handler.fn)).parameters.values())[1:]
    makers = [recipes(p.annotation, world) for p in params]
    calls = max([len(world.victim_ids), *(len(r) for r in makers)])
    sql = SqlLog(set())
    user_tables = {t.name for t in world.user_tables} | {User.__tablename__}
    user_tables.discard("auth_session")  # the lookup that finds (or refuses) the session
    for n in range(calls):
        args = [r[n % len(r)]() for r in makers]
        victim_id = world.victim_ids[n % len(world.victim_ids)]
        token = "" if caller == "anonymous" else _mallory_token(world)
        root, forged = forged_state(state, token, victim_id)
        db_before, redis_before = dump_db(), dump_redis(world)
        queued_before = queued_job_ids(world)
        sa.event.listen(db.get_engine(), "before_cursor_execute", sql.record)
        try:
            reply = call(forged, handler, args)
        finally:
            sa.event.remove(db.get_engine(), "before_cursor_execute", sql.record)
        db_after = dump_db()
        where = f"{qualified}{tuple(args)!r} as {caller}"
        assert owned_by(db_after, world.victim_id) == owned_by(db_before, world.victim_id), where
        new_jobs = queued_job_ids(world) - queued_before - mallory_jobs(world)
        assert not new_jobs, f"{where} put jobs {new_jobs} on the queue"
        assert not leaks(root, reply, args), f"{where} showed the victim's data"
        if qualified in WITHOUT_SESSION:
            continue
        if caller == "anonymous":
            assert db_after == db_before, f"{where} changed the database"
            assert dump_redis(world) == redis_before, f"{where} changed Redis"
            read = sql.tables & user_tables
            assert not read, f"{where} read {sorted(read)} without a session"
        else:
            mallory = world.mallory_id
            assert without(db_after, mallory) == without(db_before, mallory), where


def test_the_registry_walk_finds_the_apps_handlers() -> None:
    """The test above is only as good as the walk: it must see the handlers known today."""
    found = {f"{s.__name__}.{n}" for s, n in HANDLERS}
    assert {"MealsState.retry_job", "MealsState.save_meal", "MealsState.listen",
            "MealEditorState.save_editor", "ApiAccessState.revoke_token",
            "BloodPressureState.confirm_delete", "ExerciseState.submit", "DataState.run_import",
            "AccountState.delete_account", "AppState.logout", "SettingsState.submit",
            "LoginState.submit"} <= found  # fmt: skip
    assert set(WITHOUT_SESSION) <= found, "an allow-list entry names a handler that is gone"


def test_the_owner_still_retries_a_failed_job(world: World) -> None:
    """The session check in retry_job keeps the owner's way through: back on the queue."""
    with db.session_scope() as session:
        carol = User(login="carol@example.com", password_hash="x", timezone="UTC")
        session.add(carol)
        session.flush()
        assert carol.id is not None
        job_id = _meal_with_job(session, carol.id, failed=True)[2]
        token = sessions.create_session(
            session, user_id=carol.id, secret_key=KEY, ttl=timedelta(hours=1)
        )
    meals_state = forged_state(MealsState, token, 0)[1]
    reply = call(meals_state, MealsState.event_handlers["retry_job"], [job_id])
    assert meals_state.errors == {}
    assert translate("en", "meals.retrying") in str(reply)  # the toast
    assert job_id in queued_job_ids(world)
    with db.session_scope() as session:
        retried = session.get(AnalysisJob, job_id)
        assert retried is not None
        assert (retried.status, retried.attempts) == (JobStatus.QUEUED, 0)
