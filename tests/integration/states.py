"""Driving the app's Reflex states from a test: a user with a live session, a state of a kind
signed in as that session's browser, and a handler called as Reflex would call it."""

from __future__ import annotations

import asyncio
import inspect
from datetime import timedelta
from typing import TypeVar

import reflex as rx

from healthapp import config, db
from healthapp.models import User
from healthapp.services.auth import sessions
from tests.aio import run
from tests.integration.handler_calls import sign_in

S = TypeVar("S", bound=rx.State)


def secret() -> str:
    return config.get_settings().secret_key.get_secret_value()


def user_with_session(login: str, **columns: object) -> tuple[int, str]:
    with db.session_scope() as session:
        user = User(login=login, password_hash="x", timezone="UTC", **columns)
        session.add(user)
        session.flush()
        assert user.id is not None
        token = sessions.create_session(
            session, user_id=user.id, secret_key=secret(), ttl=timedelta(hours=1)
        )
        return user.id, token


def state_of(kind: type[S], token: str) -> S:
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(kind.get_full_name().split("."))
    assert isinstance(state, kind)
    sign_in(state, token)
    return state


def call(state: rx.State, handler: str, *args: object) -> object:
    """What the handler returns; for a handler that yields, the list of what it yielded."""
    result = type(state).event_handlers[handler].fn(state, *args)
    if inspect.isasyncgen(result):
        updates = result

        async def drain() -> list[object]:
            return [update async for update in updates]

        result = drain()
    if not asyncio.iscoroutine(result):
        return result
    return run(result)
