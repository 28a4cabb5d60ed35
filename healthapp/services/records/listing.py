"""A page of the user's records, newest first, as the list shows them.

A save re-reads its page, so the rows come back as plain result rows (no ORM objects to build)
and each row's view is worked out once: it is a pure function of the row's values and the
preferences, so it is kept by those.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import Select
from sqlmodel import Session, func, select

from healthapp.services.keyset import day_conditions
from healthapp.services.preferences import Preferences
from healthapp.services.records.entries import PAGE_SIZE, RecordKind, Row, kind_spec

_VIEWS: dict[tuple[Any, ...], Row] = {}
_VIEWS_MAX = 4096  # rows; then start again (a bound, not an LRU: refilling costs one page)


@dataclass(frozen=True)
class RecordPage:
    rows: list[Row]
    page: int
    pages: int
    total: int


def _view(spec: RecordKind, row: Any, prefs: Preferences) -> Row:
    # `row`: a result row of the columns the list shows, read by name as a model row is
    key = (spec.name, prefs, tuple(row))
    view = _VIEWS.get(key)
    if view is None:
        if len(_VIEWS) >= _VIEWS_MAX:
            _VIEWS.clear()
        view = _VIEWS[key] = {"id": str(row.id), "note": row.note, **spec.view(row, prefs)}
    return dict(view)  # the caller's own: nothing it does reaches the kept one


@cache
def _statements(kind: str) -> tuple[Select[Any], Select[Any]]:
    """The count and the page of one user's rows of a kind (the user a bound parameter), built
    once: composing them cost more than running them. Only the columns the list shows."""
    spec = kind_spec(kind)
    model: Any = spec.model
    owner = model.__table__.c.user_id == sa.bindparam("user_id")
    shown = [c for c in model.__table__.columns if c.name not in _NOT_SHOWN]
    count = select(func.count()).select_from(model).where(owner)
    rows = select(*shown).where(owner).order_by(sa.desc(spec.time_column), sa.desc(model.id))
    return count, rows


_NOT_SHOWN = frozenset({"user_id", "created_at", "updated_at"})


def list_records(
    db: Session,
    *,
    user_id: int,
    kind: str,
    prefs: Preferences,
    start: date | None = None,
    end: date | None = None,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> RecordPage:
    """The user's records newest first, optionally within local days [start, end]."""
    spec = kind_spec(kind)
    count, rows = _statements(kind)
    days = day_conditions(spec.model, spec.time_field, prefs, start, end)
    if days:
        count, rows = count.where(*days), rows.where(*days)
    # Run on the transaction's connection: plain rows need none of the ORM's execution path
    # (about a quarter of a save's database CPU); pending changes are written first, as the
    # ORM's autoflush would.
    db.flush()
    connection, owner = db.connection(), {"user_id": user_id}
    # Counted on its own: a window count in the page's query would read and sort every row
    # of the user's to find twenty (the index serves both queries as they are).
    total = connection.execute(count, owner).scalar_one()
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    found = connection.execute(rows.offset((page - 1) * page_size).limit(page_size), owner)
    return RecordPage(rows=[_view(spec, row, prefs) for row in found], page=page, pages=pages,
                      total=total)  # fmt: skip
