"""No request body of /api/v1 is read before its sender is known: FastAPI parses a route's body
before it resolves the route's dependencies (the bearer check in caller.py), so this ASGI
middleware checks the token of every request that has a body first and answers 401 without
reading it. The log-in routes (/auth/token, /auth/revoke) take no token; their bodies are
bounded by REQUEST_MAX_BYTES (upload_limits.py) like every body."""

from __future__ import annotations

import anyio.to_thread
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from healthapp.api.v1.problems import not_signed_in, respond
from healthapp.db import session_scope
from healthapp.services.auth import api_tokens
from healthapp.services.auth.sessions import NotSignedIn

OPEN_PATHS = frozenset({"/auth/token", "/auth/revoke"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class BearerFirst:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") in BODY_METHODS:
            path, root = scope.get("path", ""), scope.get("root_path", "")
            path = path[len(root) :] if root and path.startswith(root) else path
            if path not in OPEN_PATHS and not await _known(Headers(scope=scope)):
                problem = not_signed_in()
                await respond(problem.problem, problem.headers)(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _known(headers: Headers) -> bool:
    scheme, _, bearer = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not bearer.strip():
        return False

    def check() -> bool:
        # Read-only: the route's own unit of work records the token's use.
        try:
            with session_scope() as db:
                api_tokens.caller_for(db, bearer=bearer.strip(),
                                      policy=api_tokens.default_token_policy())  # fmt: skip
                db.rollback()
        except NotSignedIn:
            return False
        return True

    return await anyio.to_thread.run_sync(check)
