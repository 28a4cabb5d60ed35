"""The scheme a request had before the TLS proxy: behind Caddy (deploy/caddy/Caddyfile) the
browser speaks https:// and wss://, but the app receives plain http:// and ws://. Without this,
every URL the backend builds from the request is http://: Starlette's redirect of /signup to
/signup/ (which, on the proxy's HTTPS port, the browser cannot follow), the session cookie's
Secure flag (api/session.py) and anything else that reads `request.url`.

One ASGI middleware, hooked in by rx.App(api_transformer=[...]) outermost: when the socket's
peer is a proxy named in TRUSTED_PROXIES, the right-most X-Forwarded-Proto value (the one that
proxy wrote) sets the scope's scheme; from anyone else the header is ignored, as X-Forwarded-For
is (services/auth/throttle.py). Host needs nothing: Caddy passes the browser's Host through.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from healthapp.config import get_settings
from healthapp.services.auth.throttle import IPNetwork, is_trusted_proxy

_SECURE = {"http": "https", "websocket": "wss"}
_PLAIN = {"http": "http", "websocket": "ws"}


def forwarded_scheme(scope: Scope, trusted: Sequence[IPNetwork]) -> str | None:
    """The scheme the trusted proxy in front saw, or None to keep the scope's own."""
    client = scope.get("client")
    if not trusted or not client or not is_trusted_proxy(str(client[0]), trusted):
        return None
    values = [
        part.strip().lower()
        for name, value in scope.get("headers", [])
        if name.lower() == b"x-forwarded-proto"
        for part in value.decode("latin-1").split(",")
    ]
    if not values:
        return None
    if values[-1] in {"https", "wss"}:
        return _SECURE[scope["type"]]
    if values[-1] in {"http", "ws"}:
        return _PLAIN[scope["type"]]
    return None


def forwarded_proto(app: ASGIApp, trusted: Sequence[IPNetwork] | None = None) -> ASGIApp:
    """For rx.App(api_transformer=[...]): `app` seeing the scheme the proxy saw. `trusted`
    defaults to TRUSTED_PROXIES (read once, on the first request)."""
    networks: list[Sequence[IPNetwork]] = [] if trusted is None else [trusted]

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in _SECURE:
            if not networks:
                networks.append(get_settings().trusted_proxy_networks)
            scheme = forwarded_scheme(scope, networks[0])
            if scheme is not None and scheme != scope.get("scheme"):
                scope = {**scope, "scheme": scheme}
        await app(scope, receive, send)

    return middleware
