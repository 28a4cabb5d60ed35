"""The per-user secret Nightscout clients authenticate with.

Nightscout clients send SHA-1(API_SECRET) in the `api-secret` header (xDrip+ takes the secret
from the user part of the base URL, https://SECRET@host/nightscout/api/v1/), or a token as
`?token=`. Here each person has their own secret, which therefore also names them; the database
keeps HMAC(SECRET_KEY, SHA-1 hex of it), so neither a database leak nor what clients send in a
header is the secret itself."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlmodel import Session, col, delete, select

from healthapp.db import utcnow
from healthapp.models import NightscoutSecret
from healthapp.services.auth.sessions import NotSignedIn

SECRET_BYTES = 18  # 24 URL-safe characters: fits the user part of an uploader's URL
_SHA1_HEX = frozenset("0123456789abcdef")


def _digest(sha1_hex: str, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), sha1_hex.lower().encode(), hashlib.sha256).hexdigest()


def sha1_hex(secret: str) -> str:
    return hashlib.sha1(secret.encode()).hexdigest()  # noqa: S324  # Nightscout's protocol


def new_secret(db: Session, *, user_id: int, secret_key: str) -> str:
    """A new secret for the user (the old one stops working); shown once."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    db.exec(delete(NightscoutSecret).where(col(NightscoutSecret.user_id) == user_id))
    db.add(NightscoutSecret(user_id=user_id, digest=_digest(sha1_hex(secret), secret_key)))
    db.flush()
    return secret


def remove_secret(db: Session, *, user_id: int) -> None:
    db.exec(delete(NightscoutSecret).where(col(NightscoutSecret.user_id) == user_id))


def has_secret(db: Session, *, user_id: int) -> bool:
    return db.get(NightscoutSecret, user_id) is not None


def user_for(db: Session, *, api_secret: str, token: str, secret_key: str) -> int:
    """The user whose secret this is: `api_secret` is its SHA-1 hex, `token` the secret."""
    if api_secret:
        candidate = api_secret.strip().lower()
        if len(candidate) != 40 or not set(candidate) <= _SHA1_HEX:
            raise NotSignedIn
    elif token:
        candidate = sha1_hex(token)
    else:
        raise NotSignedIn
    row = db.exec(
        select(NightscoutSecret).where(
            col(NightscoutSecret.digest) == _digest(candidate, secret_key)
        )
    ).first()
    if row is None:
        raise NotSignedIn
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > timedelta(minutes=1):
        row.last_used_at = now
        db.add(row)
    return row.user_id
