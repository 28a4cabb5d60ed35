"""Meals: the meal log and its items, photo intake and quota (`photos`), private photo
storage (`storage`), quick logging (`quick`: "same as last time", last portions), the answer to
a photo (`choices`: an offered food or one the person names)."""

from healthapp.services.foods import last_portions
from healthapp.services.meals.choices import choose_photo_food, name_photo_food
from healthapp.services.meals.day_view import DayView, ItemView, MealView, PhotoView, day_meals
from healthapp.services.meals.entries import (
    MealType,
    add_item,
    add_photo,
    confirm_item,
    correct_item,
    create_meal_from_values,
    delete_item,
    delete_meal,
    meal_values,
    update_meal_from_values,
)
from healthapp.services.meals.quick import QuickMeal, quick_meals, repeat_meal

__all__ = [
    "DayView",
    "ItemView",
    "MealType",
    "MealView",
    "PhotoView",
    "QuickMeal",
    "add_item",
    "add_photo",
    "choose_photo_food",
    "confirm_item",
    "correct_item",
    "create_meal_from_values",
    "day_meals",
    "delete_item",
    "delete_meal",
    "last_portions",
    "meal_values",
    "name_photo_food",
    "quick_meals",
    "repeat_meal",
    "update_meal_from_values",
]
