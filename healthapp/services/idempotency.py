"""Replies to creates sent with an Idempotency-Key (the IETF draft
draft-ietf-httpapi-idempotency-key-header): a phone on a bad network that retries a create gets
the first reply again, never a second record.

The reply is stored in the same transaction as the record it describes, under a unique
(user, key): of two concurrent first tries one commits and the other fails on the constraint
(the API answers 409, "try again", and the retry replays the stored reply). A key reused for a
different request is refused (422), as the draft says. Replies are kept IDEMPOTENCY_TTL."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, col, delete, select

from healthapp.db import utcnow
from healthapp.domain.errors import ValidationError
from healthapp.models import IdempotentReply

IDEMPOTENCY_TTL = timedelta(hours=24)
KEY_MAX_LENGTH = 255


@dataclass(frozen=True)
class StoredReply:
    status_code: int
    body: str


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"%s %s\n%s" % (method.encode(), path.encode(), body)).hexdigest()


def check_key(key: str) -> None:
    if not key or len(key) > KEY_MAX_LENGTH or not key.isprintable():
        raise ValidationError("api.idempotency_key_invalid", field="Idempotency-Key",
                              max=KEY_MAX_LENGTH)  # fmt: skip


def replay(db: Session, *, user_id: int, key: str, fingerprint: str) -> StoredReply | None:
    """The stored reply for this key, None for a new key; a key used for another request is
    refused."""
    check_key(key)
    row = db.exec(
        select(IdempotentReply).where(
            col(IdempotentReply.user_id) == user_id, col(IdempotentReply.key) == key,
            col(IdempotentReply.created_at) > utcnow() - IDEMPOTENCY_TTL,
        )
    ).first()  # fmt: skip
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise ValidationError("api.idempotency_key_reused", field="Idempotency-Key")
    return StoredReply(row.status_code, row.body)


def remember(
    db: Session, *, user_id: int, key: str, fingerprint: str, status_code: int, body: str
) -> None:
    """Store the reply beside the create (same transaction); expired replies of the user go."""
    db.exec(delete(IdempotentReply).where(
        col(IdempotentReply.user_id) == user_id,
        col(IdempotentReply.created_at) <= utcnow() - IDEMPOTENCY_TTL))  # fmt: skip
    db.add(IdempotentReply(user_id=user_id, key=key, fingerprint=fingerprint,
                           status_code=status_code, body=body))  # fmt: skip
    db.flush()
