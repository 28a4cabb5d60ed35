"""X-Forwarded-Proto believed from a trusted proxy only: the scheme of requests and of the
redirects and cookies built from them."""

from __future__ import annotations

import ipaddress

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket

from healthapp.api.forwarded import forwarded_proto, forwarded_scheme

PROXY = (ipaddress.ip_network("10.0.0.5/32"),)


async def scheme(request: Request) -> Response:
    return PlainTextResponse(request.url.scheme)


async def slash(request: Request) -> Response:
    return RedirectResponse(str(request.url.replace(path="/page/")), status_code=307)


async def socket(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text(websocket.url.scheme)
    await websocket.close()


def client(peer: str) -> TestClient:
    inner = Starlette(
        routes=[Route("/scheme", scheme), Route("/page", slash), WebSocketRoute("/ws", socket)]
    )
    return TestClient(forwarded_proto(inner, PROXY), client=(peer, 50000))


def test_a_trusted_proxy_sets_the_scheme_of_requests_and_redirects() -> None:
    with client("10.0.0.5") as http:
        assert http.get("/scheme", headers={"X-Forwarded-Proto": "https"}).text == "https"
        reply = http.get("/page", headers={"X-Forwarded-Proto": "https"}, follow_redirects=False)
        assert reply.headers["location"].startswith("https://")
        assert http.get("/scheme").text == "http"  # no header: as it came


def test_anyone_else_cannot_claim_https() -> None:
    with client("192.0.2.9") as http:
        assert http.get("/scheme", headers={"X-Forwarded-Proto": "https"}).text == "http"


def test_the_websocket_handshake_becomes_wss() -> None:
    for peer, expected in (("10.0.0.5", "wss"), ("192.0.2.9", "ws")):
        with (
            client(peer) as http,
            http.websocket_connect("/ws", headers={"X-Forwarded-Proto": "https"}) as ws,
        ):
            assert ws.receive_text() == expected, peer


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([b"https"], "https"),
        ([b"http, https"], "https"),  # the right-most value is the one our proxy wrote
        ([b"https, http"], "http"),
        ([b"HTTPS"], "https"),
        ([b"gopher"], None),
        ([], None),
    ],
)
def test_the_right_most_value_counts(values: list[bytes], expected: str | None) -> None:
    scope = {
        "type": "http",
        "scheme": "http",
        "client": ("10.0.0.5", 1),
        "headers": [(b"x-forwarded-proto", v) for v in values],
    }
    assert forwarded_scheme(scope, PROXY) == expected
    assert forwarded_scheme({**scope, "client": ("10.0.0.6", 1)}, PROXY) is None
    assert forwarded_scheme(scope, ()) is None
