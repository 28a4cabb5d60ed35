"""The root state: language, and the signed-in user resolved on the server from the session.

The state never holds the session token: the cookie is HttpOnly, set and cleared by HTTP
responses (api/session.py), and the socket's handshake reaches Reflex with the token's keyed hash
in its place (api/session_socket.py). Signing in or out is therefore a full navigation, after
which the page opens a new socket that carries the new cookie."""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload
from urllib.parse import quote, urlencode

import reflex as rx
from sqlmodel import Session

from healthapp import routes
from healthapp.config import get_settings
from healthapp.domain.errors import ServiceError
from healthapp.i18n import CATALOGUES, DEFAULT_LANGUAGE, negotiate, supported, translate
from healthapp.services import preferences
from healthapp.services.auth import accounts, sessions
from healthapp.services.forms import FormInvalid

log = logging.getLogger(__name__)
T = TypeVar("T")
P = ParamSpec("P")
S = TypeVar("S", bound="FormState")


def navigate(url: str) -> rx.event.EventSpec:
    """A full page load of `url` (rx.redirect stays inside the single-page app): the HTTP
    response may set a cookie, and the next page opens a socket that carries it."""
    return rx.call_script(f"window.location.replace({json.dumps(url)})")


def claim_url(nonce: str, next_path: str) -> str:
    return f"{routes.SESSION_CLAIM}?{urlencode({'nonce': nonce, 'next': next_path})}"


class AppState(rx.State):
    lang: str = rx.LocalStorage("", name="healthapp_lang", sync=True)
    user_login: str = ""
    flash_key: str = ""

    @rx.var
    def t(self) -> dict[str, str]:
        """The current language's catalogue, with app-wide placeholders filled in."""
        params = {"min": get_settings().password_min_length}
        lang = supported(self.lang or DEFAULT_LANGUAGE)
        return {key: translate(lang, key, **params) for key in CATALOGUES[lang]}

    @rx.var
    def signed_in_as(self) -> str:
        return translate(self.current_lang, "user_menu.signed_in_as", name=self.user_login)

    @rx.var
    def greeting(self) -> str:
        return translate(self.current_lang, "home.greeting", name=self.user_login)

    @rx.var
    def current_lang(self) -> str:
        return supported(self.lang or DEFAULT_LANGUAGE)

    @rx.var
    def flash(self) -> str:
        return translate(self.current_lang, self.flash_key) if self.flash_key else ""

    def _session_hash(self) -> str:
        """The keyed hash of this socket's session token ("" when it came without a cookie)."""
        return self.router.headers.raw_headers.get(sessions.SESSION_HASH_HEADER, "")

    async def _as_user(self, work: Callable[[Session, int], T]) -> T:
        """Run `work(db, user_id)` off the event loop for the user this browser's session names.

        Raises sessions.NotSignedIn when the session is unknown, expired or revoked.
        """
        return await asyncio.to_thread(sessions.run_as_session, self._session_hash(), work)

    async def _if_signed_in(self, work: Callable[[Session, int], T]) -> T | None:
        """`_as_user`, or None when the session is lost: for work that has no use without one
        (a check, a remembered setting, a search). A protected page's next load redirects."""
        try:
            return await self._as_user(work)
        except sessions.NotSignedIn:
            return None

    def _login_redirect(self) -> rx.event.EventSpec:
        self.user_login = ""
        path = self.router.url.path or routes.HOME
        query = self.router.url.query
        target = f"{path}?{query}" if query else path
        return rx.redirect(f"{routes.LOGIN}?next={quote(target, safe='')}")

    @rx.event
    async def detect_language(self) -> None:
        """First visit: follow the browser's Accept-Language; afterwards the stored choice wins."""
        if not self.lang:
            self.lang = negotiate(self.router.headers.accept_language)

    @rx.event
    async def require_login(self) -> Any:
        """on_load of every protected page: no session, no page."""
        await self.detect_language()
        user = await self._if_signed_in(lambda db, uid: accounts.get_user(db, user_id=uid))
        if user is None:
            return self._login_redirect()
        self.user_login = user.login
        if not user.timezone:  # first signed-in visit: learn the browser's zone once
            return rx.call_script(
                "Intl.DateTimeFormat().resolvedOptions().timeZone",
                callback=AppState.learn_timezone,
            )
        return None

    @rx.event
    async def learn_timezone(self, name: str) -> None:
        await self._if_signed_in(
            lambda db, uid: preferences.learn_timezone(db, user_id=uid, name=str(name))
        )

    @rx.event
    async def set_language(self, lang: str) -> None:
        self.lang = supported(lang)
        if self._session_hash():
            await self._if_signed_in(
                lambda db, uid: accounts.set_language(db, user_id=uid, language=self.lang)
            )

    @rx.event
    async def logout(self) -> Any:
        hashed = self._session_hash()

        def revoke() -> None:
            from healthapp.db import session_scope

            with session_scope() as db:
                sessions.revoke_session_hash(db, hashed=hashed)

        if hashed:
            await asyncio.to_thread(revoke)
        return await self._end_session("login.signed_out")

    async def _end_session(self, flash_key: str) -> rx.event.EventSpec:
        """Forget this tab's user: every state of the app back to its defaults (no row of the
        previous user stays in the tab's server-side state), the language kept, then the logout
        route, which expires the cookie and goes on to the log-in page."""
        lang = self.lang
        for kind in _app_states():
            (await self.get_state(kind)).reset()
        root = await self.get_state(AppState)
        root.lang = lang
        root.flash_key = flash_key
        return navigate(routes.SESSION_LOGOUT)


def _app_states() -> list[type[rx.State]]:
    """AppState and every state class below it (Python's own subclass list: Reflex's registry
    needs an app context that a handler called outside Reflex does not have)."""
    found: list[type[rx.State]] = []
    pending: list[type[rx.State]] = [AppState]
    while pending:
        kind = pending.pop()
        found.append(kind)
        pending.extend(kind.__subclasses__())
    return found


@dataclass
class Attempt(Generic[T]):
    """How a form's unit of work went: `value` when ok, else the redirect to follow (if any)."""

    ok: bool
    value: T | None = None
    redirect: Any = None


UPLOAD_REFUSALS = frozenset({routes.UPLOAD_NOT_SIGNED_IN, routes.UPLOAD_TOO_LARGE,
                             routes.UPLOAD_BAD_LENGTH})  # fmt: skip


class FormState(rx.State, mixin=True):
    """Messages shared by every form: one error per field ("" for the whole form), a success
    note, kept as catalogue keys so they follow a language switch."""

    errors: dict[str, dict[str, str]] = {}
    done_key: str = ""

    if TYPE_CHECKING:  # supplied by AppState, which every form state also derives from
        current_lang: str

        def _login_redirect(self) -> rx.event.EventSpec: ...
        async def _as_user(self, work: Callable[[Session, int], T]) -> T: ...

    @rx.var
    def error_texts(self) -> dict[str, str]:
        return {
            field: translate(self.current_lang, error["key"], **error)
            for field, error in self.errors.items()
        }

    @rx.var
    def done_text(self) -> str:
        return translate(self.current_lang, self.done_key) if self.done_key else ""

    def _clear_messages(self) -> None:
        # Only when there is something to clear: Reflex sends every var that is assigned, and
        # re-derives what depends on it, even when the value is the one it had.
        if self.errors:
            self.errors = {}
        if self.done_key:
            self.done_key = ""

    def _show_error(self, key: str, field: str | None = None, **params: object) -> None:
        self.errors = {field or "": {"key": key, **{k: str(v) for k, v in params.items()}}}

    def _show_service_error(self, exc: ServiceError) -> None:
        if isinstance(exc, FormInvalid):
            self.errors = {
                field: {"key": error.key, **{k: str(v) for k, v in error.params.items()}}
                for field, error in exc.errors.items()
            }
        else:
            self._show_error(exc.key, exc.field, **exc.params)

    def _unexpected(self, exc: BaseException) -> None:
        log.exception("unexpected error in %s", type(self).__name__, exc_info=exc)
        self._show_error("error.unexpected")

    def _refused(self, exc: Exception) -> Any:
        """The one answer to a unit of work that failed: a lost session is a redirect to log
        in (returned, for the handler to pass on), a refusal the form's messages, anything
        else logged and shown as "unexpected"; nothing raises into Reflex."""
        if isinstance(exc, sessions.NotSignedIn):
            return self._login_redirect()
        if isinstance(exc, ServiceError):
            self._show_service_error(exc)
        else:
            self._unexpected(exc)
        return None

    @rx.event
    async def upload_refused(self, reason: str) -> Any:
        """The edge refused this tab's upload before reading it (api/upload_limits), and its
        reply asks the page to call this: a lost session goes to log in, else the reason."""
        if reason not in UPLOAD_REFUSALS:
            return None
        self._clear_messages()
        if reason == routes.UPLOAD_NOT_SIGNED_IN:
            try:
                await self._as_user(lambda _db, _uid: None)
            except sessions.NotSignedIn:
                return self._login_redirect()
        self._show_error(reason, None, max_mb=f"{get_settings().upload_max_bytes >> 20}")
        return None

    async def _settle(self, pending: Awaitable[T]) -> Attempt[T]:
        """Await `pending`; a failure goes through `_refused` and comes back as an Attempt."""
        try:
            return Attempt(ok=True, value=await pending)
        except Exception as exc:
            return Attempt(ok=False, redirect=self._refused(exc))

    async def _attempt(self, work: Callable[[Session, int], T]) -> Attempt[T]:
        """Run `work(db, user_id)` for the signed-in user, settled as `_settle` says."""
        return await self._settle(self._as_user(work))


@overload
def guarded(
    handler: Callable[Concatenate[S, P], AsyncIterator[Any]],
) -> Callable[Concatenate[S, P], AsyncIterator[Any]]: ...


@overload
def guarded(
    handler: Callable[Concatenate[S, P], Awaitable[Any]],
) -> Callable[Concatenate[S, P], Awaitable[Any]]: ...


def guarded(handler: Callable[..., Any]) -> Callable[..., Any]:
    """For an event handler of a FormState (async, or an async generator that yields updates)
    whose failures are not all inside one `_attempt`: whatever it raises goes through
    `FormState._refused`, and the redirect that may come back is returned, or yielded last.
    Put it under @rx.event."""
    if inspect.isasyncgenfunction(handler):

        @functools.wraps(handler)
        async def stream(self: FormState, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            try:
                async for update in handler(self, *args, **kwargs):
                    yield update
            except Exception as exc:
                yield self._refused(exc)

        return stream
    if not inspect.iscoroutinefunction(handler):
        raise TypeError(f"{handler.__qualname__} is neither async nor an async generator")

    @functools.wraps(handler)
    async def run(self: FormState, *args: Any, **kwargs: Any) -> Any:
        try:
            return await handler(self, *args, **kwargs)
        except Exception as exc:
            return self._refused(exc)

    return run
