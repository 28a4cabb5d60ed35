"""The entry pages' states end to end on a real database and Redis: the time of saving, the
undo of a delete (owner-scoped), the account's language on sign-in, and why a session ended."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
import reflex as rx
from sqlmodel import Session, select

from healthapp import config, db
from healthapp.db import utcnow
from healthapp.models import (
    AnalysisJob,
    AuthSession,
    BloodPressure,
    Food,
    HbA1c,
    Meal,
    MealItem,
    MealPhoto,
)
from healthapp.services import analysis, meals, preferences, records
from healthapp.services.auth import accounts, sessions
from healthapp.services.meals.storage import default_photo_storage, new_key
from healthapp.state.auth import GuestState, LoginState
from healthapp.state.feedback import undo_store
from healthapp.state.meals import MealsState
from healthapp.state.records import BloodPressureState, HbA1cState
from tests.integration.states import call, state_of, user_with_session

FORM = {"systolic": "128", "diastolic": "84"}


@pytest.fixture
def photo_dir(app_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "photos"
    monkeypatch.setenv("PHOTO_DIR", str(folder))
    config.get_settings.cache_clear()
    return folder


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def _clock(monkeypatch: pytest.MonkeyPatch, module: str, at: datetime) -> None:
    monkeypatch.setattr(f"{module}.utcnow", lambda: at)


# --- the time of saving ---------------------------------------------------------------------


def test_a_record_form_loaded_an_hour_ago_stores_the_time_of_saving(
    app_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved_at = _minute(utcnow()) - timedelta(minutes=1)
    loaded_at = saved_at - timedelta(hours=1)
    _, token = user_with_session("alice")
    state = state_of(BloodPressureState, token)
    _clock(monkeypatch, "healthapp.state.records", loaded_at)
    call(state, "load")
    shown = state.form_values["measured_at"]
    assert shown == loaded_at.strftime("%Y-%m-%dT%H:%M")

    _clock(monkeypatch, "healthapp.services.records.entries", saved_at)
    call(state, "submit", {**FORM, "measured_at": shown})  # the field left as it was
    typed = (loaded_at - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    call(state, "submit", {**FORM, "systolic": "130", "measured_at": typed})  # changed
    assert state.errors == {}
    with Session(db.get_engine()) as session:
        rows = {r.systolic: r.measured_at for r in session.exec(select(BloodPressure)).all()}
    assert rows[128] == saved_at
    assert rows[130] == loaded_at - timedelta(hours=2)


def test_an_hba1c_form_left_open_past_midnight_stores_the_day_of_saving(
    app_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved_at = _minute(utcnow())
    _, token = user_with_session("alice")
    state = state_of(HbA1cState, token)
    _clock(monkeypatch, "healthapp.state.records", saved_at - timedelta(days=1))
    call(state, "load")
    call(state, "submit", {"percent": "6.8", "measured_on": state.form_values["measured_on"]})
    assert state.errors == {}
    with Session(db.get_engine()) as session:
        assert session.exec(select(HbA1c)).one().measured_on == saved_at.date()


def test_a_meal_form_loaded_earlier_stores_the_time_of_saving(
    photo_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    saved_at = utcnow() - timedelta(minutes=1)
    loaded_at = saved_at - timedelta(hours=1)
    _, token = user_with_session("alice")
    state = state_of(MealsState, token)
    _clock(monkeypatch, "healthapp.state.meals", loaded_at)
    call(state, "load")
    assert state.new_eaten_at == loaded_at.strftime("%Y-%m-%dT%H:%M")
    assert not state.eaten_at_edited
    _clock(monkeypatch, "healthapp.services.meals.meal_log", saved_at)
    call(state, "save_meal", [])

    typed = loaded_at - timedelta(hours=3)
    call(state, "set_new_eaten_at", typed.strftime("%Y-%m-%dT%H:%M"))
    call(state, "save_meal", [])
    assert state.errors == {}
    with Session(db.get_engine()) as session:
        times = sorted(m.eaten_at for m in session.exec(select(Meal)).all())
    assert times == [_minute(typed), saved_at]


# --- undo of a delete -----------------------------------------------------------------------


def _add_bp(user_id: int) -> int:
    with db.session_scope() as session:
        prefs = preferences.get_preferences(session, user_id=user_id)
        form = {**FORM, "measured_at": "2026-11-28T08:00", "note": "before breakfast"}
        record = records.create_record(session, user_id=user_id, kind="bp", form=form,
                                       prefs=prefs)  # fmt: skip
        assert record.id is not None
        return record.id


def _bp_rows() -> list[tuple[int, int, int, str]]:
    with Session(db.get_engine()) as session:
        return [(r.user_id, r.systolic, r.diastolic, r.note)
                for r in session.exec(select(BloodPressure)).all()]  # fmt: skip


def _delete(state: BloodPressureState, record_id: int) -> object:
    call(state, "ask_delete", record_id)
    return call(state, "confirm_delete")


def test_the_owner_undoes_a_delete_once(app_env: str) -> None:
    alice_id, token = user_with_session("alice")
    _add_bp(alice_id)
    alice = state_of(BloodPressureState, token)
    call(alice, "load")
    reply = _delete(alice, int(alice.shown_rows[0]["id"]))
    assert _bp_rows() == []
    assert "Undo" in str(reply)  # the toast offers it
    assert alice._undo_token

    reply = call(alice, "undo_delete")
    assert _bp_rows() == [(alice_id, 128, 84, "before breakfast")]
    assert "Restored." in str(reply)
    assert alice.total == 1  # the list shows it again
    assert "Too late" in str(call(alice, "undo_delete"))  # the token was single-use
    assert len(_bp_rows()) == 1


def test_another_user_holding_the_token_restores_nothing(app_env: str) -> None:
    alice_id, alice_token = user_with_session("alice")
    _, mallory_token = user_with_session("mallory")
    _add_bp(alice_id)
    alice = state_of(BloodPressureState, alice_token)
    call(alice, "load")
    _delete(alice, int(alice.shown_rows[0]["id"]))

    mallory = state_of(BloodPressureState, mallory_token)
    mallory._undo_token = alice._undo_token  # as if it had leaked into her tab
    assert "Too late" in str(call(mallory, "undo_delete"))
    anonymous = state_of(BloodPressureState, "")
    anonymous._undo_token = alice._undo_token
    assert isinstance(call(anonymous, "undo_delete"), rx.event.EventSpec)  # to log in
    assert _bp_rows() == []

    call(alice, "undo_delete")  # the owner's undo still works afterwards
    assert _bp_rows() == [(alice_id, 128, 84, "before breakfast")]


def _meal_with_photo(user_id: int, storage_key: str) -> int:
    with db.session_scope() as session:
        meal = Meal(user_id=user_id, eaten_at=utcnow(), meal_type="lunch", note="noodles")
        session.add(meal)
        session.flush()
        assert meal.id is not None
        photo = meals.add_photo(session, user_id=user_id, meal_id=meal.id,
                                storage_key=storage_key, content_type="image/jpeg", width=8,
                                height=8, size_bytes=3)  # fmt: skip
        job = analysis.create_job(session, photo=photo)
        job.embedding = EMBEDDING  # an analysed photo: its embedding must survive the undo
        food = session.exec(select(Food)).first()
        assert food is not None
        meals.add_item(session, user_id=user_id, meal_id=meal.id,
                       form={"food_id": food.id, "grams": "150"})  # fmt: skip
        return meal.id


EMBEDDING = bytes(range(256)) * 10  # 2,560 bytes, not UTF-8


def test_a_deleted_meal_comes_back_with_its_photo_items_and_job(photo_dir: Path) -> None:
    alice_id, token = user_with_session("alice")
    storage = default_photo_storage()
    key = new_key("jpg")
    storage.put(key, b"jpg", "image/jpeg")
    meal_id = _meal_with_photo(alice_id, key)
    state = state_of(MealsState, token)
    call(state, "load")
    call(state, "ask_delete_meal", meal_id)
    call(state, "delete_meal")
    with Session(db.get_engine()) as session:
        assert session.exec(select(Meal)).all() == []
        assert session.exec(select(MealItem)).all() == []
    assert storage.get(key) == b"jpg"  # kept for the undo window

    call(state, "undo_delete")
    with Session(db.get_engine()) as session:
        meal = session.exec(select(Meal)).one()
        photo = session.exec(select(MealPhoto)).one()
        item = session.exec(select(MealItem)).one()
        job = session.exec(select(AnalysisJob)).one()
    assert (meal.user_id, meal.note, photo.meal_id, photo.storage_key) == (
        alice_id, "noodles", meal.id, key)  # fmt: skip
    assert (item.meal_id, item.grams, job.photo_id) == (meal.id, 150, photo.id)
    assert (job.status, job.enqueued_at) == ("queued", None)  # the sweeper queues it again
    assert job.embedding == EMBEDDING
    assert undo_store().purge_due(storage, now=1e12) == 0  # nothing left to purge
    assert storage.get(key) == b"jpg"
    assert len(state.meals) == 1


def test_a_meal_delete_not_undone_removes_its_photos_once_the_window_passed(
    photo_dir: Path,
) -> None:
    alice_id, token = user_with_session("alice")
    storage = default_photo_storage()
    key = new_key("jpg")
    storage.put(key, b"jpg", "image/jpeg")
    meal_id = _meal_with_photo(alice_id, key)
    state = state_of(MealsState, token)
    call(state, "ask_delete_meal", meal_id)
    call(state, "delete_meal")
    assert undo_store().purge_due(storage) == 0  # still within the window
    assert undo_store().purge_due(storage, now=1e12) == 1
    assert not (photo_dir / key).exists()
    assert "Too late" in str(call(state, "undo_delete"))


# --- signing in ------------------------------------------------------------------------------


def test_the_accounts_language_applies_on_sign_in_in_a_new_browser(app_env: str) -> None:
    with db.session_scope() as session:
        accounts.sign_up(session, login="minji", password="a-long-passphrase-42",
                         password_confirm="a-long-passphrase-42", language="ko",
                         min_length=12, throttle=None, client_ip="")  # fmt: skip
    browser = state_of(LoginState, "")
    browser.lang = "en"  # what this browser had chosen before
    call(browser, "submit", {"login": "minji", "password": "a-long-passphrase-42"})
    assert browser.errors == {}
    assert browser.lang == "ko"


def test_the_log_in_page_says_why_the_session_ended(app_env: str) -> None:
    alice_id, revoked = user_with_session("alice")
    with db.session_scope() as session:
        sessions.revoke_all_sessions(session, user_id=alice_id,
                                     ended=sessions.default_ended_sessions(),
                                     reason=sessions.ENDED_ELSEWHERE)  # fmt: skip
    page = state_of(GuestState, revoked)
    assert call(page, "on_guest_load") is None
    assert page.ended_key == "login.ended.elsewhere"
    assert "password" in page.ended_text

    _, expired = user_with_session("bob")
    with db.session_scope() as session:
        row = session.exec(select(AuthSession)).all()[-1]
        row.expires_at = utcnow() - timedelta(minutes=1)
        session.add(row)
    page = state_of(GuestState, expired)
    call(page, "on_guest_load")
    assert page.ended_key == "login.ended.expired"

    page = state_of(GuestState, "never-issued-" + "x" * 30)
    call(page, "on_guest_load")
    assert page.ended_key == "login.ended.unknown"
    fresh = rx.State(_reflex_internal_init=True).get_substate(
        GuestState.get_full_name().split(".")
    )  # a browser that sent no cookie at all: nothing to explain
    call(fresh, "on_guest_load")
    assert fresh.ended_key == ""  # type: ignore[attr-defined]
