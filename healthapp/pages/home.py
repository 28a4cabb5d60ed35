"""The signed-in home page."""

import reflex as rx

from healthapp import routes
from healthapp.components.layout import template
from healthapp.state.base import AppState


@template(route=routes.HOME)
def home() -> rx.Component:
    return rx.vstack(
        rx.heading(AppState.greeting, size="7", as_="h1"),
        rx.text(AppState.t["home.intro"]),
        spacing="3",
    )
