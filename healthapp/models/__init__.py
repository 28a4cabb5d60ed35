"""SQLModel tables; importing this package registers every table on SQLModel.metadata."""

from healthapp.models.records import BloodPressure, Exercise, Glucose, HbA1c
from healthapp.models.user import AuthSession, User

__all__ = ["AuthSession", "BloodPressure", "Exercise", "Glucose", "HbA1c", "User"]
