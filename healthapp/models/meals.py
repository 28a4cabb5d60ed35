"""Meals, their photos and items, the photo analysis jobs, and the food table behind them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import JSON, Column, Field, SQLModel

from healthapp.models.base import enum_check, enum_field, user_fk, utc_column


class MealType(StrEnum):
    BREAKFAST = "breakfast"
    LUNCH = "lunch"
    DINNER = "dinner"
    SNACK = "snack"

    @property
    def label_key(self) -> str:
        return f"meals.type.{self.value}"


class ItemSource(StrEnum):
    ESTIMATE = "estimate"  # the food model's guess, not yet looked at
    CONFIRMED = "confirmed"  # the guess, accepted as it is
    MANUAL = "manual"  # chosen or changed by the person: never overwritten by a model


class JobStatus(StrEnum):
    """queued -> analysing -> done | failed; a failed job can be queued again by the person."""

    QUEUED = "queued"
    ANALYSING = "analysing"
    DONE = "done"
    FAILED = "failed"


class Food(SQLModel, table=True):
    """USDA FoodData Central foods (SR Legacy, FNDDS, Foundation; never branded), per 100 g."""

    __tablename__ = "food"  # type: ignore[assignment]  # sqlmodel#98

    id: str = Field(primary_key=True, max_length=80)
    name_en: str = Field(max_length=200, index=True)
    name_ko: str = Field(default="", max_length=100, index=True)
    data_type: str = Field(max_length=24)
    food_category: str = Field(default="", max_length=100)
    kcal_per_100g: float
    carb_g_per_100g: float
    protein_g_per_100g: float
    fat_g_per_100g: float
    default_portion_g: float
    portion_name: str = Field(default="", max_length=100)


class Meal(SQLModel, table=True):
    __tablename__ = "meal"  # type: ignore[assignment]  # sqlmodel#98
    __table_args__ = (
        sa.Index("ix_meal_user_time", "user_id", "eaten_at"),
        enum_check("meal", "meal_type", MealType),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = user_fk(index=False)
    eaten_at: datetime = utc_column()
    meal_type: MealType = enum_field(MealType, max_length=16)
    note: str = Field(default="", max_length=500)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class MealPhoto(SQLModel, table=True):
    __tablename__ = "meal_photo"  # type: ignore[assignment]  # sqlmodel#98

    id: int | None = Field(default=None, primary_key=True)
    meal_id: int = Field(foreign_key="meal.id", ondelete="CASCADE", index=True)
    user_id: int = user_fk()
    # Random name in private storage; never derived from what the browser sent.
    storage_key: str = Field(max_length=128, unique=True)
    content_type: str = Field(max_length=32)
    width: int
    height: int
    size_bytes: int
    created_at: datetime = utc_column()


class MealItem(SQLModel, table=True):
    """One food of a meal, with the nutrients of its portion. `source` (ItemSource) says where it
    came from; manual items are never overwritten by a model."""

    __tablename__ = "meal_item"  # type: ignore[assignment]  # sqlmodel#98
    __table_args__ = (
        sa.Index("ix_meal_item_user_meal", "user_id", "meal_id"),
        enum_check("meal_item", "source", ItemSource),
    )

    id: int | None = Field(default=None, primary_key=True)
    meal_id: int = Field(foreign_key="meal.id", ondelete="CASCADE", index=True)
    user_id: int = user_fk(index=False)
    photo_id: int | None = Field(
        default=None, foreign_key="meal_photo.id", ondelete="SET NULL", unique=True
    )
    food_id: str = Field(foreign_key="food.id", max_length=80)
    grams: float
    kcal: float
    carb_g: float
    protein_g: float
    fat_g: float
    source: ItemSource = enum_field(ItemSource, max_length=16)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()


class AnalysisJob(SQLModel, table=True):
    """A photo's trip through the queue. The database row is the source of truth; the Redis
    stream only carries its id. `result` keeps the model's own estimate apart from MealItem,
    so a person's correction never loses what the model said (and vice versa)."""

    __tablename__ = "analysis_job"  # type: ignore[assignment]  # sqlmodel#98
    __table_args__ = (
        sa.Index("ix_analysis_job_status_updated", "status", "updated_at"),
        enum_check("analysis_job", "status", JobStatus),
    )

    id: int | None = Field(default=None, primary_key=True)
    photo_id: int = Field(foreign_key="meal_photo.id", ondelete="CASCADE", unique=True)
    user_id: int = user_fk()
    status: JobStatus = enum_field(JobStatus, max_length=12, default=JobStatus.QUEUED)
    attempts: int = 0
    error_key: str = Field(default="", max_length=64)
    result: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # The photo's EMBEDDING, unit length, float16 (2,560 bytes): once the person confirms or
    # corrects the photo's item it is one of their personal examples (services/analysis/examples).
    embedding: bytes | None = Field(default=None, sa_column=Column(sa.LargeBinary))
    enqueued_at: datetime | None = utc_column(nullable=True)
    started_at: datetime | None = utc_column(nullable=True)
    finished_at: datetime | None = utc_column(nullable=True)
    created_at: datetime = utc_column()
    updated_at: datetime = utc_column()
