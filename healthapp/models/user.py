"""Accounts and their server-side sessions."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from healthapp.domain.clinical import (
    ADA_AFTER_MEAL_BELOW,
    ADA_PRE_MEAL_HIGH,
    ADA_PRE_MEAL_LOW,
    GDM_FASTING_BELOW,
    GDM_ONE_HOUR_BELOW,
    DiabetesStatus,
)
from healthapp.models.base import enum_check, enum_field, user_fk, utc_column


class User(SQLModel, table=True):
    __tablename__ = "app_user"  # type: ignore[assignment]  # sqlmodel#98
    __table_args__ = (enum_check("app_user", "diabetes_status", DiabetesStatus),)

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
    # With diabetes (type 1, type 2, gestational) readings are judged against the targets below,
    # whole mg/dL whatever the unit shown (domain/clinical/targets.py has the ADA defaults).
    diabetes_status: DiabetesStatus = enum_field(
        DiabetesStatus, max_length=16, default=DiabetesStatus.NONE
    )
    target_pre_meal_low_mg_dl: int = ADA_PRE_MEAL_LOW
    target_pre_meal_high_mg_dl: int = ADA_PRE_MEAL_HIGH
    target_after_meal_mg_dl: int = ADA_AFTER_MEAL_BELOW
    # Gestational diabetes has targets of its own; kept apart so that a status change keeps both.
    gdm_target_fasting_mg_dl: int = GDM_FASTING_BELOW
    gdm_target_after_meal_mg_dl: int = GDM_ONE_HOUR_BELOW
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
