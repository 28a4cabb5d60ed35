"""The signed-in home page: a dashboard of today, this week, the latest readings and ranks."""

import reflex as rx

from healthapp import routes
from healthapp.components.charts import bp_chart, exercise_chart, glucose_chart, nutrition_chart
from healthapp.components.layout import template
from healthapp.components.props import match_colour
from healthapp.components.quick_add import quick_add_href
from healthapp.components.records import LEVEL_COLOURS, source_badge
from healthapp.state.base import AppState
from healthapp.state.dashboard import DashboardState


def _card(title_key: str, *children: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(rx.heading(AppState.t[title_key], size="3", as_="h2"), *children, spacing="2"),
        width="100%",
    )


# (route, catalogue key, icon): the readings and the meal photo people log most, one tap away.
QUICK_ACTIONS: tuple[tuple[str, str, str], ...] = (
    (routes.GLUCOSE, "dash.quick_glucose", "droplet"),
    (routes.BLOOD_PRESSURE, "dash.quick_bp", "heart-pulse"),
    (routes.MEALS, "dash.quick_meal", "camera"),
)


def quick_actions() -> rx.Component:
    return rx.el.section(
        rx.grid(
            *[
                rx.button(
                    rx.link(rx.icon(icon, aria_hidden="true"), AppState.t[key],
                            href=quick_add_href(route), underline="none"),
                    as_child=True, size="3", variant="soft", width="100%",
                )
                for route, key, icon in QUICK_ACTIONS
            ],
            columns=rx.breakpoints(initial="1", sm="3"),
            spacing="3",
            width="100%",
        ),
        aria_label=AppState.t["dash.quick_title"],
        width="100%",
    )  # fmt: skip


def today_card() -> rx.Component:
    return _card(
        "dash.today",
        rx.foreach(
            DashboardState.today,
            lambda row: rx.vstack(
                rx.hstack(
                    rx.text(AppState.t["dash.nutrient." + row["key"].to(str)], size="2"),
                    rx.spacer(),
                    rx.text(row["amount"].to(str), size="2", weight="medium"),
                    width="100%",
                ),
                rx.progress(value=row["pct"], max=100,
                            aria_label=AppState.t["dash.nutrient." + row["key"].to(str)]),
                spacing="1",
                width="100%",
            ),
        ),
    )  # fmt: skip


def totals_card() -> rx.Component:
    return _card(
        "dash.cumulative",
        rx.foreach(DashboardState.totals_text, lambda line: rx.text(line, size="2")),
    )


def latest_cards() -> rx.Component:
    return rx.grid(
        rx.foreach(
            DashboardState.shown_latest,
            lambda card: rx.card(
                rx.vstack(
                    rx.text(card["title"], size="2", color_scheme="gray"),
                    rx.hstack(
                        rx.text(card["value"], size="6", weight="bold"),
                        source_badge(card),
                        align="center",
                        wrap="wrap",
                        spacing="2",
                    ),
                    rx.cond(
                        card["level"] != "",
                        rx.hstack(
                            rx.badge(card["level_text"], variant="solid",
                                     color_scheme=match_colour(card["level"], LEVEL_COLOURS,
                                                             "gray")),
                            rx.text(card["label_text"], size="1"),
                            align="center",
                        ),
                    ),
                    rx.text(card["when"], size="1", color_scheme="gray"),
                    rx.text(card.get("extra", ""), size="1", color_scheme="gray"),
                    spacing="1",
                ),
                role="group",
                aria_label=card["title"],
            ),
        ),
        columns=rx.breakpoints(initial="1", sm="3"),
        spacing="3",
        width="100%",
    )  # fmt: skip


def activity_card() -> rx.Component:
    return _card(
        "dash.exercise_week",
        rx.text(DashboardState.who_text, size="2"),
        rx.progress(value=DashboardState.who_pct, max=100,
                    aria_label=AppState.t["dash.exercise_week"]),
        rx.hstack(
            rx.foreach(
                DashboardState.shown_ranks,
                lambda rank: rx.text(
                    rx.cond(rank["shown"] != "", "★ ", ""), rank["text"], size="2",
                    color_scheme=rx.cond(rank["shown"] != "", "violet", "gray"),
                    class_name="rank-badge"),
            ),
            wrap="wrap",
            spacing="2",
        ),
    )  # fmt: skip


def empty_state() -> rx.Component:
    links = [(routes.GLUCOSE, "nav.glucose"), (routes.BLOOD_PRESSURE, "nav.bp"),
             (routes.MEALS, "nav.meals"), (routes.EXERCISE, "nav.exercise")]  # fmt: skip
    return rx.callout(
        rx.vstack(
            rx.text(AppState.t["dash.empty"]),
            rx.hstack(*[rx.link(AppState.t[key], href=route) for route, key in links],
                      spacing="4"),
        ),
        role="status",
    )  # fmt: skip


@template(route=routes.HOME, on_load=[DashboardState.load])
def home() -> rx.Component:
    return rx.vstack(
        rx.heading(AppState.greeting, size="7", as_="h1"),
        quick_actions(),
        rx.cond(~DashboardState.has_data, empty_state()),
        latest_cards(),
        rx.grid(
            today_card(),
            activity_card(),
            totals_card(),
            columns=rx.breakpoints(initial="1", md="3"),
            spacing="3",
            width="100%",
        ),
        rx.grid(
            glucose_chart(),
            bp_chart(),
            nutrition_chart(),
            exercise_chart(),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="3",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
