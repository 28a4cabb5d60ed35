"""Records a page at a time for API clients (services/keyset.py), by record kind."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from healthapp.services.keyset import MAX_LIMIT, Keyset, page
from healthapp.services.preferences import Preferences
from healthapp.services.records.entries import KINDS

__all__ = ["MAX_LIMIT", "Keyset", "list_after"]


def list_after(
    db: Session,
    *,
    user_id: int,
    kind: str,
    prefs: Preferences,
    start: date | None = None,
    end: date | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Keyset:
    """Up to `limit` of the user's records within local days [start, end], after `cursor`."""
    spec = KINDS[kind]
    return page(db, model=spec.model, time_field=spec.time_field, user_id=user_id, prefs=prefs,
                start=start, end=end, cursor=cursor, limit=limit)  # fmt: skip
