"""Request bodies bounded before anything reads them (rx.App(api_transformer=...) wraps the
whole backend with this).

Reflex's upload endpoint parses the whole multipart body (to temp files, then the handler reads
them) before any event handler can look at the session or a size. So the refusals happen here,
in front of it: an upload without a valid session cookie gets 401 before one body byte is read;
any upload (the page's, or a photo sent to the REST API) whose declared Content-Length passes
UPLOAD_MAX_BYTES, or any other request over REQUEST_MAX_BYTES, gets 413 at once, and one
that streams more than that (chunked, or lying about its length) gets 413 as soon as the count
passes it, with the rest of the body never read. The server holds at most one ASGI message of
the body at a time while counting.
"""

from __future__ import annotations

import json
import re

import anyio.to_thread
from sqlalchemy.engine import Engine
from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from healthapp import routes
from healthapp.api.deps import REFUSAL_HEADERS
from healthapp.api.v1.problems import TYPE_BASE as PROBLEM_TYPE_BASE
from healthapp.i18n import translate
from healthapp.observability import metrics
from healthapp.services.auth import sessions

UPLOAD_PATH = routes.UPLOAD
NOT_SIGNED_IN = routes.UPLOAD_NOT_SIGNED_IN
TOO_LARGE = routes.UPLOAD_TOO_LARGE
BAD_LENGTH = routes.UPLOAD_BAD_LENGTH
# API clients get the reason in this header. Reflex's upload client applies each JSON line of
# the reply as a state update whatever the status, so a refused upload's reply is one such
# line: an event that calls routes.UPLOAD_REFUSED_EVENT on the state whose handler was to run,
# and the page says why (or sends a lost session to log in).
REASON_HEADER = "x-healthapp-refused"
_HANDLER_NAME = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)+")
NOT_SIGNED_IN = "upload.not_signed_in"
TOO_LARGE = "upload.too_large"
BAD_LENGTH = "upload.bad_length"


class UploadLimits:
    """ASGI middleware: the session check for uploads and the body limit for every request.

    Uploads may carry `max_bytes` (UPLOAD_MAX_BYTES); every other request `request_max_bytes`
    (REQUEST_MAX_BYTES: JSON and form bodies are parsed in memory, and the log-in route reads
    one before anybody is known). Both, `secret_key` and `engine` default to the settings and
    the app's database, read on the first request (the settings are not loaded when Reflex
    builds the app)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int | None = None,
        request_max_bytes: int | None = None,
        secret_key: str | None = None,
        engine: Engine | None = None,
    ) -> None:
        self.app = app
        self._max_bytes = max_bytes
        self._request_max_bytes = request_max_bytes
        self._secret_key = secret_key
        self.engine = engine

    @property
    def request_max_bytes(self) -> int:
        if self._request_max_bytes is None:
            from healthapp.config import get_settings

            self._request_max_bytes = get_settings().request_max_bytes
        return self._request_max_bytes

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
        upload = _is_upload(scope)
        handler = headers.get("reflex-event-handler", "") if upload else ""
        if upload and not await self._signed_in(headers):
            await _refuse(send, 401, NOT_SIGNED_IN, handler, upload=True)
            return
        counted = upload or _is_api_upload(scope)  # the page's or the REST API's photo upload
        limit = self.max_bytes if counted else self.request_max_bytes
        api_limit = limit if _is_api(scope) else None
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await _refuse(send, 400, BAD_LENGTH, handler, api_limit=api_limit, upload=counted)
                return
            if int(declared) > limit:
                await _refuse(send, 413, TOO_LARGE, handler, api_limit=api_limit, upload=counted)
                return
        accepted = await self._counted(scope, receive, send, handler, limit, api_limit,
                                       upload=counted)  # fmt: skip
        if accepted and counted:
            metrics.UPLOADS_ACCEPTED.inc()

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

    async def _counted(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        handler: str,
        limit: int,
        api_limit: int | None,
        *,
        upload: bool,
    ) -> bool:
        """Run the app with the body counted; False when the count passed `limit` (refused)."""
        received = 0
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
                        await _refuse(send, 413, TOO_LARGE, handler, api_limit=api_limit,
                                      upload=upload)  # fmt: skip
                    else:  # the app answered before reading it all: counted all the same
                        _count_refusal(TOO_LARGE, upload=upload)
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
        return not refused


def _is_upload(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    return path.rstrip("/") == UPLOAD_PATH and scope.get("method") != "GET"


# The REST API's photo uploads (api/v1/meals.py) take the upload limit too; their sender is
# checked before the body is read by the API's own bearer check (api/v1/bearer_first.py).
_API_UPLOAD = re.compile(r"/api/v1/meals(/[1-9][0-9]{0,18}/photos)?/?")


def _is_api(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    return path.startswith(("/api/v1/", "/nightscout/"))


def _is_api_upload(scope: Scope) -> bool:
    return scope.get("method") == "POST" and bool(_API_UPLOAD.fullmatch(scope.get("path", "")))


def refusal_body(handler: str, reason: str) -> bytes:
    """The reply's body: for an upload from the page, the state update line that makes the
    page call routes.UPLOAD_REFUSED_EVENT(reason) on the handler's own state; else nothing."""
    if not _HANDLER_NAME.fullmatch(handler):
        return b""
    state = handler.rsplit(".", 1)[0]
    event = {"name": f"{state}.{routes.UPLOAD_REFUSED_EVENT}", "payload": {"reason": reason}}
    return json.dumps({"delta": {}, "events": [event]}).encode() + b"\n"


def _problem_body(status: int, reason: str, limit: int) -> bytes:
    """An RFC 9457 problem for API clients (the REST API's own refusals look the same)."""
    detail = translate("en", reason, max_mb=f"{limit / (1024 * 1024):g}")
    kind = reason.removeprefix("upload.").replace("_", "-")
    return json.dumps({"type": PROBLEM_TYPE_BASE + kind, "title": detail, "status": status,
                       "detail": detail, "errors": []}).encode()  # fmt: skip


def _count_refusal(reason: str, *, upload: bool) -> None:
    counter = metrics.UPLOADS_REFUSED if upload else metrics.BODIES_REFUSED
    counter.labels(reason=metrics.upload_reason(reason)).inc()


async def _refuse(
    send: Send,
    status: int,
    reason: str,
    handler: str = "",
    *,
    api_limit: int | None = None,
    upload: bool = True,
) -> None:
    """The refusal; `api_limit` (the limit that applied) for a request to the REST API;
    `upload`: counted as a refused upload (the page's or the API's photos), else as a refused
    request body."""
    _count_refusal(reason, upload=upload)
    headers = {**REFUSAL_HEADERS, REASON_HEADER: reason, "connection": "close"}
    if api_limit is not None:
        body = _problem_body(status, reason, api_limit)
        headers["content-type"] = "application/problem+json"
    else:
        body = refusal_body(handler, reason)
        if body:
            headers["content-type"] = "application/x-ndjson"
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        + [(b"content-length", str(len(body)).encode())],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def limit_uploads(app: ASGIApp) -> ASGIApp:
    """The api_transformer step: wraps the backend (after the REST routes are mounted)."""
    return UploadLimits(app)
