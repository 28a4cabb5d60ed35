"""Tables that turn into stacked cards on a phone: each row a card, each cell labelled with its
column's header (assets/responsive.css draws the label from `data-label`)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from healthapp.state.base import AppState

STACK_TABLE = "stack-table"


def header_row(keys: list[str]) -> rx.Component:
    return rx.table.header(
        rx.table.row(*[rx.table.column_header_cell(AppState.t[key]) for key in keys])
    )


def cell(label: str | rx.Var, *children: Any, **props: Any) -> rx.Component:
    """A cell whose column header is `label` (a catalogue key, or a Var holding the text)."""
    text = AppState.t[label] if isinstance(label, str) else label
    return rx.table.cell(*children, custom_attrs={"data-label": text}, **props)


def stacked_table(*children: rx.Component, **props: Any) -> rx.Component:
    return rx.table.root(*children, class_name=STACK_TABLE, width="100%", **props)
