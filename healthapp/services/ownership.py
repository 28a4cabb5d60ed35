"""The one way a service looks up a row by an id that came from a browser."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlmodel import Session, SQLModel, select

from healthapp.domain.errors import NotFound
from healthapp.models import User

Row = TypeVar("Row", bound=SQLModel)


def owned(
    db: Session, model: type[Row], row_id: int, *, user_id: int, for_update: bool = False
) -> Row:
    """The `model` row `row_id` if it belongs to `user_id`, else NotFound.

    The id and the owner are matched in one query, so another user's row and a missing one
    are the same NotFound. `for_update` locks the row on PostgreSQL for a following
    compare-and-set.
    """
    table: Any = model  # every user-owned model has `id` and `user_id`; SQLModel does not say so
    query = select(model).where(table.id == row_id, table.user_id == user_id)
    if for_update:
        query = query.with_for_update()
    row = db.exec(query).first()
    if row is None:
        raise NotFound
    return row


def existing_user(db: Session, user_id: int) -> User:
    """The user row of an id that came from a session, not from a browser: a missing row is a
    bug in the caller (LookupError), not a NotFound to show."""
    user = db.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} does not exist")
    return user
