"""Chart building blocks: an accessible figure around a recharts chart, its hidden data table,
the time axis, the colour-blind-safe palette, and the dashboard's and glucose page's charts.

Accessibility: each chart is a <figure> with a visible heading; the drawing itself is a
role="img" box whose aria-label says what the chart shows and sums it up (from the state, in
the user's language), and a visually hidden table beside it (not inside the image, whose
children screen readers skip) holds the data points.

Colours: the Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008), whose eight colours
stay distinct under the common colour-vision deficiencies; series that sit side by side also
differ in line style or position, never in colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import reflex as rx

from healthapp.state.agp import AgpState
from healthapp.state.base import AppState
from healthapp.state.dashboard import DashboardState

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
# Time-in-range bands, lowest first: the warm colours for lows and highs, green for in range.
BAND_COLOURS = {
    "very_low": OKABE_ITO["vermillion"],
    "low": OKABE_ITO["orange"],
    "in_range": OKABE_ITO["bluish_green"],
    "high": OKABE_ITO["yellow"],
    "very_high": OKABE_ITO["reddish_purple"],
}
CHART_HEIGHT = 240
AXIS_TICK = {"fontSize": 11}

# Present for screen readers, invisible on screen (the usual "sr-only" rules).
VISUALLY_HIDDEN = {
    "position": "absolute",
    "width": "1px",
    "height": "1px",
    "padding": "0",
    "margin": "-1px",
    "overflow": "hidden",
    "clip": "rect(0, 0, 0, 0)",
    "white_space": "nowrap",
    "border": "0",
}


def data_table(
    caption: rx.Var | str, headers: Sequence[rx.Var | str], rows: rx.Var
) -> rx.Component:
    """The chart's points as a visually hidden table (rows: a list of lists of strings)."""
    return rx.el.table(
        rx.el.caption(caption),
        rx.el.thead(rx.el.tr(*[rx.el.th(h, scope="col") for h in headers])),
        rx.el.tbody(rx.foreach(rows, lambda row: rx.el.tr(rx.foreach(row, rx.el.td)))),
        style=VISUALLY_HIDDEN,
        class_name="chart-data",
    )


def chart_figure(
    figure_id: str, title: rx.Var | str, label: rx.Var | str, chart: rx.Component,
    table: rx.Component, *after: rx.Component,
) -> rx.Component:  # fmt: skip
    """A card holding a titled figure: the chart as one image with `label`, then `table`."""
    return rx.card(
        rx.el.figure(
            rx.heading(title, size="3", as_="h2"),
            rx.box(chart, role="img", aria_label=label, width="100%"),
            table,
            *after,
            id=figure_id,
            style={"margin": "0", "position": "relative"},
        ),
        width="100%",
        min_width="0",
    )


def time_axis(data_key: str = "label") -> rx.Component:
    """The x axis of local dates (and times): the first and last tick always, others as they fit."""
    return rx.recharts.x_axis(
        data_key=data_key, interval="preserveStartEnd", min_tick_gap=28, tick=AXIS_TICK
    )


def _line(key: str, name: rx.Var, colour: str, **props: Any) -> rx.Component:
    return rx.recharts.line(data_key=key, name=name, stroke=colour, stroke_width=2,
                            is_animation_active=False, **props)  # fmt: skip


def _bar(key: str, name: rx.Var, colour: str, **props: Any) -> rx.Component:
    return rx.recharts.bar(data_key=key, name=name, fill=colour, is_animation_active=False,
                           **props)  # fmt: skip


def _caption(text: rx.Var | str) -> rx.Component:
    return rx.text(text, size="1", color_scheme="gray")


def _t(key: str) -> rx.Var:
    return AppState.t[key]


D = DashboardState


def glucose_chart() -> rx.Component:
    names = D.chart_names
    return chart_figure(
        "chart-glucose", _t("dash.chart_glucose"), D.chart_labels["glucose"],
        rx.recharts.line_chart(
            rx.recharts.reference_area(y1=D.glucose_band[0], y2=D.glucose_band[1],
                                       fill=OKABE_ITO["bluish_green"], fill_opacity=0.15),
            _line("v", names["glucose"], OKABE_ITO["blue"], dot=True),
            time_axis(),
            rx.recharts.y_axis(tick=AXIS_TICK, width=44),
            rx.recharts.tooltip(),
            rx.recharts.legend(),
            data=D.glucose_chart, height=CHART_HEIGHT, width="100%",
        ),
        data_table(D.glucose_table_caption, [_t("chart.axis.when"), names["glucose"]],
                   D.glucose_table),
        _caption(D.band_text),
    )  # fmt: skip


def bp_chart() -> rx.Component:
    names = D.chart_names
    return chart_figure(
        "chart-bp", _t("dash.chart_bp"), D.chart_labels["bp"],
        rx.recharts.line_chart(
            _line("sys", names["systolic"], OKABE_ITO["vermillion"]),
            _line("dia", names["diastolic"], OKABE_ITO["blue"], stroke_dasharray="5 3"),
            time_axis(),
            rx.recharts.y_axis(tick=AXIS_TICK, width=44),
            rx.recharts.tooltip(),
            rx.recharts.legend(),
            data=D.bp_chart, height=CHART_HEIGHT, width="100%",
        ),
        data_table(_t("chart.table"),
                   [_t("chart.axis.when"), names["systolic"], names["diastolic"]], D.bp_table),
    )  # fmt: skip


def nutrition_chart() -> rx.Component:
    names = D.chart_names
    return chart_figure(
        "chart-nutrition", _t("dash.chart_nutrition"), D.chart_labels["nutrition"],
        rx.recharts.bar_chart(
            _bar("carb", names["carb"], OKABE_ITO["orange"], stack_id="e"),
            _bar("protein", names["protein"], OKABE_ITO["sky_blue"], stack_id="e"),
            _bar("fat", names["fat"], OKABE_ITO["reddish_purple"], stack_id="e"),
            time_axis(),
            rx.recharts.y_axis(tick=AXIS_TICK, width=44),
            rx.recharts.tooltip(),
            rx.recharts.legend(),
            data=D.nutrition_chart, height=CHART_HEIGHT, width="100%",
        ),
        data_table(_t("chart.table"), [_t("chart.axis.day"), names["carb"], names["protein"],
                                        names["fat"]], D.nutrition_table),
        _caption(_t("dash.nutrition_note")),
    )  # fmt: skip


def exercise_chart() -> rx.Component:
    names = D.chart_names
    return chart_figure(
        "chart-exercise", _t("dash.chart_exercise"), D.chart_labels["exercise"],
        rx.recharts.bar_chart(
            _bar("minutes", names["exercise"], OKABE_ITO["bluish_green"]),
            rx.recharts.reference_line(y=150, stroke=OKABE_ITO["black"], stroke_dasharray="4 4",
                                       if_overflow="extendDomain"),
            time_axis(),
            rx.recharts.y_axis(tick=AXIS_TICK, width=44),
            rx.recharts.tooltip(),
            rx.recharts.legend(),
            data=D.exercise_chart, height=CHART_HEIGHT, width="100%",
        ),
        data_table(_t("chart.table"), [_t("chart.axis.week"), names["exercise"]],
                   D.exercise_table),
        _caption(names["who_goal"]),
    )  # fmt: skip


# --- the glucose page's ambulatory glucose profile ---------------------------------------------


def _agp_chart() -> rx.Component:
    return rx.recharts.composed_chart(
        rx.recharts.reference_area(y1=AgpState.agp_facts["low"], y2=AgpState.agp_facts["high"],
                                   fill=OKABE_ITO["bluish_green"], fill_opacity=0.08),
        rx.recharts.area(data_key="outer", name=_t("agp.legend.p5_95"), stroke="none",
                         fill=OKABE_ITO["sky_blue"], fill_opacity=0.35,
                         is_animation_active=False),
        rx.recharts.area(data_key="inner", name=_t("agp.legend.p25_75"), stroke="none",
                         fill=OKABE_ITO["blue"], fill_opacity=0.45, is_animation_active=False),
        _line("median", AgpState.agp_median_name, OKABE_ITO["black"], dot=False),
        rx.recharts.reference_line(y=AgpState.agp_facts["low"], stroke=OKABE_ITO["vermillion"],
                                   stroke_dasharray="4 4"),
        rx.recharts.reference_line(y=AgpState.agp_facts["high"], stroke=OKABE_ITO["orange"],
                                   stroke_dasharray="4 4"),
        rx.recharts.x_axis(data_key="hour", interval=2, tick=AXIS_TICK),
        rx.recharts.y_axis(tick=AXIS_TICK, width=44),
        rx.recharts.tooltip(),
        rx.recharts.legend(),
        data=AgpState.agp_bins, height=CHART_HEIGHT + 40, width="100%",
    )  # fmt: skip


def _tir_bar() -> rx.Component:
    """The five bands as one stacked bar (widths: whole percents), then one line each."""
    segments = rx.foreach(
        AgpState.agp_bands,
        lambda b: rx.box(
            width=b["percent"] + "%",
            height="100%",
            background_color=rx.match(b["band"], *BAND_COLOURS.items(), OKABE_ITO["black"]),
        ),
    )
    return rx.vstack(
        rx.heading(_t("agp.tir_title"), size="3", as_="h3"),
        rx.hstack(segments, spacing="0", width="100%", height="20px", role="img",
                  aria_label=AgpState.agp_tir_label, id="agp-tir-bar",
                  style={"border_radius": "4px", "overflow": "hidden"}),
        rx.el.ul(
            rx.foreach(AgpState.agp_band_lines, lambda line: rx.el.li(rx.text(line, size="2"))),
            id="agp-tir", style={"margin": "0", "padding_left": "1.2em"},
        ),
        _caption(_t("agp.targets")),
        spacing="2",
        width="100%",
    )  # fmt: skip


def agp_card() -> rx.Component:
    """The AGP and time in ranges, or what is missing when there are too few readings."""
    hours = [_t(f"agp.col.{k}") for k in ("hour", "readings", "p5", "p25", "p50", "p75", "p95")]
    profile = chart_figure(
        "agp", _t("agp.title"), AgpState.agp_chart_label, _agp_chart(),
        data_table(_t("chart.table"), hours, AgpState.agp_table),
        rx.text(AgpState.agp_based_on, size="2", id="agp-based-on"),
        _tir_bar(),
        _caption(_t("agp.source")),
    )  # fmt: skip
    too_few = rx.card(
        rx.vstack(
            rx.heading(_t("agp.title"), size="3", as_="h2"),
            rx.callout(AgpState.agp_based_on, role="status", id="agp-too-few"),
            spacing="2",
        ),
        width="100%",
    )
    return rx.cond(
        AgpState.agp_loaded,
        rx.vstack(
            rx.text(_t("agp.intro"), size="2", color_scheme="gray"),
            rx.cond(AgpState.agp_enough, profile, too_few),
            spacing="2",
            width="100%",
        ),
    )
