"""Column helpers every table shares."""

from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
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


class StrEnumType(sa.types.TypeDecorator[StrEnum]):
    """A StrEnum kept as its value in a plain VARCHAR, read back as the member.

    Not sa.Enum: that stores member names and makes a native ENUM type on PostgreSQL, while the
    rows hold values and the allowed set is a named CHECK constraint (enum_check) that a
    migration can change. Unknown strings are passed through on write so that the database,
    not Python, is the one place that refuses them.
    """

    impl = sa.String
    cache_ok = True

    def __init__(self, enum: type[StrEnum], length: int) -> None:
        super().__init__(length=length)
        self.enum = enum

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        # str() of a member is its value; psycopg would otherwise dump an Enum by name.
        return None if value is None else str(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> StrEnum | None:
        return None if value is None else self.enum(value)


def enum_field(enum: type[StrEnum], *, max_length: int, default: StrEnum | None = None) -> Any:
    """A non-null column holding one of `enum`'s values; pair it with enum_check."""
    if default is None:
        return Field(sa_type=StrEnumType(enum, max_length), nullable=False)
    return Field(default=default, sa_type=StrEnumType(enum, max_length), nullable=False)


def enum_check(table: str, column: str, enum: type[StrEnum]) -> sa.CheckConstraint:
    """CHECK (column IN (...the enum's values...)), named ck_<table>_<column> so a migration
    can drop it by name (and SQLite batch mode keeps it when it rebuilds the table)."""
    allowed = ", ".join(f"'{member.value}'" for member in enum)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=f"ck_{table}_{column}")
