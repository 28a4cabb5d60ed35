"""The ordered threshold tables: each row's bound, on both sides, and the tables' order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from healthapp.domain.clinical import blood_pressure, glucose
from healthapp.domain.clinical.levels import Band, Level, above_all, band_of, below, up_to

TABLE = (
    below(10, "low", Level.DANGER),
    up_to(20, "mid", Level.NORMAL),
    above_all("high", Level.BORDERLINE),
)


@pytest.mark.parametrize(
    ("value", "category"),
    [(9, "low"), (10, "mid"), (20, "mid"), (21, "high"), (Decimal("9.9"), "low")],
)
def test_first_band_that_holds_wins(value, category):
    assert band_of(TABLE, value).category == category


def test_a_band_is_strict_unless_inclusive():
    assert below(5, "x", Level.NORMAL).holds(4)
    assert not below(5, "x", Level.NORMAL).holds(5)
    assert up_to(5, "x", Level.NORMAL).holds(5)
    assert not up_to(5, "x", Level.NORMAL).holds(6)
    assert above_all("x", Level.NORMAL).holds(10**9)


@pytest.mark.parametrize("table", [glucose._PRE_MEAL_BANDS, glucose._POST_MEAL_BANDS])
def test_glucose_tables_rise_and_end_with_a_catch_all(table: tuple[Band[object], ...]):
    bounds = [band.bound for band in table]
    assert bounds[-1] is None
    assert None not in bounds[:-1]
    assert bounds[:-1] == sorted(bounds[:-1])  # type: ignore[type-var]
    assert len(set(bounds)) == len(bounds)


@pytest.mark.parametrize("table", [blood_pressure._ACC_AHA_BANDS, blood_pressure._KSH_BANDS])
def test_bp_tables_are_most_severe_first(table):
    systolic = [row[1] for row in table]
    diastolic = [row[2] for row in table if row[2] is not None]
    assert systolic == sorted(systolic, reverse=True)
    assert diastolic == sorted(diastolic, reverse=True)
    levels = [blood_pressure.BP_LEVELS[row[0]].severity for row in table]
    assert levels == sorted(levels, reverse=True)
