"""Sign-up and log-in forms."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import reflex as rx

from healthapp.config import get_settings
from healthapp.db import session_scope
from healthapp.i18n import supported, translate
from healthapp.services.auth import accounts, sessions
from healthapp.services.auth.redirects import safe_next_path
from healthapp.services.auth.throttle import client_address, default_login_throttle
from healthapp.state.base import AppState, FormState, claim_url, navigate


def _hand_off(user_id: int, user_agent: str) -> str:
    """The one-time nonce the claim route turns into this browser's session cookie."""
    return sessions.default_handoffs().issue(user_id=user_id, user_agent=user_agent)


def request_client(state: rx.State) -> str:
    """The address the throttles count: the socket's peer (rxconfig leaves Reflex's
    trusted_proxy_hops at 0, so session.client_ip is the ASGI scope's client), or, from a proxy
    named in TRUSTED_PROXIES, the client that proxy saw."""
    return client_address(
        state.router.session.client_ip,
        state.router.headers.raw_headers.get("x-forwarded-for", ""),
        get_settings().trusted_proxy_networks,
    )


def _ended_reason(hashed: str) -> str:
    with session_scope() as db:
        return sessions.default_ended_sessions().reason(db, hashed)


class GuestState(FormState, AppState):
    """Shared by the log-in and sign-up pages."""

    # Why this browser's last session ended (a catalogue key), when it still names one.
    ended_key: str = ""

    @rx.var
    def ended_text(self) -> str:
        return translate(self.current_lang, self.ended_key) if self.ended_key else ""

    @rx.event
    async def on_guest_load(self) -> Any:
        """A signed-in visitor has no business on these pages: send them on."""
        await self.detect_language()
        self._clear_messages()
        self.ended_key = ""
        hashed = self._session_hash()
        if not hashed:
            return None
        if await self._if_signed_in(lambda _db, uid: uid) is None:
            # a stale cookie: harmless, replaced by the next log-in; it may say why it ended
            self.ended_key = await asyncio.to_thread(_ended_reason, hashed)
            return None
        return rx.redirect(self._next_path())

    def _next_path(self) -> str:
        return safe_next_path(self.router.url.query_parameters.get("next"))

    async def _sign_in(self, work: Callable[[], tuple[str, str, str]]) -> Any:
        """Run `work` (it returns the login, a hand-off nonce and the account's language) off
        the event loop; on
        success let the claim route set the cookie and go on to the `next` page, else show
        why not."""
        attempt = await self._settle(asyncio.to_thread(work))
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        login, nonce, language = attempt.value
        self.user_login = login
        self.flash_key = self.ended_key = ""
        if language:  # the account's language wins over this browser's
            self.lang = supported(language)
        return navigate(claim_url(nonce, self._next_path()))


class LoginState(GuestState):
    @rx.event
    async def submit(self, form: dict[str, Any]) -> Any:
        self._clear_messages()
        login, password = str(form.get("login", "")), str(form.get("password", ""))
        client_ip = request_client(self)
        user_agent = self.router.headers.user_agent

        def work() -> tuple[str, str, str]:
            with session_scope() as db:
                user = accounts.authenticate(
                    db,
                    login=login,
                    password=password,
                    throttle=default_login_throttle(),
                    client_ip=client_ip,
                )
                assert user.id is not None
                return user.login, _hand_off(user.id, user_agent), user.language

        return await self._sign_in(work)


class SignupState(GuestState):
    @rx.event
    async def submit(self, form: dict[str, Any]) -> Any:
        self._clear_messages()
        settings = get_settings()
        user_agent = self.router.headers.user_agent
        language = self.current_lang
        client_ip = request_client(self)

        def work() -> tuple[str, str, str]:
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
                return user.login, _hand_off(user.id, user_agent), ""

        return await self._sign_in(work)
