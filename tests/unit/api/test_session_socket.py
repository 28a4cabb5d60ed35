"""What Reflex's event socket is handed instead of the session cookie."""

from __future__ import annotations

from healthapp.api.session_socket import rewrite_headers
from healthapp.services.auth import sessions
from tests.aio import run

KEY = "socket-test-key"
HASH = sessions.SESSION_HASH_HEADER.encode()


def test_the_token_becomes_its_hash_and_other_cookies_stay() -> None:
    headers = [
        (b"host", b"example"),
        (b"cookie", f"a=1; {sessions.SESSION_COOKIE}=tok; b=2".encode()),
    ]
    out = dict(rewrite_headers(headers, KEY))
    assert out[b"cookie"] == b"a=1; b=2"
    assert out[HASH] == sessions.token_hash("tok", KEY).encode()
    assert b"tok" not in b"".join(v for _, v in rewrite_headers(headers, KEY))


def test_a_hash_the_client_sent_is_dropped() -> None:
    forged = [(HASH, b"deadbeef"), (b"Cookie", b"a=1")]
    assert rewrite_headers(forged, KEY) == [(b"Cookie", b"a=1")]


def test_a_cookie_of_only_the_session_is_removed() -> None:
    out = rewrite_headers([(b"cookie", f"{sessions.SESSION_COOKIE}=tok".encode())], KEY)
    assert [name for name, _ in out] == [HASH]


def test_the_cookie_header_is_parsed_leniently() -> None:
    assert sessions.token_from_cookie_header(f'x; {sessions.SESSION_COOKIE}="t"') == "t"
    assert sessions.token_from_cookie_header("other=1") == ""


def test_only_the_event_socket_is_rewritten() -> None:

    from healthapp.api import session_socket as module

    seen: dict[str, list[tuple[bytes, bytes]]] = {}

    async def inner(scope: dict, _receive: object, _send: object) -> None:  # type: ignore[type-arg]
        seen[scope["path"]] = scope["headers"]

    wrapped = module.session_socket(inner)  # type: ignore[arg-type]
    cookie = [(b"cookie", f"{sessions.SESSION_COOKIE}=tok".encode())]
    for kind, path in (("websocket", "/_event/"), ("http", "/api/export/csv")):
        scope = {"type": kind, "path": path, "headers": cookie}
        run(wrapped(scope, None, None))  # type: ignore[arg-type]
    assert [name for name, _ in seen["/_event/"]] == [HASH]
    assert seen["/api/export/csv"] == cookie  # the HTTP routes read the cookie itself
