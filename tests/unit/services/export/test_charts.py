"""The report's charts: past MAX_CHART_POINTS readings the database draws the points."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest


def test_long_ranges_are_charted_from_database_buckets(
    monkeypatch: pytest.MonkeyPatch,
    make_user: Callable[..., int],
    add: Callable[..., None],
    report: Callable[..., str],
) -> None:
    monkeypatch.setattr("healthapp.services.export.charts.MAX_CHART_POINTS", 5)
    alice = make_user("alice", glucose_unit="mmol/L")
    for day in range(1, 21):
        for clock, value in [("08:00", "5.0"), ("20:00", "9.0")]:
            add(alice, "glucose", measured_at=f"2026-11-{day:02d}T{clock}", value=value,
                timing="other")  # fmt: skip
    page = report(alice, date(2026, 11, 1), date(2026, 11, 20))
    assert page.count('class="dot glucose"') == 5  # one mean per bucket
    assert page.count('class="whisker glucose"') == 5  # with its min-max range
    assert "7.0 mmol/L" in page  # the mean, in the person's unit
    assert "3.9-10.0 mmol/L" in page
