"""BearerFirst answers 401 before the app (and its body parser) sees a body without a token."""

from __future__ import annotations

from typing import Any

import pytest

from healthapp.api.v1.bearer_first import BearerFirst
from tests.aio import run


def call(method: str, path: str, headers: list[tuple[bytes, bytes]]) -> tuple[bool, int, int]:
    """(whether the app was called, the status sent, how many body messages were pulled)"""
    called = False
    pulled = 0

    async def app(_scope: Any, _receive: Any, send: Any) -> None:
        nonlocal called
        called = True
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * 1000, "more_body": False}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": f"/api/v1{path}",
             "root_path": "/api/v1", "headers": headers}  # fmt: skip
    run(BearerFirst(app)(scope, receive, send))
    return called, sent[0]["status"], pulled


@pytest.mark.parametrize("headers", [[], [(b"authorization", b"Basic abc")],
                                     [(b"authorization", b"Bearer ")]])  # fmt: skip
def test_a_body_without_a_bearer_token_is_refused_unread(headers: list[Any]) -> None:
    assert call("POST", "/glucose", headers) == (False, 401, 0)
    assert call("PUT", "/glucose/1", headers) == (False, 401, 0)


def test_reads_and_the_log_in_routes_pass() -> None:
    assert call("GET", "/glucose", [])[:2] == (True, 200)
    assert call("POST", "/auth/token", [])[:2] == (True, 200)
    assert call("POST", "/auth/revoke", [])[:2] == (True, 200)
