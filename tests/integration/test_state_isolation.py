"""The Reflex states' event handlers, called directly as a forged browser would call them:
another user's record id in, nothing of theirs out."""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session, select

from healthapp import db
from healthapp.models import BloodPressure
from healthapp.services import preferences, records
from healthapp.services.auth import sessions
from healthapp.state.auth import GuestState
from healthapp.state.base import AppState
from healthapp.state.data import DataState
from healthapp.state.meals import MealsState
from healthapp.state.records import BloodPressureState
from tests.integration.handler_calls import sign_in
from tests.integration.states import call, secret, state_of, user_with_session

_secret = secret


FORM = {"measured_at": "2026-11-28T08:00", "systolic": "128", "diastolic": "84"}


def bp_state(token: str) -> BloodPressureState:
    return state_of(BloodPressureState, token)


def test_handlers_never_reach_another_users_record(app_env: str) -> None:
    alice_id, _ = user_with_session("alice")
    _, mallory_token = user_with_session("mallory")
    with db.session_scope() as session:
        prefs = preferences.get_preferences(session, user_id=alice_id)
        record_id = records.create_record(
            session, user_id=alice_id, kind="bp", form=FORM, prefs=prefs
        ).id

    mallory = bp_state(mallory_token)
    call(mallory, "load")
    assert mallory.shown_rows == []

    call(mallory, "start_edit", record_id)
    assert mallory.editing_id == 0
    assert mallory.errors[""]["key"] == "error.record_not_found"

    mallory.editing_id = record_id  # as if the browser had smuggled the id into state
    call(mallory, "submit", {**FORM, "systolic": "200", "diastolic": "110"})
    assert mallory.errors[""]["key"] == "error.record_not_found"

    call(mallory, "ask_delete", record_id)
    call(mallory, "confirm_delete")
    assert mallory.errors[""]["key"] == "error.record_not_found"

    with Session(db.get_engine()) as session:
        row = session.exec(select(BloodPressure)).one()
        assert (row.user_id, row.systolic, row.diastolic) == (alice_id, 128, 84)


def test_handlers_act_for_the_session_owner(app_env: str) -> None:
    _, token = user_with_session("alice")
    alice = bp_state(token)
    call(alice, "load")
    call(alice, "submit", FORM)
    assert alice.errors == {}
    assert alice.total == 1
    record_id = int(alice.shown_rows[0]["id"])
    call(alice, "start_edit", record_id)
    assert alice.form_values["systolic"] == "128"
    call(alice, "submit", {**FORM, "systolic": "118", "diastolic": "76"})
    assert alice.shown_rows[0]["id"] == str(record_id)
    assert alice.shown_rows[0]["level"] == "normal"
    call(alice, "ask_delete", record_id)
    call(alice, "confirm_delete")
    assert alice.total == 0


def test_a_forged_or_revoked_session_reaches_nothing(app_env: str) -> None:
    alice_id, token = user_with_session("alice")
    with db.session_scope() as session:
        sessions.revoke_session(session, token=token, secret_key=_secret())
    state = bp_state(token)
    result = call(state, "submit", FORM)
    assert result is not None  # a redirect to the log-in page
    assert state.shown_rows == []
    with Session(db.get_engine()) as session:
        assert session.exec(select(BloodPressure)).all() == []
    assert alice_id


def test_a_lost_session_in_a_handler_that_yields_or_imports_is_a_redirect(
    app_env: str,
) -> None:
    _, token = user_with_session("alice")
    with db.session_scope() as session:
        sessions.revoke_session(session, token=token, secret_key=_secret())

    meals = state_of(MealsState, token)
    updates = call(meals, "save_meal", [])
    assert isinstance(updates, list)
    assert updates[0] is None  # "saving" shown first
    assert isinstance(updates[-1], rx.event.EventSpec)  # then the redirect to log in
    assert meals.saving is False
    assert meals.errors == {}

    data = state_of(DataState, token)
    data._pending, data.mapping = "0" * 32, {"value": "1"}  # a previewed file's name
    assert isinstance(call(data, "run_import"), rx.event.EventSpec)
    assert data.result == {}


def test_only_a_live_session_counts_as_signed_in(app_env: str) -> None:
    _, token = user_with_session("alice")
    guest = state_of(GuestState, token)
    assert isinstance(call(guest, "on_guest_load"), rx.event.EventSpec)  # sent on
    assert call(state_of(AppState, token), "require_login") is None

    stale = state_of(GuestState, "forged-" + "a" * 40)
    assert call(stale, "on_guest_load") is None  # a stale cookie: the page is shown
    assert isinstance(
        call(state_of(AppState, "forged-" + "a" * 40), "require_login"),
        rx.event.EventSpec,
    )


def test_logging_out_forgets_every_row_of_the_tab_and_the_session(app_env: str) -> None:
    _, token = user_with_session("alice")
    root = rx.State(_reflex_internal_init=True)
    bp = root.get_substate(BloodPressureState.get_full_name().split("."))
    app = root.get_substate(AppState.get_full_name().split("."))
    assert isinstance(bp, BloodPressureState)
    assert isinstance(app, AppState)
    for state in (bp, app):
        sign_in(state, token)
    bp._rows, bp.total = [{"id": "1", "systolic": "128"}], 1  # as alice's page had them
    app.user_login, app.lang = "alice", "ko"

    navigation = call(app, "logout")
    assert isinstance(navigation, rx.event.EventSpec)
    assert "/api/session/logout" in str(navigation.args)
    assert (bp._rows, bp.total, app.user_login) == ([], 0, "")
    assert app.lang == "ko"  # the language choice is the browser's, not the user's
    assert app.flash_key == "login.signed_out"
    assert call(state_of(AppState, token), "require_login") is not None  # revoked
