"""The words and numbers around the charts, in the user's language: axis ticks, legends, the
summaries screen readers get (aria-label) and the rows of the charts' hidden data tables.

Plain functions of language-neutral chart data (ISO local times from services/reports/series),
so that the pages' computed vars stay one line each and the texts are tested without a browser.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from healthapp.i18n import translate


def tick(lang: str, local_iso: str, *, with_time: bool) -> str:
    """An axis tick of a local ISO time ("2026-11-29T08:30" or "2026-11-29"): "11/29 08:30",
    "11월 29일 08:30" (day first only when the language writes it so, from the catalogue)."""
    day = local_iso[:10]
    month, dom = int(day[5:7]), int(day[8:10])
    if with_time and len(local_iso) >= 16:
        return translate(lang, "chart.tick.time", month=month, day=dom, time=local_iso[11:16])
    return translate(lang, "chart.tick.day", month=month, day=dom)


def legend_names(lang: str, glucose_unit: str) -> dict[str, str]:
    """Legend and tooltip names of every dashboard series, with their units."""
    names = {
        key: translate(lang, f"chart.legend.{key}")
        for key in ("systolic", "diastolic", "carb", "protein", "fat", "exercise", "who_goal")
    }
    names["glucose"] = translate(lang, "chart.legend.glucose", unit=glucose_unit)
    return names


def glucose_summary(lang: str, points: Sequence[dict[str, Any]], unit: str) -> str:
    if not points:
        return translate(lang, "chart.summary.none")
    values = [p["v"] for p in points]
    return translate(
        lang,
        "chart.summary.glucose",
        n=len(points),
        first=tick(lang, points[0]["t"], with_time=True),
        last=tick(lang, points[-1]["t"], with_time=True),
        low=f"{min(values):g}",
        high=f"{max(values):g}",
        latest=f"{values[-1]:g}",
        unit=unit,
    )


def bp_summary(lang: str, points: Sequence[dict[str, Any]]) -> str:
    if not points:
        return translate(lang, "chart.summary.none")
    return translate(
        lang,
        "chart.summary.bp",
        n=len(points),
        first=tick(lang, points[0]["t"], with_time=True),
        last=tick(lang, points[-1]["t"], with_time=True),
        sys=points[-1]["sys"],
        dia=points[-1]["dia"],
    )


def nutrition_summary(lang: str, days: Sequence[dict[str, Any]]) -> str:
    if not days:
        return translate(lang, "chart.summary.none")
    return translate(
        lang,
        "chart.summary.nutrition",
        first=tick(lang, days[0]["t"], with_time=False),
        last=tick(lang, days[-1]["t"], with_time=False),
        kcal=days[-1]["kcal"],
    )


def exercise_summary(lang: str, weeks: Sequence[dict[str, Any]]) -> str:
    if not weeks:
        return translate(lang, "chart.summary.none")
    return translate(
        lang,
        "chart.summary.exercise",
        first=tick(lang, weeks[0]["t"], with_time=False),
        last=tick(lang, weeks[-1]["t"], with_time=False),
        minutes=weeks[-1]["minutes"],
    )


def with_ticks(
    lang: str, rows: Sequence[dict[str, Any]], *, with_time: bool
) -> list[dict[str, Any]]:
    """The rows with their axis text under "label"."""
    return [{**row, "label": tick(lang, row["t"], with_time=with_time)} for row in rows]


def table_rows(
    lang: str, rows: Sequence[dict[str, Any]], keys: Sequence[str], *, with_time: bool
) -> list[list[str]]:
    """The hidden data table of a chart: one line per point, its time then `keys`' values."""
    return [
        [tick(lang, row["t"], with_time=with_time), *(f"{row[k]:g}" for k in keys)] for row in rows
    ]
