"""The only responses that set or clear the session cookie.

A Reflex event handler cannot set an HttpOnly cookie (it answers over the socket, and only
JavaScript could write what it sends), so the browser comes here by a full navigation:

- GET /api/session/claim?nonce=...&next=... : a log-in, sign-up or password change issued the
  one-time nonce (sessions.Handoffs); this opens the session and answers 303 to `next` (a local
  path, else /) with Set-Cookie: HttpOnly, SameSite=Strict, Path=/, Secure when the request came
  over HTTPS (behind the TLS proxy too: api/forwarded.py) or HEALTHAPP_ENV=production. An
  unknown, used or expired nonce goes to /login.
- GET /api/session/logout : revokes the cookie's session, expires the cookie, 303 to /login.

The page that follows opens a new socket, whose handshake carries the new Cookie header: that is
where the state finds the session (state/base.py). A request another site started
(Sec-Fetch-Site: cross-site or same-site) changes nothing, so no other site can sign a browser
in to an account of its choosing or out of its own.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Cookie, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.engine import Engine

from healthapp import routes
from healthapp.api.deps import get_engine_override, get_secret_key
from healthapp.config import get_settings
from healthapp.db import session_scope
from healthapp.services.auth import sessions
from healthapp.services.auth.redirects import safe_next_path

CLAIM_PATH = routes.SESSION_CLAIM
LOGOUT_PATH = routes.SESSION_LOGOUT
# The cookie may outlive the server-side session; the server's expiry is what counts.
COOKIE_MAX_AGE = int(timedelta(days=30).total_seconds())
# The nonce is in the URL: it must not reach a cache, the history's referrers or another site.
NO_TRACE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "Vary": "Cookie"}

router = APIRouter()


def get_handoffs() -> sessions.Handoffs:
    """The hand-off store; tests override this."""
    return sessions.default_handoffs()


def _from_this_site(request: Request) -> bool:
    # Browsers without Fetch Metadata send nothing; the nonce and SameSite still hold there.
    return request.headers.get("sec-fetch-site", "same-origin") in {"same-origin", "none"}


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or get_settings().is_production


def _go(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303, headers=NO_TRACE)


@router.get(CLAIM_PATH)
def claim(
    request: Request,
    engine: Annotated[Engine | None, Depends(get_engine_override)],
    secret_key: Annotated[str, Depends(get_secret_key)],
    handoffs: Annotated[sessions.Handoffs, Depends(get_handoffs)],
    nonce: str = "",
    next: str = "",
) -> RedirectResponse:
    if not _from_this_site(request):
        return _go(routes.LOGIN)
    ttl = timedelta(hours=get_settings().session_ttl_hours)
    with session_scope(engine) as db:
        token = sessions.claim_session(db, handoffs, nonce=nonce, secret_key=secret_key, ttl=ttl)
    if token is None:
        return _go(routes.LOGIN)
    response = _go(safe_next_path(next))
    response.set_cookie(
        sessions.SESSION_COOKIE,
        token,
        max_age=COOKIE_MAX_AGE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return response


@router.get(LOGOUT_PATH)
def logout(
    request: Request,
    engine: Annotated[Engine | None, Depends(get_engine_override)],
    secret_key: Annotated[str, Depends(get_secret_key)],
    token: Annotated[str | None, Cookie(alias=sessions.SESSION_COOKIE)] = None,
) -> RedirectResponse:
    response = _go(routes.LOGIN)
    if not _from_this_site(request):
        return response
    if token:
        with session_scope(engine) as db:
            sessions.revoke_session(db, token=token, secret_key=secret_key)
    response.delete_cookie(
        sessions.SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return response
