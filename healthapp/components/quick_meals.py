"""The meal page's "Same as last time" card (services/meals/quick.py): the person's frequent
and recent meals, one tap to log one again."""

import reflex as rx
from reflex.vars import ObjectVar

from healthapp.state.base import AppState
from healthapp.state.meals import MealsState


def _quick_meal(quick: ObjectVar[dict[str, str]]) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(quick["foods"], weight="medium"),
            rx.text(quick["detail"], size="2", color_scheme="gray"),
            spacing="1",
            min_width="0",
            flex="1 1 12rem",
        ),
        rx.button(
            AppState.t["meals.quick_again"],
            variant="soft",
            aria_label=quick["label"],
            on_click=MealsState.repeat_meal(quick["id"].to(int)),
        ),
        align="center",
        justify="between",
        wrap="wrap",
        width="100%",
        data_quick_meal=quick["id"],
    )


def quick_meals() -> rx.Component:
    """The person's frequent and recent meals ("Same as last time"), one tap to log again."""
    return rx.cond(
        MealsState.quick_meals.length() > 0,
        rx.card(
            rx.vstack(
                rx.heading(AppState.t["meals.quick_title"], size="4", as_="h2"),
                rx.text(AppState.t["meals.quick_help"], size="2", color_scheme="gray"),
                rx.foreach(MealsState.quick_meals, _quick_meal),
                spacing="3",
                width="100%",
            ),
            width="100%",
            role="region",
            aria_label=AppState.t["meals.quick_title"],
        ),
    )
