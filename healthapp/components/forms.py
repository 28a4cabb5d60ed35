"""Accessible form fields: a bound label, help text and the field's own error message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from healthapp.components.props import InputType
from healthapp.state.base import AppState, FormState

Control = Callable[[dict[str, Any]], rx.Component]


def labelled(
    state: type[FormState],
    form_id: str,
    name: str,
    label_key: str,
    control: Control,
    *,
    help_key: str | None = None,
    help_text: rx.Var | None = None,
) -> rx.Component:
    """Label + control + help + error. `control` gets the id and ARIA props it must carry, so
    the error (state.error_texts[name]) is announced and linked to the input."""
    input_id = f"{form_id}-{name}"
    error_id = f"{input_id}-error"
    help_id = f"{input_id}-help"
    help_var = AppState.t[help_key] if help_key else help_text
    error = state.error_texts.get(name, "")
    has_error = error != ""
    props = {
        "id": input_id,
        "name": name,
        "aria_invalid": rx.cond(has_error, "true", "false"),
        "aria_describedby": rx.cond(has_error, error_id, help_id if help_var is not None else ""),
    }
    return rx.vstack(
        rx.el.label(AppState.t[label_key], html_for=input_id, class_name="field-label"),
        control(props),
        rx.text(help_var, id=help_id, size="1", color_scheme="gray")
        if help_var is not None
        else rx.fragment(),
        rx.cond(
            has_error,
            rx.text(error, id=error_id, role="alert", size="2", color_scheme="red"),
        ),
        spacing="1",
        width="100%",
        align="stretch",
    )


def field(
    state: type[FormState],
    form_id: str,
    name: str,
    label_key: str,
    *,
    type_: InputType = "text",
    autocomplete: str = "off",
    help_key: str | None = None,
    required: bool = True,
) -> rx.Component:
    """A labelled text input (log-in, sign-up and account forms)."""
    return labelled(
        state,
        form_id,
        name,
        label_key,
        lambda props: rx.input(
            type=type_, auto_complete=autocomplete, required=required, width="100%", **props
        ),
        help_key=help_key,
    )


def form_alert(state: type[FormState]) -> rx.Component:
    """Errors that belong to no single field (wrong password, throttling, the unexpected)."""
    error = state.error_texts.get("", "")
    return rx.cond(
        error != "",
        rx.callout(error, color_scheme="red", role="alert", width="100%"),
    )


def form_done(state: type[FormState]) -> rx.Component:
    return rx.cond(
        state.done_key != "",
        rx.callout(state.done_text, color_scheme="green", role="status", width="100%"),
    )


def submit_button(label_key: str) -> rx.Component:
    return rx.button(AppState.t[label_key], type="submit", width="100%")
