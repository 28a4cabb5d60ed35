"""Meals: the meal log and its items, photo intake and quota (`photos`), private photo
storage (`storage`)."""

from healthapp.services.meals.entries import (
    DayView,
    ItemView,
    MealType,
    MealView,
    PhotoView,
    add_item,
    add_photo,
    confirm_item,
    correct_item,
    create_meal_from_values,
    day_meals,
    delete_item,
    delete_meal,
    meal_values,
    update_meal_from_values,
)

__all__ = [
    "DayView",
    "ItemView",
    "MealType",
    "MealView",
    "PhotoView",
    "add_item",
    "add_photo",
    "confirm_item",
    "correct_item",
    "create_meal_from_values",
    "day_meals",
    "delete_item",
    "delete_meal",
    "meal_values",
    "update_meal_from_values",
]
