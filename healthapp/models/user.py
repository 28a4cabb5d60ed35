"""Accounts and their server-side sessions."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from healthapp.models.base import user_fk, utc_column


class User(SQLModel, table=True):
    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    # A username or an e-mail address, stored lower-cased so look-ups ignore case.
    login: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    language: str = Field(default="en", max_length=8)
    created_at: datetime = utc_column()
    password_changed_at: datetime = utc_column()


class AuthSession(SQLModel, table=True):
    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = user_fk()
    # Keyed hash of the browser's token: a database leak does not yield usable sessions.
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = utc_column()
    expires_at: datetime = utc_column(index=True)
    user_agent: str = Field(default="", max_length=255)
