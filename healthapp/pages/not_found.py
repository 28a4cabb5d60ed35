"""The page for an unknown address: the app's layout, in the person's language, a way home."""

import reflex as rx

from healthapp import routes
from healthapp.components.layout import template
from healthapp.state.base import AppState

# Reflex serves the page registered under this route for every unknown path.
NOT_FOUND_ROUTE = "404"


@template(route=NOT_FOUND_ROUTE, protected=False)
def not_found() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.heading(AppState.t["not_found.title"], size="7", as_="h1"),
            rx.text(AppState.t["not_found.text"], color_scheme="gray"),
            rx.link(rx.button(AppState.t["not_found.home"]), href=routes.HOME,
                    id="not-found-home"),
            align="center",
            spacing="4",
        ),
        padding_top="3em",
    )  # fmt: skip
