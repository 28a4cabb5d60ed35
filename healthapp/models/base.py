"""Column helpers every table shares."""

from typing import Any

from sqlmodel import Field

from healthapp.db import UTCDateTime, utcnow


def utc_column(*, index: bool = False, nullable: bool = False) -> Any:
    """A UTC timestamp column; non-null ones default to now, nullable ones to None."""
    common: dict[str, Any] = {
        "sa_column_kwargs": {"index": index},
        "sa_type": UTCDateTime,
        "nullable": nullable,
    }
    if nullable:
        return Field(default=None, **common)
    return Field(default_factory=utcnow, **common)


def user_fk(*, index: bool = True) -> Any:
    """The owner column, gone with its user (ON DELETE CASCADE). Tables with a composite
    (user_id, time) index pass index=False: that index already serves look-ups by user."""
    return Field(foreign_key="app_user.id", ondelete="CASCADE", index=index, nullable=False)
