"""SQLModel tables; importing this package registers every table on SQLModel.metadata."""

from healthapp.models.api_tokens import (
    IdempotentReply,
    NightscoutSecret,
    PersonalAccessToken,
    RefreshToken,
)
from healthapp.models.meals import (
    AnalysisJob,
    Food,
    ItemSource,
    JobStatus,
    Meal,
    MealItem,
    MealPhoto,
    MealType,
)
from healthapp.models.ranking import RankHistogram, RankMetric
from healthapp.models.records import BloodPressure, Exercise, Glucose, GlucoseSource, HbA1c
from healthapp.models.user import AuthSession, User

__all__ = [
    "AnalysisJob",
    "AuthSession",
    "BloodPressure",
    "Exercise",
    "Food",
    "Glucose",
    "GlucoseSource",
    "HbA1c",
    "IdempotentReply",
    "ItemSource",
    "JobStatus",
    "Meal",
    "MealItem",
    "MealPhoto",
    "MealType",
    "NightscoutSecret",
    "PersonalAccessToken",
    "RankHistogram",
    "RankMetric",
    "RefreshToken",
    "User",
]
