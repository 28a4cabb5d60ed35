"""The shared record page: entry form (add or edit), date filter, classified list, pagination."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import reflex as rx
from reflex.event import EventType

from healthapp.components.forms import Control, form_alert, labelled
from healthapp.components.props import Colour, InputMode, InputType, match_colour
from healthapp.components.quick_add import focus_on_arrival
from healthapp.components.tables import cell, header_row, stacked_table
from healthapp.state.base import AppState
from healthapp.state.records import BloodPressureState, ExerciseState, GlucoseState, HbA1cState

LEVEL_COLOURS: dict[str, Colour] = {"normal": "green", "borderline": "amber", "danger": "red"}
SOURCE_COLOURS: dict[str, Colour] = {"cgm": "violet", "meter": "gray"}
INPUT_TYPES: dict[str, InputType] = {"datetime": "datetime-local", "date": "date"}
INPUT_MODES: dict[str, InputMode] = {"integer": "numeric", "decimal": "decimal"}

# The state of one record page: RecordsState's list and form, FormState's messages, AppState.
RecordPageState = (
    type[BloodPressureState] | type[GlucoseState] | type[HbA1cState] | type[ExerciseState]
)


@dataclass(frozen=True)
class FormField:
    name: str
    label_key: str
    kind: Literal["datetime", "date", "integer", "decimal", "select", "note"]
    options: tuple[tuple[str, str], ...] = ()  # (value, catalogue key)
    required: bool = True
    help_key: str | None = None
    help_var: str | None = None  # name of a state var holding the help text


def _control(spec: FormField, state: RecordPageState) -> Control:
    default = state.form_values.get(spec.name, "")

    def build(props: dict[str, Any]) -> rx.Component:
        if spec.kind == "select":
            return rx.el.select(
                *[rx.el.option(AppState.t[key], value=value) for value, key in spec.options],
                default_value=default,
                required=spec.required,
                class_name="native-select",
                **props,
            )
        if spec.kind == "note":
            return rx.text_area(default_value=default, max_length=500, rows="2", **props)
        return rx.input(
            type=INPUT_TYPES.get(spec.kind, "text"),
            default_value=default,
            required=spec.required,
            input_mode=INPUT_MODES.get(spec.kind),
            auto_complete="off",
            width="100%",
            **props,
        )

    return build


def _help_text(state: RecordPageState, spec: FormField) -> rx.Var | None:
    if spec.kind in ("datetime", "date"):  # a new entry's time: the moment of saving
        now_help = "records.date_now_help" if spec.kind == "date" else "records.time_now_help"
        return rx.cond(state.editing_id > 0, "", AppState.t[now_help])
    return getattr(state, spec.help_var) if spec.help_var else None


def entry_form(state: RecordPageState, form_id: str, fields: list[FormField]) -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(
                    rx.cond(
                        state.editing_id > 0,
                        AppState.t["records.edit_title"],
                        AppState.t["records.add_title"],
                    ),
                    size="4",
                    as_="h2",
                ),
                form_alert(state),
                rx.grid(
                    *[
                        labelled(
                            state,
                            form_id,
                            spec.name,
                            spec.label_key,
                            _control(spec, state),
                            help_key=spec.help_key,
                            help_text=_help_text(state, spec),
                        )
                        for spec in fields
                    ],
                    columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="3",
                    width="100%",
                ),
                rx.hstack(
                    rx.button(
                        rx.cond(
                            state.editing_id > 0,
                            AppState.t["records.save_changes"],
                            AppState.t["records.add"],
                        ),
                        type="submit",
                    ),
                    rx.cond(
                        state.editing_id > 0,
                        rx.button(
                            AppState.t["common.cancel"],
                            type="button",
                            variant="soft",
                            color_scheme="gray",
                            on_click=state.cancel_edit,
                        ),
                    ),
                    spacing="3",
                ),
                spacing="3",
                width="100%",
            ),
            on_submit=state.submit,
            id=form_id,
            key=state.form_version,
            # on every (re)mount: the load that fills the form remounts it (new key)
            on_mount=focus_on_arrival(f"#{form_id} input[inputmode]"),
        ),
        width="100%",
    )


def filter_bar(state: RecordPageState, form_id: str) -> rx.Component:
    def day_input(name: str, label_key: str) -> rx.Component:
        input_id = f"{form_id}-{name}"
        return rx.vstack(
            rx.el.label(AppState.t[label_key], html_for=input_id, class_name="field-label"),
            rx.input(id=input_id, name=name, type="date", default_value=getattr(state, name)),
            spacing="1",
        )

    return rx.form(
        rx.hstack(
            day_input("filter_start", "records.filter_from"),
            day_input("filter_end", "records.filter_to"),
            rx.button(AppState.t["records.filter_apply"], type="submit", variant="soft"),
            rx.button(
                AppState.t["records.filter_clear"],
                type="button",
                variant="ghost",
                on_click=state.clear_filter,
            ),
            align="end",
            spacing="3",
            wrap="wrap",
        ),
        on_submit=state.apply_filter,
        aria_label=AppState.t["records.filter_label"],
        role="search",
    )


def classification(row: Any) -> rx.Component:
    return rx.cond(
        row["level"] != "",
        rx.vstack(
            rx.tooltip(
                rx.badge(
                    row["level_text"],
                    color_scheme=match_colour(row["level"], LEVEL_COLOURS, "gray"),
                    variant="solid",
                    class_name="level-badge",
                ),
                content=row["label_text"],
            ),
            rx.text(row["label_text"], size="1", color_scheme="gray"),
            rx.cond(
                row["alert_text"] != "",
                rx.text(row["alert_text"], size="1", color_scheme="red", role="note"),
            ),
            spacing="1",
        ),
        rx.text(row["label_text"], size="2"),
    )


def source_badge(row: Any) -> rx.Component:
    """Where a glucose reading came from (meter or CGM); nothing for the other kinds."""
    return rx.cond(
        row["source_text"] != "",
        rx.badge(
            row["source_text"],
            color_scheme=match_colour(row["source"], SOURCE_COLOURS, "gray"),
            variant="soft",
            class_name="source-badge",
            data_source=row["source"],
        ),
    )


COLUMNS = ["records.col_when", "records.col_value", "records.col_context", "records.col_class",
           "records.col_note", "records.col_actions"]  # fmt: skip


def _row(state: RecordPageState, row: Any) -> rx.Component:
    when, value, context, level, note, actions = COLUMNS
    return rx.table.row(
        cell(when, row["day"], " ", row["time"]),
        # one child: a phone's card lays a cell out as label | content
        cell(
            value,
            rx.vstack(
                rx.text(row["value"], weight="medium"),
                source_badge(row),
                spacing="1",
                align="start",
            ),
        ),
        cell(context, row["context_text"]),
        cell(level, classification(row)),
        cell(note, rx.text(row["note"], size="2")),
        cell(
            actions,
            rx.hstack(
                rx.button(
                    AppState.t["records.edit"],
                    size="1",
                    variant="soft",
                    on_click=state.start_edit(row["id"]),
                ),
                rx.button(
                    AppState.t["records.delete"],
                    size="1",
                    variant="soft",
                    color_scheme="red",
                    on_click=state.ask_delete(row["id"]),
                ),
                spacing="2",
                wrap="wrap",
            ),
        ),
        data_record_id=row["id"],
    )


def record_table(state: RecordPageState, empty_key: str) -> rx.Component:
    return rx.cond(
        state.total > 0,
        rx.vstack(
            stacked_table(
                header_row(COLUMNS),
                rx.table.body(rx.foreach(state.shown_rows, lambda row: _row(state, row))),
                variant="surface",
            ),
            rx.hstack(
                rx.button(
                    AppState.t["records.prev"],
                    variant="soft",
                    disabled=state.page <= 1,
                    on_click=state.go_page(state.page - 1),
                ),
                rx.text(state.page_text, size="2"),
                rx.button(
                    AppState.t["records.next"],
                    variant="soft",
                    disabled=state.page >= state.pages,
                    on_click=state.go_page(state.page + 1),
                ),
                align="center",
                spacing="3",
            ),
            width="100%",
            spacing="3",
        ),
        rx.callout(AppState.t[empty_key], role="status"),
    )


def confirm_dialog(
    *,
    title_key: str,
    text_key: str,
    confirm_key: str,
    is_open: rx.Var[bool] | bool,
    on_open_change: EventType[bool],
    on_confirm: EventType[()],
) -> rx.Component:
    """Asks before something is removed for good; Cancel is the default way out."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(AppState.t[title_key]),
            rx.alert_dialog.description(AppState.t[text_key]),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button(AppState.t["common.cancel"], variant="soft", color_scheme="gray")
                ),
                rx.alert_dialog.action(
                    rx.button(AppState.t[confirm_key], color_scheme="red", on_click=on_confirm)
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
        ),
        open=is_open,
        on_open_change=on_open_change,
    )


def delete_dialog(state: RecordPageState) -> rx.Component:
    return confirm_dialog(
        title_key="records.delete_title",
        text_key="records.delete_text",
        confirm_key="records.delete_confirm",
        is_open=state.delete_id > 0,
        on_open_change=state.set_delete_open,
        on_confirm=state.confirm_delete,
    )


def record_page(
    state: RecordPageState,
    *,
    title_key: str,
    intro_key: str,
    empty_key: str,
    form_id: str,
    fields: list[FormField],
) -> rx.Component:
    return rx.vstack(
        rx.heading(AppState.t[title_key], size="7", as_="h1"),
        rx.text(AppState.t[intro_key], color_scheme="gray"),
        entry_form(state, form_id, fields),
        rx.heading(AppState.t["records.list_title"], size="4", as_="h2"),
        filter_bar(state, f"{form_id}-filter"),
        record_table(state, empty_key),
        delete_dialog(state),
        spacing="4",
        width="100%",
    )
