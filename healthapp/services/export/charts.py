"""The printable report's charts: the points to draw, from the database, and the inline SVG.

A long period is not sent row by row: past MAX_CHART_POINTS readings the database averages equal
time buckets (with their minimum and maximum), so a year of readings stays a small page.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, func, select

MAX_CHART_POINTS = 600


def _epoch(column: Any, dialect: str) -> Any:
    """Whole seconds since 1970 of a UTC timestamp column, as an integer expression."""
    if dialect == "postgresql":  # EXTRACT(EPOCH ...) is numeric there
        return sa.cast(sa.extract("epoch", column), sa.BigInteger)
    return sa.cast(func.strftime("%s", column), sa.Integer)  # SQLite keeps UTC text


def _bucket(column: Any, dialect: str, start: int, width: int) -> Any:
    """Index of the `width`-second bucket after `start` that `column` falls in: integer
    division of non-negative integers on both databases."""
    return (_epoch(column, dialect) - start) // width


@dataclass(frozen=True)
class Point:
    x: float  # epoch seconds
    y: float
    low: float | None = None  # bucket minimum, when points were merged
    high: float | None = None


def chart_points(
    db: Session,
    *,
    columns: Sequence[Any],
    time_column: Any,
    owner: Any,
    low: datetime,
    high: datetime,
) -> list[list[Point]]:
    """One list of points per value column of the rows that `owner` (a where clause) picks in
    [low, high): every reading when there are few, otherwise the mean (and min, max) of equal
    time buckets computed by the database."""
    where = (owner, time_column >= low, time_column < high)
    count = db.exec(select(func.count()).where(*where)).one()
    if not count:
        return [[] for _ in columns]
    if count <= MAX_CHART_POINTS:
        rows = db.exec(select(time_column, *columns).where(*where).order_by(time_column)).all()
        return [
            [Point(row[0].timestamp(), float(row[i + 1])) for row in rows if row[i + 1] is not None]
            for i in range(len(columns))
        ]
    dialect = db.get_bind().dialect.name
    start = int(low.timestamp())
    width = max(1, math.ceil((high.timestamp() - start) / MAX_CHART_POINTS))
    bucket = _bucket(time_column, dialect, start, width).label("bucket")
    aggregates = [agg(c) for c in columns for agg in (func.avg, func.min, func.max)]
    rows = db.exec(
        select(bucket, *aggregates).where(*where).group_by(bucket).order_by(bucket)
    ).all()
    out: list[list[Point]] = []
    for i in range(len(columns)):
        series = []
        for row in rows:
            mean, lowest, highest = row[1 + 3 * i : 4 + 3 * i]
            if mean is not None:
                x = start + (float(row[0]) + 0.5) * width
                series.append(Point(x, float(mean), float(lowest), float(highest)))
        out.append(series)
    return out


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / max(ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


@dataclass(frozen=True)
class Series:
    points: list[Point]
    css: str  # class name: colour and dash pattern come from the page's CSS
    line: bool


def svg_chart(
    *,
    title: str,
    series: Sequence[Series],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    tz: ZoneInfo,
    unit: str,
    band: tuple[float, float] | None = None,
    rules: Sequence[float] = (),
    width: int = 720,
    height: int = 240,
) -> str:
    """A small time chart as inline SVG: optional target band, horizontal rules, dots or lines,
    min-max whiskers for merged points, y ticks and up to six date ticks."""
    left, right, top, bottom = 44, 10, 10, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    x0, x1 = x_range
    y0, y1 = y_range
    x_span = max(x1 - x0, 1.0)
    y_span = max(y1 - y0, 1e-9)

    def sx(x: float) -> float:
        return round(left + (x - x0) / x_span * plot_w, 1)

    def sy(y: float) -> float:
        return round(top + (1 - (min(max(y, y0), y1) - y0) / y_span) * plot_h, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="chart"><title>{html.escape(title)}</title>',
        f'<rect class="plot" x="{left}" y="{top}" width="{plot_w}" height="{plot_h}"/>',
        f'<text class="unit" x="{left + 4}" y="{top + 11}">{html.escape(unit)}</text>',
    ]
    if band is not None:
        parts.append(
            f'<rect class="band" x="{left}" y="{sy(band[1])}" width="{plot_w}" '
            f'height="{round(sy(band[0]) - sy(band[1]), 1)}"/>'
        )
    step = _nice_step(y1 - y0)
    tick = math.ceil(y0 / step) * step
    while tick <= y1 + 1e-9:
        y = sy(tick)
        label = f"{tick:g}" if step >= 1 else f"{tick:.1f}"
        parts.append(f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}"/>')
        parts.append(
            f'<text class="tick" x="{left - 4}" y="{y + 3}" text-anchor="end">{label}</text>'
        )
        tick += step
    for value in rules:
        y = sy(value)
        parts.append(f'<line class="rule" x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}"/>')
    days = max(1, round(x_span / 86400))
    ticks = min(6, days + 1)
    for i in range(ticks):
        x = x0 + x_span * i / max(ticks - 1, 1)
        # The range ends at the midnight after the last day: label that tick with the last day.
        label = datetime.fromtimestamp(min(x, x1 - 1), tz).date().isoformat()
        anchor = "start" if i == 0 else "end" if i == ticks - 1 else "middle"
        parts.append(
            f'<text class="tick" x="{sx(x)}" y="{height - 8}" text-anchor="{anchor}">{label}</text>'
        )
    for item in series:
        for point in item.points:
            if point.low is not None and point.high is not None and point.low != point.high:
                parts.append(
                    f'<line class="whisker {item.css}" x1="{sx(point.x)}" x2="{sx(point.x)}" '
                    f'y1="{sy(point.low)}" y2="{sy(point.high)}"/>'
                )
        if item.line and len(item.points) > 1:
            coords = " ".join(f"{sx(p.x)},{sy(p.y)}" for p in item.points)
            parts.append(f'<polyline class="line {item.css}" points="{coords}"/>')
        parts.extend(
            f'<circle class="dot {item.css}" cx="{sx(p.x)}" cy="{sy(p.y)}" r="2"/>'
            for p in item.points
        )
    parts.append("</svg>")
    return "".join(parts)
