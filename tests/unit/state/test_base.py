"""FormState's one error ladder (`_refused`), through `_settle` and the `guarded` decorator, for
plain async handlers and for handlers that yield."""

from __future__ import annotations

import asyncio
import typing
from collections.abc import AsyncIterator
from typing import Any

import pytest
import reflex as rx
from fastapi import params

from healthapp.api import deps
from healthapp.domain.errors import NotFound, ValidationError
from healthapp.services.auth import sessions
from healthapp.services.forms import FormInvalid
from healthapp.state.base import AppState, FormState, guarded
from tests.aio import run


class GuardProbeState(FormState, AppState):
    steps: list[str] = []

    @rx.event
    @guarded
    async def act(self, kind: str) -> Any:
        self.steps = [*self.steps, "started"]
        if kind in FAILURES:
            raise FAILURES[kind]
        return "done"

    @rx.event
    @guarded
    async def stream(self, kind: str) -> AsyncIterator[Any]:
        self.steps = ["started"]
        yield "first"
        try:
            if kind in FAILURES:
                raise FAILURES[kind]
        finally:
            self.steps = [*self.steps, "cleaned up"]
        yield "second"


FAILURES: dict[str, Exception] = {
    "lost": sessions.NotSignedIn(),
    "missing": NotFound(),
    "invalid": ValidationError("error.required", field="name"),
    "form": FormInvalid({"a": ValidationError("error.required"), "b": ValidationError("x.y")}),
    "bug": RuntimeError("boom"),
}


def probe() -> GuardProbeState:
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(GuardProbeState.get_full_name().split("."))
    assert isinstance(state, GuardProbeState)
    return state


def drive(state: GuardProbeState, handler: str, *args: object) -> list[object]:
    """Everything the handler returns or yields, in order."""
    result = type(state).event_handlers[handler].fn(state, *args)

    async def collect() -> list[object]:
        if asyncio.iscoroutine(result):
            return [await result]
        return [update async for update in result]

    return run(collect())


def test_a_handler_that_succeeds_is_untouched() -> None:
    state = probe()
    assert drive(state, "act", "ok") == ["done"]
    assert drive(state, "stream", "ok") == ["first", "second"]
    assert state.errors == {}
    assert state.steps == ["started", "cleaned up"]


@pytest.mark.parametrize("handler", ["act", "stream"])
def test_a_lost_session_is_a_redirect_to_log_in(handler: str) -> None:
    state = probe()
    state.user_login = "alice"
    updates = drive(state, handler, "lost")
    redirect = updates[-1]
    assert isinstance(redirect, rx.event.EventSpec)
    assert "/login?next=" in str(redirect.args)
    assert state.user_login == ""
    assert state.errors == {}


@pytest.mark.parametrize("handler", ["act", "stream"])
def test_a_refusal_becomes_the_forms_message(handler: str) -> None:
    state = probe()
    assert drive(state, handler, "missing")[-1] is None
    assert state.errors == {"": {"key": "error.record_not_found"}}
    drive(state, handler, "invalid")
    assert state.errors == {"name": {"key": "error.required"}}
    drive(state, handler, "form")
    assert state.errors == {"a": {"key": "error.required"}, "b": {"key": "x.y"}}


def test_a_generator_stops_at_the_failure_after_its_cleanup() -> None:
    state = probe()
    assert drive(state, "stream", "missing") == ["first", None]
    assert state.steps == ["started", "cleaned up"]


@pytest.mark.parametrize("handler", ["act", "stream"])
def test_anything_else_is_logged_and_shown_as_unexpected(
    handler: str, caplog: pytest.LogCaptureFixture
) -> None:
    state = probe()
    drive(state, handler, "bug")
    assert state.errors == {"": {"key": "error.unexpected"}}
    assert "boom" in caplog.text


def test_settle_reports_how_it_went() -> None:
    state = probe()

    async def value() -> int:
        return 7

    async def lost() -> int:
        raise sessions.NotSignedIn

    ok = run(state._settle(value()))
    assert (ok.ok, ok.value, ok.redirect) == (True, 7, None)
    failed = run(state._settle(lost()))
    assert (failed.ok, failed.value) == (False, None)
    assert isinstance(failed.redirect, rx.event.EventSpec)


def test_only_async_handlers_can_be_guarded() -> None:
    def plain(self: FormState) -> None:
        return None

    with pytest.raises(TypeError):
        guarded(plain)  # type: ignore[call-overload]


def test_no_state_keeps_the_session_token_or_writes_the_cookie() -> None:
    for name, field in AppState.get_fields().items():
        assert "token" not in name
        assert getattr(field.default, "name", None) != sessions.SESSION_COOKIE


def test_the_api_reads_the_session_cookie() -> None:
    token = typing.get_type_hints(deps.signed_in, include_extras=True)["token"]
    aliases = [p.alias for p in typing.get_args(token) if isinstance(p, params.Cookie)]
    assert aliases == [sessions.SESSION_COOKIE]


def test_a_guarded_upload_handler_is_still_an_upload_handler() -> None:
    from reflex_base.event import resolve_upload_handler_param

    from healthapp.state.data import DataState
    from healthapp.state.meals import MealsState

    for handler in (MealsState.event_handlers["save_meal"], DataState.event_handlers["preview"]):
        assert resolve_upload_handler_param(handler)[0] == "files"
