"""Who calls /api/v1, and the one way a route does work for them.

A route declares the scope it needs (`ReadAccess` or `WriteAccess`) and runs its unit of work
through `Access.run(work)`: the bearer token is resolved to its user in the same transaction as
the work (nothing in the request can name another user), the scope and the token's rate limit
are checked first, and a missing or another user's row is the same 404."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.api.deps import get_engine_override
from healthapp.api.v1.problems import ApiProblem, not_signed_in
from healthapp.db import session_scope
from healthapp.services.auth import api_tokens
from healthapp.services.auth.api_tokens import ApiCaller, Scope, TokenPolicy
from healthapp.services.auth.rate_limit import RateLimit, default_rate_limit
from healthapp.services.auth.sessions import NotSignedIn

T = TypeVar("T")

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="An access token from POST /auth/token, or a personal access token (hap_...).",
)


def get_token_policy() -> TokenPolicy:
    return api_tokens.default_token_policy()


def get_rate_limit() -> RateLimit:
    return default_rate_limit()


@dataclass(frozen=True)
class Access:
    bearer: str
    scope: Scope
    policy: TokenPolicy
    limit: RateLimit
    engine: Engine | None

    def run(self, work: Callable[[Session, ApiCaller], T]) -> T:
        with session_scope(self.engine) as db:
            try:
                caller = api_tokens.caller_for(db, bearer=self.bearer, policy=self.policy)
            except NotSignedIn:
                raise not_signed_in() from None
            if self.scope not in caller.scopes:
                raise ApiProblem(403, "insufficient-scope", "Token lacks the scope",
                                 f"This needs a token with the '{self.scope}' scope.",
                                 headers={"WWW-Authenticate":
                                          f'Bearer error="insufficient_scope", '
                                          f'scope="{self.scope}"'})  # fmt: skip
            wait = self.limit.admit(caller.rate_key)
            if wait:
                raise ApiProblem(
                    429,
                    "rate-limited",
                    "Too many requests",
                    f"Try again in {wait} s.",
                    headers={"Retry-After": str(wait)},
                )
            return work(db, caller)


def _access(scope: Scope) -> Callable[..., Access]:
    def dependency(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
        policy: Annotated[TokenPolicy, Depends(get_token_policy)],
        limit: Annotated[RateLimit, Depends(get_rate_limit)],
        engine: Annotated[Engine | None, Depends(get_engine_override)],
    ) -> Access:
        if credentials is None or not credentials.credentials:
            raise not_signed_in()
        return Access(credentials.credentials, scope, policy, limit, engine)

    return dependency


ReadAccess = Annotated[Access, Depends(_access(Scope.READ))]
WriteAccess = Annotated[Access, Depends(_access(Scope.WRITE))]
