"""Accessible form fields: a bound label, help text and the field's own error message."""

from __future__ import annotations

import reflex as rx

from healthapp.state.base import AppState


def field(
    state: type[rx.State],
    form_id: str,
    name: str,
    label_key: str,
    *,
    type_: str = "text",
    autocomplete: str = "off",
    help_key: str | None = None,
    required: bool = True,
) -> rx.Component:
    """A labelled input whose error (state.error_texts[name]) is announced and linked to it."""
    input_id = f"{form_id}-{name}"
    error_id = f"{input_id}-error"
    help_id = f"{input_id}-help"
    error = state.error_texts.get(name, "")
    has_error = error != ""
    described_by = rx.cond(has_error, error_id, help_id if help_key else "")
    return rx.vstack(
        rx.el.label(AppState.t[label_key], html_for=input_id, class_name="field-label"),
        rx.input(
            id=input_id,
            name=name,
            type=type_,
            auto_complete=autocomplete,
            required=required,
            aria_invalid=rx.cond(has_error, "true", "false"),
            aria_describedby=described_by,
            width="100%",
        ),
        rx.text(AppState.t[help_key], id=help_id, size="1", color_scheme="gray")
        if help_key
        else rx.fragment(),
        rx.cond(
            has_error,
            rx.text(error, id=error_id, role="alert", size="2", color_scheme="red"),
        ),
        spacing="1",
        width="100%",
        align="stretch",
    )


def form_alert(state: type[rx.State]) -> rx.Component:
    """Errors that belong to no single field (wrong password, throttling, the unexpected)."""
    error = state.error_texts.get("", "")
    return rx.cond(
        error != "",
        rx.callout(error, color_scheme="red", role="alert", width="100%"),
    )


def form_done(state: type[rx.State]) -> rx.Component:
    return rx.cond(
        state.done_key != "",
        rx.callout(state.done_text, color_scheme="green", role="status", width="100%"),
    )


def submit_button(label_key: str) -> rx.Component:
    return rx.button(AppState.t[label_key], type="submit", width="100%")
