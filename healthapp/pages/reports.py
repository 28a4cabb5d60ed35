"""Daily and weekly reports."""

import reflex as rx

from healthapp import routes
from healthapp.components.layout import template
from healthapp.state.base import AppState
from healthapp.state.reports import ReportsState


def _controls() -> rx.Component:
    return rx.hstack(
        rx.el.label(AppState.t["report.kind"], html_for="report-kind", class_name="field-label"),
        rx.el.select(
            rx.el.option(AppState.t["report.daily"], value="day"),
            rx.el.option(AppState.t["report.weekly"], value="week"),
            id="report-kind",
            value=ReportsState.kind,
            on_change=ReportsState.set_kind,
            class_name="native-select",
            width="auto",
        ),
        rx.button(AppState.t["report.previous"], variant="soft", on_click=ReportsState.shift(-1)),
        rx.input(type="date", value=ReportsState.day, on_change=ReportsState.set_day,
                 aria_label=AppState.t["meals.day"]),
        rx.button(AppState.t["report.next"], variant="soft", on_click=ReportsState.shift(1)),
        align="center",
        spacing="3",
        wrap="wrap",
    )  # fmt: skip


def _summary() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell(AppState.t["report.col_measure"]),
                rx.table.column_header_cell(AppState.t["report.col_this"]),
                rx.table.column_header_cell(AppState.t["report.col_previous"]),
                rx.table.column_header_cell(AppState.t["report.col_change"]),
            )
        ),
        rx.table.body(
            rx.foreach(
                ReportsState.shown_rows,
                lambda row: rx.table.row(
                    rx.table.row_header_cell(row["label"]),
                    rx.table.cell(row["current"]),
                    rx.table.cell(row["previous"]),
                    rx.table.cell(row["change"]),
                ),
            )
        ),
        variant="surface",
        size="1",
        width="100%",
        aria_label=AppState.t["report.summary"],
    )


def _bp_categories() -> rx.Component:
    return rx.table.root(
        rx.table.header(
            rx.table.row(
                rx.table.column_header_cell(AppState.t["report.bp_category"]),
                rx.table.column_header_cell(AppState.t["report.col_this"]),
                rx.table.column_header_cell(AppState.t["report.col_previous"]),
            )
        ),
        rx.table.body(
            rx.foreach(
                ReportsState.bp_rows,
                lambda row: rx.table.row(
                    rx.table.row_header_cell(AppState.t[row[0]]),
                    rx.table.cell(row[1]),
                    rx.table.cell(row[2]),
                ),
            )
        ),
        size="1",
        variant="surface",
        aria_label=AppState.t["report.bp_category"],
    )


def _meals() -> rx.Component:
    return rx.cond(
        ReportsState.meals.length() > 0,
        rx.table.root(
            rx.table.header(
                rx.table.row(
                    *[rx.table.column_header_cell(AppState.t[key]) for key in (
                        "records.col_when", "meals.field.meal_type", "meals.col_food",
                        "meals.col_kcal", "meals.col_carb", "meals.col_protein", "meals.col_fat")]
                )
            ),
            rx.table.body(
                rx.foreach(
                    ReportsState.meals,
                    lambda meal: rx.table.row(
                        rx.table.cell(meal["day"], " ", meal["time"]),
                        rx.table.cell(AppState.t["meals.type." + meal["meal_type"]]),
                        rx.table.cell(meal["foods"]),
                        rx.table.cell(meal["kcal"]),
                        rx.table.cell(meal["carb_g"]),
                        rx.table.cell(meal["protein_g"]),
                        rx.table.cell(meal["fat_g"]),
                    ),
                )
            ),
            size="1",
            variant="surface",
            width="100%",
            aria_label=AppState.t["report.meals_title"],
        ),
        rx.text(AppState.t["report.no_meals"], color_scheme="gray"),
    )  # fmt: skip


@template(route=routes.REPORTS, on_load=[ReportsState.load])
def reports_page() -> rx.Component:
    return rx.vstack(
        rx.heading(AppState.t["report.title"], size="7", as_="h1"),
        _controls(),
        rx.heading(ReportsState.period_text, size="4", as_="h2", id="report-period"),
        rx.cond(~ReportsState.has_data, rx.callout(AppState.t["report.empty"], role="status")),
        _summary(),
        rx.text(ReportsState.hba1c_text),
        rx.text(ReportsState.who_text),
        rx.heading(AppState.t["report.bp_category"], size="3", as_="h3"),
        _bp_categories(),
        rx.heading(AppState.t["report.meals_title"], size="3", as_="h3"),
        _meals(),
        spacing="4",
        width="100%",
    )
