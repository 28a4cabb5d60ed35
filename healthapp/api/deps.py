"""What every route depends on: the signed-in user, and the one way a route refuses.

The user comes from the session cookie through sessions.run_as_user, as in the Reflex state:
nothing in the request can name another user. Whoever is not signed in (no cookie, a forged,
expired or revoked one) gets 401; a row that is missing or another user's gets 404, the same
404 in both cases so an id never tells whether it exists. Refusals have an empty body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal, TypeVar

from fastapi import Cookie, Depends, Query, Request, Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.domain.errors import NotFound
from healthapp.services.auth import sessions

T = TypeVar("T")

# Every answer depends on who asks, and no browser may guess it into something runnable.
PRIVATE_HEADERS = {"X-Content-Type-Options": "nosniff", "Vary": "Cookie"}
# Opened on its own, the response can run nothing and load nothing.
SANDBOX_CSP = "default-src 'none'; sandbox"
PhotoSize = Annotated[
    Literal["full", "small"],
    Query(
        description="full: the stored photo (at most 2048 px a side); small: its rendition "
        "with the short side at 256 px, for lists and thumbnails"
    ),
]
REFUSAL_HEADERS = {
    **PRIVATE_HEADERS,
    "Cache-Control": "no-store",
    "Content-Security-Policy": SANDBOX_CSP,
}


class Refused(Exception):
    """Ends a request with `status_code` and an empty body (see `refusal`)."""

    def __init__(self, status_code: int) -> None:
        super().__init__(status_code)
        self.status_code = status_code


def refusal(_request: Request, exc: Exception) -> Response:
    """The exception handler for Refused: the same headers and no body for every route."""
    status_code = exc.status_code if isinstance(exc, Refused) else 500
    return Response(status_code=status_code, content=b"", headers=REFUSAL_HEADERS)


def get_engine_override() -> Engine | None:
    """The engine to use; None means healthapp.db's default. Tests override this."""
    return None


def get_secret_key() -> str:
    from healthapp.config import get_settings

    return get_settings().secret_key.get_secret_value()


@dataclass(frozen=True)
class SignedIn:
    """The browser's session, not yet checked: `run` checks it for each unit of work."""

    token: str
    secret_key: str
    engine: Engine | None

    def run(self, work: Callable[[Session, int], T]) -> T:
        """`work(db, user_id)` in one transaction for the user the session names; a lost
        session becomes 401 and NotFound 404."""
        try:
            return sessions.run_as_user(self.token, self.secret_key, work, engine=self.engine)
        except sessions.NotSignedIn:
            raise Refused(401) from None
        except NotFound:
            raise Refused(404) from None


def signed_in(
    engine: Annotated[Engine | None, Depends(get_engine_override)],
    secret_key: Annotated[str, Depends(get_secret_key)],
    token: Annotated[str | None, Cookie(alias=sessions.SESSION_COOKIE)] = None,
) -> SignedIn:
    if not token:
        raise Refused(401)
    return SignedIn(token=token, secret_key=secret_key, engine=engine)


CurrentUser = Annotated[SignedIn, Depends(signed_in)]
