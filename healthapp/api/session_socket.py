"""What Reflex's event socket learns of the session: the token's keyed hash, never the token.

Reflex keeps the headers of a socket's handshake on every state (state.router.headers), and the
state store persists them. This ASGI middleware, hooked in by rx.App(api_transformer=[...]),
rewrites the handshake of /_event before Reflex sees it: the session cookie is taken out of the
Cookie header and its keyed hash (sessions.token_hash) is put in SESSION_HASH_HEADER, which is
first removed from what the client sent, so a client cannot name a session by its hash. The
state then finds the user from that hash (state/base.py); every other path is left untouched.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from healthapp.services.auth import sessions

EVENT_PATH = "/_event"
_HASH_HEADER = sessions.SESSION_HASH_HEADER.encode()


def rewrite_headers(
    headers: list[tuple[bytes, bytes]], secret_key: str
) -> list[tuple[bytes, bytes]]:
    """The handshake's headers without the session cookie and with its hash."""
    kept: list[tuple[bytes, bytes]] = []
    token = ""
    for name, value in headers:
        lowered = name.lower()
        if lowered == _HASH_HEADER:
            continue
        if lowered == b"cookie":
            text = value.decode("latin-1")
            token = token or sessions.token_from_cookie_header(text)
            rest = [
                pair.strip()
                for pair in text.split(";")
                if pair.strip() and pair.strip().partition("=")[0] != sessions.SESSION_COOKIE
            ]
            if rest:
                kept.append((name, "; ".join(rest).encode("latin-1")))
            continue
        kept.append((name, value))
    if token:
        kept.append((_HASH_HEADER, sessions.token_hash(token, secret_key).encode()))
    return kept


def session_socket(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in {"websocket", "http"} and scope.get("path", "").startswith(EVENT_PATH):
            from healthapp.api.deps import get_secret_key

            scope = {**scope, "headers": rewrite_headers(list(scope["headers"]), get_secret_key())}
        await app(scope, receive, send)

    return middleware
