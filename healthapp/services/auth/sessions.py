"""Server-side sessions: a random token in the browser; its keyed hash and expiry in the DB."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, select

from healthapp.db import session_scope, utcnow
from healthapp.models import AuthSession

# The browser cookie that carries the token; the Reflex state sets it, the HTTP routes read it.
SESSION_COOKIE = "healthapp_session"


def _token_hash(token: str, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def create_session(
    db: Session, *, user_id: int, secret_key: str, ttl: timedelta, user_agent: str = ""
) -> str:
    """Open a session for the user and return the token the browser keeps."""
    now = utcnow()
    db.exec(delete(AuthSession).where(col(AuthSession.expires_at) <= now))
    token = secrets.token_urlsafe(32)
    db.add(
        AuthSession(
            user_id=user_id,
            token_hash=_token_hash(token, secret_key),
            created_at=now,
            expires_at=now + ttl,
            user_agent=user_agent[:255],
        )
    )
    db.flush()
    return token


def user_id_for_token(db: Session, *, token: str, secret_key: str) -> int | None:
    """The user a live session token belongs to, or None for an unknown or expired token."""
    if not token:
        return None
    return db.exec(
        select(AuthSession.user_id).where(
            col(AuthSession.token_hash) == _token_hash(token, secret_key),
            col(AuthSession.expires_at) > utcnow(),
        )
    ).first()


def revoke_session(db: Session, *, token: str, secret_key: str) -> None:
    db.exec(
        delete(AuthSession).where(col(AuthSession.token_hash) == _token_hash(token, secret_key))
    )


def revoke_all_sessions(db: Session, *, user_id: int) -> int:
    """End every session of the user; returns how many ended."""
    return db.exec(delete(AuthSession).where(col(AuthSession.user_id) == user_id)).rowcount


T = TypeVar("T")


class NotSignedIn(Exception):
    """The browser's token names no live session."""


def run_as_user(
    token: str, secret_key: str, work: Callable[[Session, int], T], *, engine: Engine | None = None
) -> T:
    """Resolve the signed-in user from the session token, then run `work(db, user_id)` in one
    transaction. The only way the UI and the API reach user data: the id never comes from
    the browser."""
    with session_scope(engine) as db:
        user_id = user_id_for_token(db, token=token, secret_key=secret_key)
        if user_id is None:
            raise NotSignedIn
        return work(db, user_id)
