"""Accounts and their server-side sessions."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from healthapp.models.base import user_fk, utc_column


class User(SQLModel, table=True):
    __tablename__ = "app_user"  # type: ignore[assignment]  # sqlmodel#98

    id: int | None = Field(default=None, primary_key=True)
    # A username or an e-mail address, stored lower-cased so look-ups ignore case.
    login: str = Field(max_length=254, unique=True, index=True)
    password_hash: str = Field(max_length=255)
    language: str = Field(default="en", max_length=8)
    # Preferences that shape how records are entered and shown (the settings page).
    glucose_unit: str = Field(default="mg/dL", max_length=8)
    # "" means: follow the language (KSH for Korean, ACC/AHA otherwise).
    bp_standard: str = Field(default="", max_length=8)
    # IANA zone name; "" until the browser's zone is learned at the first visit.
    timezone: str = Field(default="", max_length=64)
    weight_kg: float | None = None
    hba1c_target: float = 7.0
    # Daily nutrition goals (dashboard, reports); defaults: services/reports/goals.py.
    goal_kcal: int = 2000
    goal_carb_g: int = 250
    goal_protein_g: int = 75
    goal_fat_g: int = 65
    # True: never counted in, nor shown, the "top n%" ranks (services/ranking/).
    rank_opt_out: bool = False
    created_at: datetime = utc_column()
    password_changed_at: datetime = utc_column()


class AuthSession(SQLModel, table=True):
    __tablename__ = "auth_session"  # type: ignore[assignment]  # sqlmodel#98

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = user_fk()
    # Keyed hash of the browser's token: a database leak does not yield usable sessions.
    token_hash: str = Field(max_length=64, unique=True, index=True)
    created_at: datetime = utc_column()
    expires_at: datetime = utc_column(index=True)
    user_agent: str = Field(default="", max_length=255)
