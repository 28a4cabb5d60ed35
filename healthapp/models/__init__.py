"""SQLModel tables; importing this package registers every table on SQLModel.metadata."""

from healthapp.models.user import AuthSession, User

__all__ = ["AuthSession", "User"]
