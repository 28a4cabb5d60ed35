"""Sign-up and log-in forms."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import reflex as rx

from healthapp.config import get_settings
from healthapp.db import session_scope
from healthapp.services.auth import accounts, sessions
from healthapp.services.auth.redirects import safe_next_path
from healthapp.services.auth.throttle import client_address, default_login_throttle
from healthapp.state.base import AppState, FormState


def _open_session(db: Any, user_id: int, user_agent: str) -> str:
    settings = get_settings()
    return sessions.create_session(
        db,
        user_id=user_id,
        secret_key=settings.secret_key.get_secret_value(),
        ttl=timedelta(hours=settings.session_ttl_hours),
        user_agent=user_agent,
    )


def request_client(state: rx.State) -> str:
    """The address the throttles count: the socket's peer (rxconfig leaves Reflex's
    trusted_proxy_hops at 0, so session.client_ip is the ASGI scope's client), or, from a proxy
    named in TRUSTED_PROXIES, the client that proxy saw."""
    return client_address(
        state.router.session.client_ip,
        state.router.headers.raw_headers.get("x-forwarded-for", ""),
        get_settings().trusted_proxy_networks,
    )


class GuestState(FormState, AppState):
    """Shared by the log-in and sign-up pages."""

    @rx.event
    async def on_guest_load(self) -> Any:
        """A signed-in visitor has no business on these pages: send them on."""
        await self.detect_language()
        self._clear_messages()
        if not self.session_token:
            return None
        if await self._if_signed_in(lambda _db, uid: uid) is None:
            self.session_token = ""  # a stale cookie: forget it
            return None
        return rx.redirect(self._next_path())

    def _next_path(self) -> str:
        return safe_next_path(self.router.url.query_parameters.get("next"))

    async def _sign_in(self, work: Callable[[], tuple[str, str]]) -> Any:
        """Run `work` (it returns the login and a new session token) off the event loop; on
        success keep the token and go on to the `next` page, else show why not."""
        attempt = await self._settle(asyncio.to_thread(work))
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        login, token = attempt.value
        self.session_token = token
        self.user_login = login
        self.flash_key = ""
        return rx.redirect(self._next_path())


class LoginState(GuestState):
    @rx.event
    async def submit(self, form: dict[str, Any]) -> Any:
        self._clear_messages()
        login, password = str(form.get("login", "")), str(form.get("password", ""))
        client_ip = request_client(self)
        user_agent = self.router.headers.user_agent

        def work() -> tuple[str, str]:
            with session_scope() as db:
                user = accounts.authenticate(
                    db,
                    login=login,
                    password=password,
                    throttle=default_login_throttle(),
                    client_ip=client_ip,
                )
                assert user.id is not None
                return user.login, _open_session(db, user.id, user_agent)

        return await self._sign_in(work)


class SignupState(GuestState):
    @rx.event
    async def submit(self, form: dict[str, Any]) -> Any:
        self._clear_messages()
        settings = get_settings()
        user_agent = self.router.headers.user_agent
        language = self.current_lang
        client_ip = request_client(self)

        def work() -> tuple[str, str]:
            with session_scope() as db:
                user = accounts.sign_up(
                    db,
                    login=str(form.get("login", "")),
                    password=str(form.get("password", "")),
                    password_confirm=str(form.get("password_confirm", "")),
                    language=language,
                    min_length=settings.password_min_length,
                    throttle=default_login_throttle(),
                    client_ip=client_ip,
                )
                assert user.id is not None
                return user.login, _open_session(db, user.id, user_agent)

        return await self._sign_in(work)
