"""Server-side sessions: a random token in the browser; its keyed hash and expiry in the DB.

The token reaches the browser only in an HTTP response's Set-Cookie (HttpOnly), never through
the Reflex socket: a log-in handler issues a one-time hand-off nonce (`Handoffs`), the page
navigates to /api/session/claim with it, and that route opens the session (`claim_session`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

import redis
from sqlalchemy import bindparam
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, delete, func, select

from healthapp.db import session_scope, utcnow
from healthapp.models import AuthSession, User

# The browser cookie that carries the token: set and cleared only by api/session.py's responses;
# the Reflex state reads it from the socket handshake's Cookie header, the HTTP routes from theirs.
SESSION_COOKIE = "healthapp_session"
# Long enough for the browser to follow one navigation, short enough that a leaked link is stale.
HANDOFF_TTL_SECONDS = 60
# What the Reflex socket sees instead of the cookie: api/session_socket.py puts the token's keyed
# hash in this handshake header (dropping any the client sent) and takes the cookie out, so the
# raw token never enters Reflex's state store.
SESSION_HASH_HEADER = "x-healthapp-session-hash"


def token_hash(token: str, secret_key: str) -> str:
    """The keyed hash the database keeps for a token."""
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
            token_hash=token_hash(token, secret_key),
            created_at=now,
            expires_at=now + ttl,
            user_agent=user_agent[:255],
        )
    )
    db.flush()
    return token


def count_live_sessions(db: Session) -> int:
    """Sessions not yet expired, of all users (the web's active-sessions gauge)."""
    return int(db.exec(select(func.count()).where(col(AuthSession.expires_at) > utcnow())).one())


def user_id_for_token(db: Session, *, token: str, secret_key: str) -> int | None:
    """The user a live session token belongs to, or None for an unknown or expired token."""
    user = _user_for_hash(db, token_hash(token, secret_key)) if token else None
    return user.id if user is not None else None


def revoke_session(db: Session, *, token: str, secret_key: str) -> None:
    revoke_session_hash(db, hashed=token_hash(token, secret_key))


def revoke_session_hash(db: Session, *, hashed: str) -> None:
    db.exec(delete(AuthSession).where(col(AuthSession.token_hash) == hashed))


def revoke_all_sessions(
    db: Session, *, user_id: int, ended: EndedSessions | None = None, reason: str = ""
) -> int:
    """End every session of the user; returns how many ended. With `ended`, each session's
    hash is remembered with `reason`, so a browser still holding one is told why."""
    if ended is not None and reason:
        hashes = db.exec(select(AuthSession.token_hash).where(AuthSession.user_id == user_id))
        ended.remember(list(hashes.all()), reason)
    return db.exec(delete(AuthSession).where(col(AuthSession.user_id) == user_id)).rowcount


# Why a session a browser still names is gone (the log-in page says so); a catalogue key each.
ENDED_ELSEWHERE = "login.ended.elsewhere"
ENDED_EXPIRED = "login.ended.expired"
ENDED_UNKNOWN = "login.ended.unknown"
ENDED_REASON_TTL_SECONDS = 90 * 24 * 3600  # longer than any session lives


@dataclass(frozen=True)
class EndedSessions:
    """Why sessions were revoked, kept in Redis under their token's keyed hash (which only the
    browser holding the cookie can present), so nothing about an account is told to anyone
    else. Redis being down loses only the explanation, never the revocation."""

    client: redis.Redis
    prefix: str

    def remember(self, hashes: list[str], reason: str) -> None:
        if not hashes:
            return
        try:
            pipe = self.client.pipeline()
            for hashed in hashes:
                pipe.set(f"{self.prefix}{hashed}", reason, ex=ENDED_REASON_TTL_SECONDS)
            pipe.execute()
        except redis.RedisError:
            pass  # the sessions end all the same; the log-in page then gives no reason

    def reason(self, db: Session, hashed: str) -> str:
        """The catalogue key that says why the session `hashed` names is not live ("" when it
        is live or no session was ever named)."""
        if not hashed or _user_for_hash(db, hashed) is not None:
            return ""
        try:
            raw = self.client.get(f"{self.prefix}{hashed}")
        except redis.RedisError:
            raw = None
        if raw is not None:
            text = raw.decode() if isinstance(raw, bytes) else str(raw)
            return text if text in {ENDED_ELSEWHERE} else ENDED_UNKNOWN
        row = db.exec(select(AuthSession).where(col(AuthSession.token_hash) == hashed)).first()
        return ENDED_EXPIRED if row is not None else ENDED_UNKNOWN


def default_ended_sessions() -> EndedSessions:
    from healthapp.config import get_settings
    from healthapp.redis_client import get_redis

    return EndedSessions(client=get_redis(), prefix=f"{get_settings().redis_prefix}session-ended:")


T = TypeVar("T")


class NotSignedIn(Exception):
    """The browser's token names no live session."""


def run_as_user(
    token: str, secret_key: str, work: Callable[[Session, int], T], *, engine: Engine | None = None
) -> T:
    """Resolve the signed-in user from the session token, then run `work(db, user_id)` in one
    transaction. The only way the UI and the API reach user data: the id never comes from
    the browser."""
    return run_as_session(token_hash(token, secret_key) if token else "", work, engine=engine)


def run_as_session(
    hashed: str, work: Callable[[Session, int], T], *, engine: Engine | None = None
) -> T:
    """`run_as_user` for a token already hashed (what the Reflex socket carries)."""
    with session_scope(engine) as db:
        # Held for the whole unit of work: the session keeps only weak references to rows it
        # loaded, so a dropped user row would be read again by every db.get (preferences).
        user = _user_for_hash(db, hashed)
        if user is None or user.id is None:
            raise NotSignedIn
        return work(db, user.id)


# Built once: composing the statement cost more than running it (every event looks it up).
_USER_FOR_HASH = (
    select(User)
    .join(AuthSession, col(AuthSession.user_id) == col(User.id))
    .where(
        col(AuthSession.token_hash) == bindparam("hashed"),
        col(AuthSession.expires_at) > bindparam("now"),
    )
)


def _user_for_hash(db: Session, hashed: str) -> User | None:
    # The user row comes with the session: the unit of work that follows reads the person's
    # preferences from it (db.get finds it in the identity map), one query fewer per read.
    if not hashed:
        return None
    return db.exec(_USER_FOR_HASH, params={"hashed": hashed, "now": utcnow()}).first()


def token_from_cookie_header(header: str) -> str:
    """The session token in a Cookie header, or "" (lenient: one bad pair spoils nothing)."""
    for pair in header.split(";"):
        name, sep, value = pair.strip().partition("=")
        if sep and name == SESSION_COOKIE:
            return value.strip().strip('"')
    return ""


@dataclass(frozen=True)
class Handoff:
    """Who a claimed nonce signs in, and the browser it was issued to."""

    user_id: int
    user_agent: str


@dataclass(frozen=True)
class Handoffs:
    """One-time nonces, each standing for "open a session for this user", kept in Redis under
    the hash of the nonce for `ttl_seconds`. A claim takes the nonce atomically (GETDEL), so a
    nonce opens at most one session even when two requests race for it."""

    client: redis.Redis
    prefix: str = "healthapp:session-handoff:"
    ttl_seconds: int = HANDOFF_TTL_SECONDS

    def _key(self, nonce: str) -> str:
        return self.prefix + hashlib.sha256(nonce.encode()).hexdigest()

    def issue(self, *, user_id: int, user_agent: str = "") -> str:
        nonce = secrets.token_urlsafe(32)
        value = json.dumps({"user_id": user_id, "user_agent": user_agent[:255]})
        self.client.set(self._key(nonce), value, ex=self.ttl_seconds)
        return nonce

    def claim(self, nonce: str) -> Handoff | None:
        """The hand-off the nonce stands for, once; None for an unknown, used or expired one."""
        if not nonce or len(nonce) > 128:
            return None
        raw = self.client.getdel(self._key(nonce))
        if raw is None:
            return None
        data = json.loads(raw if isinstance(raw, str) else bytes(raw).decode())  # type: ignore[arg-type]
        return Handoff(user_id=int(data["user_id"]), user_agent=str(data["user_agent"]))


def default_handoffs() -> Handoffs:
    from healthapp.config import get_settings
    from healthapp.redis_client import get_redis

    return Handoffs(client=get_redis(), prefix=f"{get_settings().redis_prefix}session-handoff:")


def claim_session(
    db: Session, handoffs: Handoffs, *, nonce: str, secret_key: str, ttl: timedelta
) -> str | None:
    """Open the session a hand-off nonce stands for and return its token (for the Set-Cookie),
    or None when the nonce is unknown, used or expired, or its user is gone."""
    handoff = handoffs.claim(nonce)
    if handoff is None or db.get(User, handoff.user_id) is None:
        return None
    return create_session(
        db,
        user_id=handoff.user_id,
        secret_key=secret_key,
        ttl=ttl,
        user_agent=handoff.user_agent,
    )
