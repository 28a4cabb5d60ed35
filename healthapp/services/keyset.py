"""Rows a page at a time for API clients: newest first, continued from an opaque cursor
(keyset pagination on (time, id): stable while rows are added, and as fast on page 500 as
on page 1, which OFFSET is not)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from healthapp.domain.errors import ValidationError
from healthapp.services import forms
from healthapp.services.preferences import Preferences

MAX_LIMIT = 500


@dataclass(frozen=True)
class Keyset:
    rows: list[Any]
    next_cursor: str | None


def _encode(moment: datetime | date, row_id: int) -> str:
    raw = json.dumps([moment.isoformat(), row_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, *, is_date: bool) -> tuple[datetime | date, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        moment, row_id = json.loads(raw)
        if not isinstance(row_id, int) or not isinstance(moment, str):
            raise ValueError(cursor)
        if is_date:
            return date.fromisoformat(moment), row_id
        instant = datetime.fromisoformat(moment)
        if instant.tzinfo is None:
            raise ValueError(cursor)
        return instant, row_id
    except (ValueError, TypeError, json.JSONDecodeError):
        raise ValidationError("api.cursor_invalid", field="cursor") from None


def within_days(
    model: Any,
    time_field: str,
    *,
    user_id: int,
    prefs: Preferences,
    start: date | None,
    end: date | None,
) -> list[Any]:
    """The user's rows within local days [start, end]."""
    return [model.user_id == user_id, *day_conditions(model, time_field, prefs, start, end)]


def day_conditions(
    model: Any, time_field: str, prefs: Preferences, start: date | None, end: date | None
) -> list[Any]:
    """Rows within local days [start, end]: a date column is filtered by day, an instant by
    the local days' bounds."""
    column = getattr(model, time_field)
    conditions: list[Any] = []
    if time_field == "measured_on":
        conditions += [column >= start] if start else []
        conditions += [column <= end] if end else []
    else:
        low, high = forms.day_bounds(start, end, prefs.tz)
        conditions += [column >= low] if low else []
        conditions += [column < high] if high else []
    return conditions


def page(
    db: Session,
    *,
    model: Any,
    time_field: str,
    user_id: int,
    prefs: Preferences,
    start: date | None,
    end: date | None,
    cursor: str | None,
    limit: int,
) -> Keyset:
    """Rows of any user-owned table ordered by its time column (a date column is filtered by
    day, an instant by the local days' bounds), newest first."""
    column = getattr(model, time_field)
    is_date = time_field == "measured_on"
    conditions = within_days(model, time_field, user_id=user_id, prefs=prefs, start=start, end=end)
    if cursor:
        moment, row_id = _decode(cursor, is_date=is_date)
        conditions.append(sa.or_(column < moment, sa.and_(column == moment, model.id < row_id)))
    limit = min(max(1, limit), MAX_LIMIT)
    rows = list(db.exec(
        select(model).where(*conditions)
        .order_by(sa.desc(column), col(model.id).desc()).limit(limit + 1)
    ).all())  # fmt: skip
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if more else None
    return Keyset(rows, _encode(getattr(last, time_field), last.id) if last else None)
