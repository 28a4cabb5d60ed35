"""The glucose page's AGP state: what the service computed, in the page's words and shapes."""

from __future__ import annotations

from datetime import date

import reflex as rx

from healthapp.domain.stats import hourly_profile, time_in_ranges
from healthapp.services.reports.agp import Agp
from healthapp.state.agp import AgpState


def agp_state(lang: str) -> AgpState:
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(AgpState.get_full_name().split("."))
    assert isinstance(state, AgpState)
    state.lang = lang
    return state


def profile(unit: str, enough: bool, readings: list[tuple[int, float]]) -> Agp:
    return Agp(
        start=date(2026, 11, 16), end=date(2026, 11, 29), readings=len(readings),
        days_with_data=12 if enough else 3, enough=enough, unit=unit,
        target_low=3.9 if unit == "mmol/L" else 70, target_high=10.0 if unit == "mmol/L" else 180,
        bins=hourly_profile(readings), bands=time_in_ranges(v for _, v in readings),
    )  # fmt: skip


def show(state: AgpState, agp: Agp) -> None:
    type(state)._show(state, agp)


def test_bins_become_chart_rows_with_gaps() -> None:
    state = agp_state("en")
    show(state, profile("mg/dL", True, [(7, float(v)) for v in (80, 90, 100, 110, 120, 130)]))
    rows = {row["hour"]: row for row in state.agp_bins}
    assert len(rows) == 24
    assert rows["07:00"]["median"] == 105
    assert rows["07:00"]["inner"] == [92.5, 117.5]
    assert rows["03:00"]["median"] is None  # too few readings: a gap
    assert rows["03:00"]["outer"] is None
    assert state.agp_table[7][:3] == ["07:00", "6", "82.5"]  # p5 = 80 + 0.25 x 10
    assert state.agp_table[3] == ["03:00", "0", "", "", "", "", ""]


def test_band_lines_and_counts_in_both_languages() -> None:
    readings = [(h % 24, v) for h, v in enumerate((40, 60, 100, 200, 300, 150, 160, 170))]
    for lang, low_text in (("en", "Very low (< 3.0 mmol/L): 13 % (1 readings)"),
                           ("ko", "매우 낮음 (< 3.0 mmol/L): 13% (1회)")):  # fmt: skip
        state = agp_state(lang)
        show(state, profile("mmol/L", True, readings))
        lines = state.agp_band_lines
        assert len(lines) == 5
        assert lines[0] == low_text
        assert "based" in state.agp_based_on.lower() or "기준" in state.agp_based_on


def test_too_few_readings_say_so() -> None:
    state = agp_state("en")
    show(state, profile("mg/dL", False, [(8, 100.0)] * 3))
    assert state.agp_based_on == (
        "Too few readings for a glucose profile: it needs readings on at least 10 of the last "
        "14 days; you have 3 readings on 3 days."
    )
