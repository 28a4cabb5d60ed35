"""Request bodies bounded before anything reads them (rx.App(api_transformer=...) wraps the
whole backend with this).

Reflex's upload endpoint parses the whole multipart body (to temp files, then the handler reads
them) before any event handler can look at the session or a size. So the refusals happen here,
in front of it: an upload without a valid session cookie gets 401 before one body byte is read;
any request whose declared Content-Length passes UPLOAD_MAX_BYTES gets 413 at once, and one
that streams more than that (chunked, or lying about its length) gets 413 as soon as the count
passes it, with the rest of the body never read. The server holds at most one ASGI message of
the body at a time while counting.
"""

from __future__ import annotations

import anyio.to_thread
from sqlalchemy.engine import Engine
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from healthapp.api.deps import REFUSAL_HEADERS
from healthapp.services.auth import sessions

# Reflex's constants.Endpoint.UPLOAD (the api layer imports no Reflex; a test holds them equal).
UPLOAD_PATH = "/_upload"
# The client cannot show a refused upload's body; the page shows these keys from its own
# checks (the picker knows the same limits), and API clients get them in this header.
REASON_HEADER = "x-healthapp-refused"
NOT_SIGNED_IN = "upload.not_signed_in"
TOO_LARGE = "upload.too_large"
BAD_LENGTH = "upload.bad_length"


class UploadLimits:
    """ASGI middleware: the session check for uploads and the body limit for every request.

    `max_bytes`, `secret_key` and `engine` default to the settings and the app's database,
    read on the first request (the settings are not loaded when Reflex builds the app)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int | None = None,
        secret_key: str | None = None,
        engine: Engine | None = None,
    ) -> None:
        self.app = app
        self._max_bytes = max_bytes
        self._secret_key = secret_key
        self.engine = engine

    @property
    def max_bytes(self) -> int:
        if self._max_bytes is None:
            from healthapp.config import get_settings

            self._max_bytes = get_settings().upload_max_bytes
        return self._max_bytes

    @property
    def secret_key(self) -> str:
        if self._secret_key is None:
            from healthapp.config import get_settings

            self._secret_key = get_settings().secret_key.get_secret_value()
        return self._secret_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if _is_upload(scope) and not await self._signed_in(headers):
            await _refuse(send, 401, NOT_SIGNED_IN)
            return
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await _refuse(send, 400, BAD_LENGTH)
                return
            if int(declared) > self.max_bytes:
                await _refuse(send, 413, TOO_LARGE)
                return
        await self._counted(scope, receive, send)

    async def _signed_in(self, headers: Headers) -> bool:
        token = cookie_parser(headers.get("cookie", "")).get(sessions.SESSION_COOKIE, "")
        if not token:
            return False

        def check() -> bool:
            try:
                sessions.run_as_user(token, self.secret_key, lambda _db, _uid: None,
                                     engine=self.engine)  # fmt: skip
            except sessions.NotSignedIn:
                return False
            return True

        return await anyio.to_thread.run_sync(check)

    async def _counted(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit, received = self.max_bytes, 0
        refused = started = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    if not started:
                        await _refuse(send, 413, TOO_LARGE)
                    # The app sees a client that went away: it stops parsing and keeps nothing.
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:  # the app's answer to the "disconnect" goes nowhere; 413 was sent
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counting_receive, guarded_send)


def _is_upload(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    return path.rstrip("/") == UPLOAD_PATH and scope.get("method") != "GET"


async def _refuse(send: Send, status: int, reason: str) -> None:
    headers = {**REFUSAL_HEADERS, REASON_HEADER: reason, "connection": "close"}
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        + [(b"content-length", b"0")],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": b""})


def limit_uploads(app: ASGIApp) -> ASGIApp:
    """The api_transformer step: wraps the backend (after the REST routes are mounted)."""
    return UploadLimits(app)
