"""Local days as UTC intervals, where the clocks change."""

from datetime import date, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from healthapp.services import reports
from tests.unit.services.reports.conftest import utc


def test_day_edges_where_midnight_itself_is_skipped_or_repeated() -> None:
    # Santiago changes its clocks at midnight: 2026-09-06 00:00 does not exist (the day starts
    # at 01:00 and has 23 h); 2026-04-05 00:00 happens twice (the day before has 25 h).
    santiago = ZoneInfo("America/Santiago")
    spring = reports.day_edges(date(2026, 9, 5), 2, santiago)
    assert [b - a for a, b in pairwise(spring)] == [
        timedelta(hours=24),
        timedelta(hours=23),
    ]
    autumn = reports.day_edges(date(2026, 4, 4), 2, santiago)
    assert [b - a for a, b in pairwise(autumn)] == [
        timedelta(hours=25),
        timedelta(hours=24),
    ]
    assert reports.local_midnight(date(2026, 9, 6), santiago) == utc(2026, 9, 6, 4)


def test_week_start_of_is_the_monday() -> None:
    assert reports.week_start_of(date(2026, 11, 29)) == date(2026, 11, 23)  # a Sunday
    assert reports.week_start_of(date(2026, 11, 23)) == date(2026, 11, 23)
