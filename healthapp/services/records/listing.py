"""A page of the user's records, newest first, as the list shows them.

A save re-reads its page, so the rows come back as plain result rows (no ORM objects to build)
and each row's view is worked out once: it is a pure function of the row's values and the
preferences, so it is kept by those.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from healthapp.services.keyset import within_days
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
    # `row`: a result row of the model's columns, read by name as a model row is
    key = (spec.name, prefs, tuple(row))
    view = _VIEWS.get(key)
    if view is None:
        if len(_VIEWS) >= _VIEWS_MAX:
            _VIEWS.clear()
        view = _VIEWS[key] = {"id": str(row.id), "note": row.note, **spec.view(row, prefs)}
    return dict(view)  # the caller's own: nothing it does reaches the kept one


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
    model: Any = spec.model
    column = spec.time_column
    conditions = within_days(model, spec.time_field, user_id=user_id, prefs=prefs, start=start,
                             end=end)  # fmt: skip
    # Counted on its own: a window count in the page's query would read and sort every row
    # of the user's to find twenty (the index serves both queries as they are).
    total = db.exec(select(func.count()).select_from(model).where(*conditions)).one()
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    found = db.exec(
        select(*model.__table__.columns)
        .where(*conditions)
        .order_by(sa.desc(column), col(model.id).desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    return RecordPage(rows=[_view(spec, row, prefs) for row in found], page=page, pages=pages,
                      total=total)  # fmt: skip
