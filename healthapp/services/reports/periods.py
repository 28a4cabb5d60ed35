"""Report periods: local calendar days in the user's zone as half-open UTC intervals.

[local midnight, next local midnight): a day is 23 or 25 hours long when the clocks change, and
consecutive periods share their boundary, so no reading is lost or counted twice. Weeks start on
Monday. Per-period aggregates put each row in its interval with one CASE over those boundaries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

UTC = ZoneInfo("UTC")


def week_start_of(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The UTC instant local `day` begins (forms.day_bounds' rule, so periods always meet)."""
    return datetime.combine(day, time(), tz).astimezone(UTC)


def day_edges(start: date, days: int, tz: ZoneInfo) -> list[datetime]:
    """days + 1 UTC instants: the local midnights starting `start` and each following day."""
    return [local_midnight(start + timedelta(days=i), tz) for i in range(days + 1)]


def day_span(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[low, high) of local days start..end, both included."""
    return local_midnight(start, tz), local_midnight(end + timedelta(days=1), tz)


def bucket_index(column: Any, edges: Sequence[datetime | None]) -> Any:
    """0 for edges[0] <= t < edges[1], 1 for the next interval, ...; rows must be filtered to
    edges[0] <= t < edges[-1] by the caller. Only the inner edges are compared, so the outer two
    may be None (an open end) for the caller's filter."""
    last = len(edges) - 2
    if last == 0:
        return sa.literal(0)
    return sa.case(*[(column < edge, i) for i, edge in enumerate(edges[1:-1])], else_=last)
