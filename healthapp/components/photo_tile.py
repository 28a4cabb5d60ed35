"""A meal photo on the meal page: its analysis status, and what the person can answer for it:
the food of their own nearest example ("looks like your 김치찌개, 350 g"), the model's top
foods when it was unsure, or another food from the search (which teaches the app the dish)."""

import reflex as rx
from reflex.vars import ObjectVar

from healthapp.components.props import Colour, match_colour
from healthapp.services.meals import PhotoView
from healthapp.services.meals.day_view import Candidate
from healthapp.state.base import AppState
from healthapp.state.meal_editor import MealEditorState
from healthapp.state.meals import MealsState

STATUS_COLOURS: dict[str, Colour] = {
    "queued": "gray",
    "analysing": "blue",
    "done": "green",
    "failed": "red",
}


def _name(name_en: rx.Var, name_ko: rx.Var) -> rx.Var:
    return rx.cond((AppState.current_lang == "ko") & (name_ko != ""), name_ko, name_en)


def _choice_name(choice: ObjectVar[Candidate]) -> rx.Var:
    return _name(choice.name_en, choice.name_ko)


def _personal(photo: ObjectVar[PhotoView]) -> rx.Component:
    return rx.cond(
        photo.personal_food_id != "",
        rx.button(
            AppState.t["meals.looks_like_yours"], " ",
            _name(photo.personal_name_en, photo.personal_name_ko), " · ", photo.personal_grams,
            " ", AppState.t["meals.grams_unit"],
            size="1", color_scheme="green", width="100%", white_space="normal", height="auto",
            on_click=MealsState.choose_food(photo.id, photo.personal_food_id),
            class_name="personal-match", data_choice=photo.personal_food_id,
        ),
    )  # fmt: skip


def _answers(photo: ObjectVar[PhotoView]) -> rx.Component:
    """Shown while the photo's food is not the person's own answer yet."""
    return rx.cond(
        (photo.personal_food_id != "") | photo.unanswered,
        rx.vstack(
            _personal(photo),
            rx.foreach(photo.choices, lambda choice: rx.button(
                _choice_name(choice), " · ", choice.score, size="1", variant="soft",
                width="100%", white_space="normal", height="auto",
                on_click=MealsState.choose_food(photo.id, choice.food_id),
                data_choice=choice.food_id)),
            rx.cond(photo.unanswered,
                    rx.button(AppState.t["meals.another_food"], size="1", variant="outline",
                              width="100%", on_click=MealEditorState.open_naming(photo.id),
                              class_name="another-food")),
            spacing="1",
            width="100%",
            role="group",
            aria_label=AppState.t["meals.choices"],
        ),
    )  # fmt: skip


def photo_tile(photo: ObjectVar[PhotoView]) -> rx.Component:
    return rx.vstack(
        rx.image(src=photo.url, alt=AppState.t["meals.photo_alt"], width="120px",
                 height="120px", object_fit="cover", border_radius="8px"),
        rx.badge(
            AppState.t["meals.status." + photo.status.to(str)],
            color_scheme=match_colour(photo.status, STATUS_COLOURS, "gray"),
            role="status",
        ),
        rx.cond(
            photo.status == "failed",
            rx.vstack(
                rx.text(AppState.t.get(photo.error_key, ""), size="1", color_scheme="red"),
                rx.button(AppState.t["meals.retry"], size="1", variant="soft",
                          on_click=MealsState.retry_job(photo.job_id)),
            ),
        ),
        rx.cond(
            (photo.status == "done") & (photo.error_key != ""),
            rx.text(AppState.t.get(photo.error_key, ""), size="1", color_scheme="gray"),
        ),
        _answers(photo),
        spacing="1",
        align="center",
        width="140px",
    )  # fmt: skip
