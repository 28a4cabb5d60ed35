"""The meal log: log a meal with photos (or without), watch the analysis, confirm or correct."""

from collections.abc import Sequence

import reflex as rx
from reflex.vars import ObjectVar

from healthapp import routes
from healthapp.components.forms import form_alert
from healthapp.components.layout import template
from healthapp.components.photo_picker import camera_button, drop_zone, thumbnails
from healthapp.components.photo_tile import photo_tile
from healthapp.components.props import Colour, match_colour
from healthapp.components.quick_add import focus_on_arrival
from healthapp.components.quick_meals import quick_meals
from healthapp.components.records import confirm_dialog
from healthapp.components.tables import cell, header_row, stacked_table
from healthapp.config import get_settings
from healthapp.services.meals import ItemView, MealType, MealView
from healthapp.state.base import AppState
from healthapp.state.meal_editor import MealEditorState
from healthapp.state.meals import UPLOAD_ID, MealsState

SOURCE_COLOURS: dict[str, Colour] = {"estimate": "amber", "confirmed": "green", "manual": "blue"}
PHOTO_TYPES: dict[str, Sequence[str]] = {
    "image/jpeg": [".jpg", ".jpeg"],
    "image/png": [".png"],
    "image/webp": [".webp"],
}


def _label(text_key: str, html_for: str) -> rx.Component:
    return rx.el.label(AppState.t[text_key], html_for=html_for, class_name="field-label")


def new_meal_form() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(
                rx.cond(MealsState.editing_meal > 0, AppState.t["meals.edit_title"],
                        AppState.t["meals.new_title"]),
                size="4",
                as_="h2",
            ),
            form_alert(MealsState),
            rx.grid(
                rx.vstack(
                    _label("meals.field.eaten_at", "meal-eaten_at"),
                    rx.input(
                        id="meal-eaten_at",
                        type="datetime-local",
                        value=MealsState.new_eaten_at,
                        on_change=MealsState.set_new_eaten_at,
                        aria_invalid=rx.cond(
                            MealsState.error_texts.get("eaten_at", "") != "", "true", "false"
                        ),
                        aria_describedby="meal-eaten_at-help meal-eaten_at-error",
                    ),
                    rx.text(rx.cond((MealsState.editing_meal > 0) | MealsState.eaten_at_edited, "",
                                    AppState.t["records.time_now_help"]),
                            id="meal-eaten_at-help", size="1", color_scheme="gray"),
                    rx.text(MealsState.error_texts.get("eaten_at", ""), id="meal-eaten_at-error",
                            color_scheme="red", size="2", role="alert"),
                    spacing="1",
                ),
                rx.vstack(
                    _label("meals.field.meal_type", "meal-meal_type"),
                    rx.el.select(
                        *[rx.el.option(AppState.t[t.label_key], value=t.value) for t in MealType],
                        id="meal-meal_type",
                        value=MealsState.new_meal_type,
                        on_change=MealsState.set_new_meal_type,
                        class_name="native-select",
                    ),
                    spacing="1",
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            rx.text(AppState.t["meals.field.photos"], class_name="field-label", id="photos-label"),
            camera_button(UPLOAD_ID),
            drop_zone(
                rx.vstack(
                    rx.button(AppState.t["meals.choose_photos"], type="button", variant="soft",
                              aria_describedby="photos-label"),
                    rx.text(AppState.t["meals.photos_help"], size="1", color_scheme="gray"),
                    align="center",
                    spacing="1",
                ),
                id=UPLOAD_ID,
                accept=PHOTO_TYPES,
                multiple=True,
                max_files=get_settings().upload_max_files,
                max_size=get_settings().photo_max_bytes,
                # a BMP, SVG or TIFF (or too big, too many) is named, not left out in silence
                on_drop_rejected=MealsState.photos_refused,
                border="1px dashed var(--gray-a7)",
                padding="1em",
                width="100%",
            ),
            thumbnails(UPLOAD_ID),
            rx.text(MealsState.error_texts.get("photos", ""), color_scheme="red", size="2",
                    role="alert"),
            _label("records.field.note", "meal-note"),
            rx.text_area(id="meal-note", value=MealsState.new_note,
                         on_change=MealsState.set_new_note, max_length=500, rows="2",
                         width="100%"),
            rx.hstack(
                rx.button(
                    rx.cond(MealsState.editing_meal > 0, AppState.t["records.save_changes"],
                            AppState.t["meals.save"]),
                    loading=MealsState.saving,
                    on_click=MealsState.save_meal(rx.upload_files(upload_id=UPLOAD_ID)),
                ),
                rx.cond(
                    MealsState.editing_meal > 0,
                    rx.button(AppState.t["common.cancel"], variant="soft", color_scheme="gray",
                              on_click=MealsState.cancel_edit_meal),
                ),
                spacing="3",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )  # fmt: skip


def _food_name(item: ObjectVar[ItemView]) -> rx.Var:
    return rx.cond((AppState.current_lang == "ko") & (item.name_ko != ""), item.name_ko,
                   item.name_en)  # fmt: skip


ITEM_COLUMNS = [
    "meals.col_food",
    "meals.col_grams",
    "meals.col_kcal",
    "meals.col_carb",
    "meals.col_protein",
    "meals.col_fat",
    "meals.col_source",
    "records.col_actions",
]


def item_row(item: ObjectVar[ItemView]) -> rx.Component:
    food, grams, kcal, carb, protein, fat, source, actions = ITEM_COLUMNS
    return rx.table.row(
        cell(food, rx.vstack(
            rx.text(_food_name(item), weight="medium"),
            rx.cond(item.confidence != "", rx.text(
                AppState.t["meals.confidence"], " ", item.confidence, " · ",
                AppState.t["meals.carb_range"], " ", item.carb_range,
                size="1", color_scheme="gray", class_name="estimate-figures")),
            spacing="0")),
        cell(grams, item.grams),
        cell(kcal, item.kcal),
        cell(carb, item.carb_g),
        cell(protein, item.protein_g),
        cell(fat, item.fat_g),
        cell(source,
             rx.badge(AppState.t[item.source_key],
                      color_scheme=match_colour(item.source, SOURCE_COLOURS, "gray"))),
        cell(
            actions,
            rx.hstack(
                rx.cond(
                    item.source == "estimate",
                    rx.button(AppState.t["meals.confirm"], size="1", variant="soft",
                              color_scheme="green", on_click=MealsState.confirm_item(item.id)),
                ),
                rx.button(AppState.t["meals.correct"], size="1", variant="soft",
                          on_click=MealEditorState.open_correction(item.id)),
                rx.button(AppState.t["meals.remove"], size="1", variant="soft",
                          color_scheme="red", on_click=MealsState.ask_remove_item(item.id)),
                spacing="2",
                wrap="wrap",
            ),
        ),
        data_item_id=item.id,
    )  # fmt: skip


def meal_card(meal: ObjectVar[MealView]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(
                    rx.hstack(
                        rx.el.span(meal.time),
                        rx.el.span(AppState.t["meals.type." + meal.meal_type.to(str)]),
                        spacing="2",
                    ),
                    size="4",
                    as_="h3",
                ),
                rx.spacer(),
                rx.text(MealsState.meal_totals[meal.id.to_string()], weight="medium",
                        class_name="meal-total"),
                rx.cond(meal.has_estimate,
                        rx.badge(AppState.t["meals.estimate_badge"], color_scheme="amber")),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.cond(meal.note != "", rx.text(meal.note, size="2", color_scheme="gray")),
            rx.hstack(rx.foreach(meal.photos, photo_tile), spacing="3", wrap="wrap"),
            rx.cond(
                meal.foods.length() > 0,
                stacked_table(header_row(ITEM_COLUMNS),
                              rx.table.body(rx.foreach(meal.foods, item_row)), size="1"),
            ),
            rx.hstack(
                rx.button(AppState.t["meals.add_food"], size="1", variant="soft",
                          on_click=MealEditorState.open_add(meal.id)),
                rx.button(AppState.t["meals.edit_meal"], size="1", variant="soft",
                          on_click=MealsState.start_edit_meal(meal.id)),
                rx.button(AppState.t["meals.delete_meal"], size="1", variant="ghost",
                          color_scheme="red", on_click=MealsState.ask_delete_meal(meal.id)),
                spacing="2",
                wrap="wrap",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_meal_id=meal.id,
        aria_label=AppState.t["meals.type." + meal.meal_type.to(str)],
        role="region",
    )  # fmt: skip


def editor() -> rx.Component:
    """Correct an item (another top-5 guess, a searched food, another portion) or add a food."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(rx.cond(MealEditorState.correcting_item > 0,
                                    AppState.t["meals.correct_title"],
                                    rx.cond(MealEditorState.naming_photo > 0,
                                            AppState.t["meals.name_title"],
                                            AppState.t["meals.add_title"]))),
            rx.vstack(
                form_alert(MealsState),
                _label("meals.search", "food-search"),
                rx.input(id="food-search", type="search", value=MealEditorState.query,
                         on_change=MealEditorState.search.debounce(250),
                         placeholder=AppState.t["meals.search_placeholder"]),
                rx.cond(MealEditorState.suggesting,
                        rx.text(AppState.t["meals.suggested"], size="2", weight="medium")),
                rx.cond(MealEditorState.no_match,
                        rx.callout(AppState.t["meals.no_match"], role="status", size="1",
                                   color_scheme="amber", id="food-no-match")),
                rx.el.ul(
                    rx.foreach(
                        MealEditorState.results,
                        lambda food: rx.el.li(
                            rx.button(
                                food.name,
                                variant=rx.cond(MealEditorState.chosen_food == food.id, "solid",
                                                "outline"),
                                size="1",
                                on_click=MealEditorState.choose_food(food.id),
                                aria_pressed=rx.cond(MealEditorState.chosen_food == food.id, "true",
                                                     "false"),
                            ),
                            rx.text(food.portion, size="1", color_scheme="gray", as_="span",
                                    margin_left="0.5em"),
                        ),
                    ),
                    class_name="food-results",
                    aria_label=AppState.t["meals.results"],
                ),
                rx.text(AppState.t["meals.chosen"], " ", MealEditorState.chosen_name, size="2"),
                _label("meals.grams", "food-grams"),
                rx.input(id="food-grams", value=MealEditorState.grams, input_mode="decimal",
                         on_change=MealEditorState.set_grams,
                         aria_describedby="food-grams-error"),
                rx.text(MealsState.error_texts.get("grams", ""), id="food-grams-error",
                        color_scheme="red", size="2", role="alert"),
                rx.text(MealsState.error_texts.get("food_id", ""), color_scheme="red", size="2",
                        role="alert"),
                rx.hstack(
                    rx.dialog.close(rx.button(AppState.t["common.cancel"], variant="soft",
                                              color_scheme="gray")),
                    rx.button(AppState.t["meals.save_item"], on_click=MealEditorState.save_editor),
                    justify="end",
                    spacing="3",
                    width="100%",
                ),
                spacing="2",
            ),
        ),
        open=(MealEditorState.correcting_item > 0) | (MealEditorState.adding_to_meal > 0)
        | (MealEditorState.naming_photo > 0),
        on_open_change=lambda _open: MealEditorState.close_editor(),
    )  # fmt: skip


def remove_item_dialog() -> rx.Component:
    return confirm_dialog(
        title_key="meals.remove_title",
        text_key="meals.remove_text",
        confirm_key="meals.remove",
        is_open=MealsState.remove_item_id > 0,
        on_open_change=MealsState.set_remove_item_open,
        on_confirm=MealsState.delete_item,
    )


def delete_meal_dialog() -> rx.Component:
    return confirm_dialog(
        title_key="meals.delete_title",
        text_key="meals.delete_text",
        confirm_key="records.delete_confirm",
        is_open=MealsState.delete_meal_id > 0,
        on_open_change=MealsState.set_delete_meal_open,
        on_confirm=MealsState.delete_meal,
    )


@template(route=routes.MEALS, on_load=[MealsState.load, MealEditorState.close_editor])
def meals_page() -> rx.Component:
    return rx.vstack(
        rx.heading(AppState.t["meals.title"], size="7", as_="h1"),
        rx.text(AppState.t["meals.intro"], color_scheme="gray"),
        new_meal_form(),
        quick_meals(),
        rx.hstack(
            rx.button(AppState.t["meals.prev_day"], variant="soft",
                      on_click=MealsState.shift_day(-1)),
            rx.input(type="date", value=MealsState.day, on_change=MealsState.set_day,
                     aria_label=AppState.t["meals.day"]),
            rx.button(AppState.t["meals.next_day"], variant="soft",
                      on_click=MealsState.shift_day(1)),
            align="center",
            spacing="3",
            wrap="wrap",
        ),
        rx.text(MealsState.day_text, weight="bold", id="day-totals", role="status"),
        rx.cond(
            MealsState.meals.length() > 0,
            rx.vstack(rx.foreach(MealsState.meals, meal_card), spacing="3", width="100%"),
            rx.callout(AppState.t["meals.empty"]),
        ),
        editor(),
        delete_meal_dialog(),
        remove_item_dialog(),
        spacing="4",
        width="100%",
        # the dashboard's "add a meal photo": straight to the photo picker
        on_mount=focus_on_arrival('[aria-describedby="photos-label"]'),
    )  # fmt: skip
