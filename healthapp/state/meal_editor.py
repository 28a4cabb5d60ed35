"""The meal page's food editor: correct an item, or add a searched food to a meal.

A substate of MealsState: it reads the day's meals and reuses the page's unit of work, and its
own fields travel only while the editor is in use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from healthapp.services import foods, meals
from healthapp.state.meals import MealsState


@dataclass
class FoodOption:
    id: str
    name: str
    portion: str


class MealEditorState(MealsState):
    correcting_item: int = 0
    adding_to_meal: int = 0
    chosen_food: str = ""
    chosen_name: str = ""
    grams: str = ""
    query: str = ""
    results: list[FoodOption] = []

    def _close(self) -> None:
        self.correcting_item = self.adding_to_meal = 0
        self.chosen_food = self.chosen_name = self.grams = self.query = ""
        self.results = []

    @rx.event
    def open_correction(self, item_id: int) -> None:
        self._clear_messages()
        self._close()
        for meal in self.meals:
            for item in meal.foods:
                if item.id == int(item_id):
                    self.correcting_item = item.id
                    self.chosen_food, self.grams = item.food_id, item.grams
                    self.chosen_name = self._food_name(item.name_en, item.name_ko)
                    # the model's other guesses for this photo come first
                    self.results = [
                        FoodOption(c.food_id, f"{self._food_name(c.name_en, c.name_ko)} "
                                   f"({c.score})", "")
                        for c in item.candidates
                    ]  # fmt: skip

    @rx.event
    def open_add(self, meal_id: int) -> None:
        self._clear_messages()
        self._close()
        self.adding_to_meal = int(meal_id)

    @rx.event
    def close_editor(self) -> None:
        self._close()

    def _food_name(self, name_en: str, name_ko: str) -> str:
        return name_ko if self.current_lang == "ko" and name_ko else name_en

    @rx.event
    async def search(self, query: str) -> None:
        self.query = query
        text = query

        def work(db: Session, _user_id: int) -> list[FoodOption]:
            return [
                FoodOption(f.id, self._food_name(f.name_en, f.name_ko),
                           f"{f.default_portion_g:g} g")
                for f in foods.search_foods(db, text)
            ]  # fmt: skip

        results = await self._if_signed_in(work)
        if results is not None:
            self.results = results

    @rx.event
    def choose_food(self, food_id: str, name: str) -> None:
        self.chosen_food, self.chosen_name = food_id, name

    @rx.event
    def set_grams(self, value: str) -> None:
        self.grams = value

    @rx.event
    async def save_editor(self) -> Any:
        form = {"food_id": self.chosen_food, "grams": self.grams}
        item, meal = self.correcting_item, self.adding_to_meal
        if item:
            work: Any = lambda db, uid: meals.correct_item(db, user_id=uid, item_id=item, form=form)  # noqa: E731
            done = "meals.corrected"
        else:
            work = lambda db, uid: meals.add_item(db, user_id=uid, meal_id=meal, form=form)  # noqa: E731
            done = "meals.item_added"
        result = await self._run(work, done)
        if not self.errors:
            self._close()
        return result
