"""Column helpers every table shares."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field

from healthapp.db import UTCDateTime, utcnow


def utc_column(*, index: bool = False, nullable: bool = False) -> Any:
    return Field(
        default_factory=utcnow,
        sa_column_kwargs={"index": index},
        sa_type=UTCDateTime,
        nullable=nullable,
    )


def user_fk() -> Any:
    """The owner column: indexed, and gone with its user (ON DELETE CASCADE)."""
    return Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("app_user.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )


__all__ = ["datetime", "user_fk", "utc_column"]
