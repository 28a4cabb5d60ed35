"""What the REST API keeps about its clients: refresh tokens (rotated, in families), personal
access tokens, and the replies to idempotent creates. Tokens are stored only as keyed hashes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from healthapp.models.base import user_fk, utc_column


class RefreshToken(SQLModel, table=True):
    """One refresh token of a family: a log-in starts a family, each refresh adds the next
    token and marks the one used; presenting a used one again revokes the whole family."""

    __tablename__ = "api_refresh_token"  # type: ignore[assignment]  # sqlmodel#98

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = user_fk()
    family: str = Field(max_length=32, index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = utc_column()
    expires_at: datetime = utc_column()
    used_at: datetime | None = utc_column(nullable=True)


class PersonalAccessToken(SQLModel, table=True):
    """A token the person creates in Settings for a script or an uploader, with scopes."""

    __tablename__ = "api_personal_token"  # type: ignore[assignment]  # sqlmodel#98
    __table_args__ = (sa.UniqueConstraint("user_id", "name", name="uq_api_personal_token_name"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = user_fk(index=False)
    name: str = Field(max_length=60)
    token_hash: str = Field(max_length=64, unique=True)
    # The first characters of the token, shown in the list so the person can tell them apart.
    hint: str = Field(max_length=12)
    # Space-separated: "read" or "read write".
    scopes: str = Field(max_length=32)
    created_at: datetime = utc_column()
    last_used_at: datetime | None = utc_column(nullable=True)


class IdempotentReply(SQLModel, table=True):
    """The reply to a create sent with an Idempotency-Key: a retry gets the same reply, not a
    second record. Kept for IDEMPOTENCY_TTL (services/api_idempotency.py)."""

    __tablename__ = "api_idempotent_reply"  # type: ignore[assignment]  # sqlmodel#98
    __table_args__ = (sa.UniqueConstraint("user_id", "key", name="uq_api_idempotent_reply_key"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = user_fk(index=False)
    key: str = Field(max_length=255)
    # What the key was first used for (method, path, body digest): another request under the
    # same key is refused rather than answered with an unrelated reply.
    fingerprint: str = Field(max_length=64)
    status_code: int
    body: str = Field(sa_type=sa.Text)
    created_at: datetime = utc_column(index=True)


class NightscoutSecret(SQLModel, table=True):
    """A person's secret for Nightscout uploaders (xDrip+ and others). Clients send its SHA-1
    (the `api-secret` header) or the secret itself (`?token=`); the database keeps a keyed hash
    of the SHA-1, which names the user. One per user; making a new one replaces it."""

    __tablename__ = "nightscout_secret"  # type: ignore[assignment]  # sqlmodel#98

    user_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE", primary_key=True)
    digest: str = Field(max_length=64, unique=True)
    created_at: datetime = utc_column()
    last_used_at: datetime | None = utc_column(nullable=True)
