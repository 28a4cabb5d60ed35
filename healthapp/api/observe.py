"""Every HTTP request of the web backend observed once: an id, a log line, two metrics.

The ASGI middleware (an rx.App api_transformer step, healthapp.py) wraps the upload limits and
the routes:
- the request id: the proxy's X-Request-ID when the request comes from a trusted proxy
  (TRUSTED_PROXIES) and the value is a plain token, else a new one; set for every log line of
  the request (observability.logs.REQUEST_ID) and sent back in X-Request-ID;
- healthapp_http_requests_total and healthapp_http_request_duration_seconds by method and
  route template (the route that answered, e.g. /api/v1/glucose/{reading_id}, never the raw
  path: bounded label values, no ids);
- one log line per request with method, route, status and duration; never the query string
  (a claim link carries a one-time nonce) or a header. Successful scrapes, probes and frontend
  files log at DEBUG.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
from typing import Any

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from healthapp import routes
from healthapp.observability import metrics
from healthapp.observability.logs import REQUEST_ID, new_id
from healthapp.services.auth.throttle import is_trusted_proxy

log = logging.getLogger("healthapp.http")
REQUEST_ID_HEADER = b"x-request-id"
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
# Requests that no route of the app matched, or that an edge answered before the routes.
_PREFIXES = ((routes.UPLOAD, routes.UPLOAD), ("/_event", "/_event"))
UNMATCHED = "unmatched"
# Scrapes, probes and the frontend's own files (pages, scripts, images): DEBUG when they succeed.
_QUIET_ROUTES = frozenset({"/metrics", "/ping", "/_health", "/{path}"})


def route_template(scope: Scope, before: object = None) -> str:
    """The template of the route that answered `scope` (after the app ran on it): the
    prefixes of the mounts it went through and the route's own path. `before` is the route the
    scope named when it reached the middleware (the mount of the servers' outer app), which
    says nothing about what answered."""
    route = scope.get("route")
    path: str = scope.get("path", "")
    if route is not None and route is not before:
        prefix = scope.get("root_path", "") or ""
        if isinstance(route, Mount):  # static files under a mount: one template for all
            return f"{prefix}/{{path}}" if prefix else "/{path}"
        template = getattr(route, "path", None)
        if isinstance(template, str):
            return f"{prefix}{template}" or "/"
    for start, template in _PREFIXES:
        if path == start or path.startswith(start + "/"):
            return template
    return UNMATCHED


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value
    return None


class ObserveRequests:
    """The middleware; `observe_requests` is its api_transformer form. `trusted` defaults to
    TRUSTED_PROXIES, read on the first request."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        trusted: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] | None = None,
    ) -> None:
        self.app = app
        self._trusted = trusted

    @property
    def trusted(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        if self._trusted is None:
            from healthapp.config import get_settings

            self._trusted = get_settings().trusted_proxy_networks
        return self._trusted

    def request_id(self, scope: Scope) -> str:
        given = _header(scope, REQUEST_ID_HEADER)
        if given and _REQUEST_ID.fullmatch(given) and self._from_proxy(scope):
            return given.decode()
        return new_id()

    def _from_proxy(self, scope: Scope) -> bool:
        client = scope.get("client")
        return bool(client and self.trusted and is_trusted_proxy(str(client[0]), self.trusted))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        outer_route = scope.get("route")
        request_id = self.request_id(scope)
        token = REQUEST_ID.set(request_id)
        status = 500
        header = (REQUEST_ID_HEADER, request_id.encode())

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message = {**message, "headers": [*message.get("headers", []), header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope, outer_route)
            method: str = scope.get("method", "")
            metrics.record_http(method, route, status, seconds)
            _log_request(method, route, status, seconds)
            REQUEST_ID.reset(token)


def _log_request(method: str, route: str, status: int, seconds: float) -> None:
    level = logging.WARNING if status >= 500 else logging.INFO
    if route in _QUIET_ROUTES and status < 400:
        level = logging.DEBUG
    if not log.isEnabledFor(level):
        return
    fields: dict[str, Any] = {
        "method": method,
        "route": route,
        "status": status,
        "duration_ms": round(seconds * 1000, 2),
    }
    log.log(level, "%s %s %d", method, route, status, extra={"fields": fields})


def observe_requests(app: ASGIApp) -> ASGIApp:
    """For rx.App(api_transformer=[...]): the app with every request observed."""
    return ObserveRequests(app)
