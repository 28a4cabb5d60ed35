"""My data: download everything, print a report for a clinician, import readings."""

from collections.abc import Sequence

import reflex as rx

from healthapp import routes
from healthapp.components.forms import form_alert
from healthapp.components.layout import template
from healthapp.components.tables import cell, stacked_table
from healthapp.domain.units import GlucoseUnit
from healthapp.services import importer
from healthapp.services.importer import ImportKind
from healthapp.state.base import AppState
from healthapp.state.data import NOT_MAPPED, DataState

IMPORT_UPLOAD_ID = "import_file"
CSV_TYPES: dict[str, Sequence[str]] = {"text/csv": [".csv", ".txt"], "application/zip": [".zip"]}


def _download(label_key: str, href: str) -> rx.Component:
    # reloadDocument: a real request the browser downloads; the SPA router must not take it.
    return rx.el.a(
        rx.button(AppState.t[label_key], variant="soft", tab_index=-1),
        href=href,
        download=True,
        custom_attrs={"reloadDocument": True},
    )


def export_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(AppState.t["data.export_title"], size="4", as_="h2"),
            rx.text(AppState.t["data.export_text"], size="2"),
            rx.hstack(
                _download("data.export_csv", "/api/export/csv"),
                _download("data.export_fhir", "/api/export/fhir"),
                spacing="3",
                wrap="wrap",
            ),
            rx.heading(AppState.t["data.report_title"], size="3", as_="h3"),
            rx.hstack(
                rx.vstack(
                    rx.el.label(AppState.t["records.filter_from"], html_for="report-start",
                                class_name="field-label"),
                    rx.input(id="report-start", type="date", value=DataState.report_start,
                             on_change=DataState.set_report_start),
                    spacing="1",
                ),
                rx.vstack(
                    rx.el.label(AppState.t["records.filter_to"], html_for="report-end",
                                class_name="field-label"),
                    rx.input(id="report-end", type="date", value=DataState.report_end,
                             on_change=DataState.set_report_end),
                    spacing="1",
                ),
                rx.el.a(AppState.t["data.report_open"], href=DataState.report_href,
                        target="_blank", rel="noopener", class_name="rt-Button",
                        custom_attrs={"reloadDocument": True}),
                align="end",
                spacing="3",
                wrap="wrap",
            ),
            spacing="3",
        ),
        width="100%",
    )  # fmt: skip


def _mapping_row(field: rx.Var) -> rx.Component:
    select_id = "map-" + field.to(str)
    return rx.vstack(
        rx.el.label(AppState.t["import.field." + field.to(str)], html_for=select_id,
                    class_name="field-label"),
        rx.el.select(
            rx.el.option(AppState.t["data.not_mapped"], value=NOT_MAPPED),
            rx.foreach(DataState.header, lambda name, i: rx.el.option(name, value=i.to(str))),
            id=select_id,
            value=DataState.mapping[field.to(str)],
            on_change=lambda column: DataState.set_mapping(field, column),
            class_name="native-select",
        ),
        spacing="1",
    )  # fmt: skip


def import_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(AppState.t["data.import_title"], size="4", as_="h2"),
            rx.text(AppState.t["data.import_text"], size="2"),
            form_alert(DataState),
            rx.el.label(AppState.t["data.import_kind"], html_for="import-kind",
                        class_name="field-label"),
            rx.el.select(
                rx.el.option(AppState.t["nav.glucose"], value=ImportKind.GLUCOSE.value),
                rx.el.option(AppState.t["nav.bp"], value=ImportKind.BP.value),
                id="import-kind", value=DataState.import_kind,
                on_change=DataState.set_import_kind, class_name="native-select",
            ),
            rx.upload.root(
                rx.button(AppState.t["data.choose_file"], type="button", variant="soft"),
                id=IMPORT_UPLOAD_ID, accept=CSV_TYPES, multiple=False, max_files=1,
                max_size=importer.MAX_IMPORT_BYTES,
                on_drop=DataState.preview(rx.upload_files(upload_id=IMPORT_UPLOAD_ID)),
                # a refused file is named, not dropped in silence
                on_drop_rejected=DataState.file_refused,
            ),
            rx.cond(
                DataState.header.length() > 0,
                rx.vstack(
                    rx.text(DataState.file_name, weight="medium"),
                    stacked_table(
                        rx.table.header(rx.table.row(rx.foreach(
                            DataState.header, lambda h: rx.table.column_header_cell(h)))),
                        rx.table.body(rx.foreach(DataState.sample, lambda row: rx.table.row(
                            rx.foreach(row, lambda value, i: cell(DataState.header[i], value))))),
                        size="1", variant="surface",
                        aria_label=AppState.t["data.preview"],
                    ),
                    rx.grid(rx.foreach(DataState.fields, _mapping_row),
                            columns=rx.breakpoints(initial="1", sm="3"), spacing="3",
                            width="100%"),
                    rx.cond(
                        DataState.import_kind == ImportKind.GLUCOSE.value,
                        rx.vstack(
                            rx.el.label(AppState.t["settings.glucose_unit"],
                                        html_for="import-unit", class_name="field-label"),
                            rx.el.select(
                                *[rx.el.option(u.value, value=u.value) for u in GlucoseUnit],
                                id="import-unit", value=DataState.unit,
                                on_change=DataState.set_unit, class_name="native-select",
                            ),
                            spacing="1",
                        ),
                    ),
                    rx.button(AppState.t["data.import_run"], on_click=DataState.run_import),
                    spacing="3",
                    width="100%",
                ),
            ),
            rx.cond(DataState.result_text != "",
                    rx.callout(DataState.result_text, color_scheme="green", role="status")),
            rx.el.ul(rx.foreach(DataState.shown_row_errors,
                                lambda line: rx.el.li(line, class_name="import-error")),
                     aria_label=AppState.t["data.row_errors"]),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )  # fmt: skip


@template(route=routes.DATA, on_load=[DataState.load])
def data_page() -> rx.Component:
    return rx.vstack(
        rx.heading(AppState.t["data.title"], size="7", as_="h1"),
        export_card(),
        import_card(),
        spacing="4",
        width="100%",
    )
