"""The glucose page's ambulatory glucose profile (services/reports/agp): language-neutral
figures from the service, words from the catalogue in computed vars."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from healthapp.db import utcnow
from healthapp.domain.stats.agp import MIN_DAYS
from healthapp.i18n import translate
from healthapp.services import preferences
from healthapp.services.reports.agp import Agp, glucose_profile
from healthapp.state.base import AppState, FormState

# The five bands' limits as the consensus writes them, per unit (Battelino et al. 2019).
BAND_RANGES: dict[str, tuple[str, ...]] = {
    "mg/dL": ("< 54", "54-69", "70-180", "181-250", "> 250"),
    "mmol/L": ("< 3.0", "3.0-3.8", "3.9-10.0", "10.1-13.9", "> 13.9"),
}


def _profile(db: Session, user_id: int) -> Agp:
    prefs = preferences.get_preferences(db, user_id=user_id)
    today = utcnow().astimezone(prefs.tz).date()
    return glucose_profile(db, user_id=user_id, prefs=prefs, today=today)


def _g(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


class AgpState(FormState, AppState):
    agp_loaded: bool = False
    agp_enough: bool = False
    agp_facts: dict[str, str] = {}  # readings, days, start, end, unit, low, high
    # One row per hour: "hour" ("07:00"), "median", "inner" [p25, p75], "outer" [p5, p95];
    # None where the hour has too few readings (a gap in the chart).
    agp_bins: list[dict[str, Any]] = []
    agp_bands: list[dict[str, str]] = []  # band, readings, percent

    @rx.event
    async def load(self) -> Any:
        attempt = await self._attempt(_profile)
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        self._show(attempt.value)
        return None

    def _show(self, agp: Agp) -> None:
        self.agp_loaded, self.agp_enough = True, agp.enough
        self.agp_facts = {
            "readings": str(agp.readings), "days": str(agp.days_with_data),
            "start": agp.start.isoformat(), "end": agp.end.isoformat(), "unit": agp.unit,
            "low": f"{agp.target_low:g}", "high": f"{agp.target_high:g}",
        }  # fmt: skip
        self.agp_bins = [
            {
                "hour": f"{b.hour:02d}:00",
                "readings": b.readings,
                "median": b.p50,
                "inner": None if b.p25 is None else [b.p25, b.p75],
                "outer": None if b.p5 is None else [b.p5, b.p95],
                "cells": [_g(v) for v in (b.p5, b.p25, b.p50, b.p75, b.p95)],
            }
            for b in agp.bins
        ]
        ranges = BAND_RANGES.get(agp.unit, BAND_RANGES["mg/dL"])
        self.agp_bands = [
            {"band": s.band.value, "readings": str(s.readings), "percent": str(s.percent),
             "range": ranges[i]}
            for i, s in enumerate(agp.bands)
        ]  # fmt: skip

    @rx.var
    def agp_based_on(self) -> str:
        f = self.agp_facts
        if not f:
            return ""
        key = "agp.based_on" if self.agp_enough else "agp.too_few"
        return translate(self.current_lang, key, min=MIN_DAYS, **f)

    @rx.var
    def agp_chart_label(self) -> str:
        if not self.agp_facts:
            return ""
        return translate(self.current_lang, "agp.chart_label", **self.agp_facts)

    @rx.var
    def agp_band_lines(self) -> list[str]:
        lang, unit = self.current_lang, self.agp_facts.get("unit", "")
        return [
            translate(lang, "agp.band_line", band=translate(lang, f"agp.band.{b['band']}"),
                      range=b["range"], unit=unit, percent=b["percent"],
                      readings=b["readings"])
            for b in self.agp_bands
        ]  # fmt: skip

    @rx.var
    def agp_tir_label(self) -> str:
        return translate(self.current_lang, "agp.tir_label", summary="; ".join(self.agp_band_lines))

    @rx.var
    def agp_median_name(self) -> str:
        return translate(self.current_lang, "agp.legend.median",
                         unit=self.agp_facts.get("unit", ""))  # fmt: skip

    @rx.var
    def agp_table(self) -> list[list[str]]:
        return [[b["hour"], str(b["readings"]), *b["cells"]] for b in self.agp_bins]
