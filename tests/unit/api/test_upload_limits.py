"""UploadLimits in front of a recording ASGI app: what passes untouched and what is refused
before the app sees a byte. The sessions and the 200 MB bodies are in
tests/integration/test_upload_limits.py."""

from __future__ import annotations

import json
from typing import Any

import pytest
from reflex_base.constants import Endpoint

from healthapp import routes
from healthapp.api.upload_limits import (
    BAD_LENGTH,
    NOT_SIGNED_IN,
    REASON_HEADER,
    TOO_LARGE,
    UPLOAD_PATH,
    UploadLimits,
    refusal_body,
)
from healthapp.state.data import DataState
from healthapp.state.meals import MealsState
from tests.aio import run

LIMIT = 1000


class Recorder:
    """The wrapped app: reads the whole body, then answers 200 with how much it read."""

    def __init__(self) -> None:
        self.called = False
        self.read = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.called = True
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            self.read += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def call(
    path: str,
    chunks: list[bytes],
    *,
    method: str = "POST",
    length: str | None = None,
    request_limit: int = LIMIT,
) -> tuple[Recorder, list[dict[str, Any]], int]:
    inner = Recorder()
    middleware = UploadLimits(inner, max_bytes=LIMIT * 100, request_max_bytes=request_limit,
                              secret_key="k" * 40)  # fmt: skip
    headers = [] if length is None else [(b"content-length", length.encode())]
    scope = {"type": "http", "method": method, "path": path, "headers": headers}
    pending = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    pulled = 0

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    run(middleware(scope, receive, send))
    return inner, sent, pulled


def reason(sent: list[dict[str, Any]]) -> tuple[int, str]:
    start = sent[0]
    return start["status"], dict(start["headers"])[REASON_HEADER.encode()].decode()


def test_the_upload_path_is_reflexs() -> None:
    assert str(Endpoint.UPLOAD) == UPLOAD_PATH


def test_an_anonymous_upload_is_refused_before_its_body_is_read() -> None:
    inner, sent, pulled = call(UPLOAD_PATH, [b"x" * 10], length="10")
    assert reason(sent) == (401, NOT_SIGNED_IN)
    assert (inner.called, pulled) == (False, 0)


def test_reading_uploaded_files_back_needs_no_session() -> None:
    inner, sent, _ = call(f"{UPLOAD_PATH}/a.txt", [b""], method="GET")
    assert (inner.called, sent[0]["status"]) == (True, 200)


def test_a_body_under_the_limit_reaches_the_app_whole() -> None:
    inner, sent, _ = call("/api/x", [b"x" * 600, b"x" * 400], length="1000")
    assert (sent[0]["status"], inner.read) == (200, 1000)


def test_requests_other_than_uploads_have_their_own_smaller_limit() -> None:
    inner, sent, pulled = call("/api/v1/auth/token", [b"x" * 600], length="600", request_limit=500)
    assert reason(sent) == (413, TOO_LARGE)
    assert (inner.called, pulled) == (False, 0)
    streamed, sent, _ = call("/api/v1/glucose", [b"x" * 300] * 2, request_limit=500)
    assert reason(sent) == (413, TOO_LARGE)
    assert streamed.read == 300


def test_a_declared_length_over_the_limit_is_refused_unread() -> None:
    inner, sent, pulled = call("/api/x", [b"x" * 10], length=str(LIMIT + 1))
    assert reason(sent) == (413, TOO_LARGE)
    assert (inner.called, pulled) == (False, 0)


@pytest.mark.parametrize("length", ["-1", "12abc", ""])
def test_a_malformed_length_is_refused(length: str) -> None:
    inner, sent, _ = call("/api/x", [b"x"], length=length)
    assert reason(sent) == (400, BAD_LENGTH)
    assert not inner.called


def test_a_streamed_body_is_cut_off_when_it_passes_the_limit() -> None:
    chunks = [b"x" * 400] * 10  # no Content-Length: chunked
    inner, sent, pulled = call("/api/x", chunks)
    assert reason(sent) == (413, TOO_LARGE)
    assert len(sent) == 2  # the 413 only; the app's own answer was dropped
    assert pulled == 3  # nothing read past the chunk that crossed the limit
    assert inner.read == 800


def test_a_refused_uploads_reply_asks_the_page_to_call_its_states_handler() -> None:
    handler = f"{MealsState.get_full_name()}.save_meal"
    line = json.loads(refusal_body(handler, TOO_LARGE))
    assert line == {"delta": {}, "events": [{
        "name": f"{MealsState.get_full_name()}.{routes.UPLOAD_REFUSED_EVENT}",
        "payload": {"reason": TOO_LARGE}}]}  # fmt: skip
    assert routes.UPLOAD_REFUSED_EVENT in MealsState.event_handlers
    assert routes.UPLOAD_REFUSED_EVENT in DataState.event_handlers


@pytest.mark.parametrize("handler", ["", "h", "x.y<script>", "a.b\nc"])
def test_a_reply_to_anything_but_a_state_handler_has_no_body(handler: str) -> None:
    assert refusal_body(handler, TOO_LARGE) == b""


class SignedIn(UploadLimits):
    async def _signed_in(self, headers: Any) -> bool:
        return True


def metric(name: str, **labels: str) -> float:
    from healthapp.observability import metrics

    return metrics.WEB.get_sample_value(name, labels) or 0.0


def test_uploads_accepted_and_refused_are_counted_by_reason() -> None:
    accepted = metric("healthapp_uploads_accepted_total")
    too_large = metric("healthapp_uploads_refused_total", reason="too_large")
    anonymous = metric("healthapp_uploads_refused_total", reason="not_signed_in")
    body_too_large = metric("healthapp_request_bodies_refused_total", reason="too_large")

    call(UPLOAD_PATH, [b"x"], length="1")  # no session
    call("/api/x", [b"x" * 600], length="600", request_limit=500)  # not an upload

    async def upload(chunks: list[bytes]) -> None:
        app = SignedIn(Recorder(), max_bytes=LIMIT, request_max_bytes=LIMIT, secret_key="k" * 40)
        pending = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
                   for i, c in enumerate(chunks)]  # fmt: skip

        async def receive() -> dict[str, Any]:
            return pending.pop(0) if pending else {"type": "http.disconnect"}

        async def send(_message: dict[str, Any]) -> None:
            return None

        await app({"type": "http", "method": "POST", "path": UPLOAD_PATH, "headers": []},
                  receive, send)  # fmt: skip

    run(upload([b"x" * 10]))  # accepted
    run(upload([b"x" * 600, b"x" * 600]))  # streamed past the limit

    assert metric("healthapp_uploads_accepted_total") == accepted + 1
    assert metric("healthapp_uploads_refused_total", reason="too_large") == too_large + 1
    assert metric("healthapp_uploads_refused_total", reason="not_signed_in") == anonymous + 1
    assert (
        metric("healthapp_request_bodies_refused_total", reason="too_large") == body_too_large + 1
    )
