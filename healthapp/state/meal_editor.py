"""The meal page's food editor: correct an item, add a searched food to a meal, or name what a
photo shows when the model could not (the photo then teaches the app the person's dish).

A substate of MealsState: it reads the day's meals and reuses the page's unit of work, and its
own fields travel only while the editor is in use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import reflex as rx
from sqlmodel import Session

from healthapp.i18n import translate
from healthapp.models import Food
from healthapp.services import foods, meals
from healthapp.state.meals import MealsState


@dataclass
class FoodOption:
    id: str
    name: str
    portion: str  # what the list shows: "30 g (1 slice)"
    grams: str  # filled in when the food is chosen: the person's last portion, or USDA's


class MealEditorState(MealsState):
    correcting_item: int = 0
    adding_to_meal: int = 0
    naming_photo: int = 0
    chosen_food: str = ""
    chosen_name: str = ""
    grams: str = ""
    query: str = ""
    results: list[FoodOption] = []
    # True once a typed query found nothing: the list says so instead of staying empty.
    no_match: bool = False
    # The list shows the person's recent and frequent foods (nothing typed yet).
    suggesting: bool = False
    _grams_typed: bool = False

    def _close(self) -> None:
        self.correcting_item = self.adding_to_meal = self.naming_photo = 0
        self.chosen_food = self.chosen_name = self.grams = self.query = ""
        self.results = []
        self.no_match = self.suggesting = self._grams_typed = False

    def _options(self, db: Session, user_id: int, found: list[Food]) -> list[FoodOption]:
        """The list's foods, each with the portion it starts with: the person's own last one
        when they have had it, else USDA's."""
        last = meals.last_portions(db, user_id=user_id, food_ids=[food.id for food in found])
        return [self._option(food, last.get(food.id)) for food in found]

    def _option(self, food: Food, last_grams: float | None) -> FoodOption:
        name = self._food_name(food.name_en, food.name_ko)
        if last_grams is not None:
            grams = f"{last_grams:g}"
            return FoodOption(food.id, name,
                              translate(self.current_lang, "meals.last_portion", grams=grams),
                              grams)  # fmt: skip
        grams = f"{food.default_portion_g:g}"
        # USDA's portion names are English only
        named = food.portion_name and self.current_lang == "en"
        portion = f"{grams} g ({food.portion_name})" if named else f"{grams} g"
        return FoodOption(food.id, name, portion, grams)

    async def _suggest(self) -> None:
        found = await self._if_signed_in(
            lambda db, uid: self._options(db, uid, foods.suggested_foods(db, user_id=uid))
        )
        self.results = found or []
        self.suggesting = bool(found)

    @rx.event
    def open_correction(self, item_id: int) -> None:
        self._clear_messages()
        self._close()
        for meal in self.meals:
            for item in meal.foods:
                if item.id == int(item_id):
                    self.correcting_item = item.id
                    self._grams_typed = True  # the item's own portion stays unless changed
                    self.chosen_food, self.grams = item.food_id, item.grams
                    self.chosen_name = self._food_name(item.name_en, item.name_ko)
                    # the model's other guesses for this photo come first
                    self.results = [
                        FoodOption(c.food_id, self._food_name(c.name_en, c.name_ko), c.score, "")
                        for c in item.candidates
                    ]

    @rx.event
    async def open_add(self, meal_id: int) -> None:
        self._clear_messages()
        self._close()
        self.adding_to_meal = int(meal_id)
        await self._suggest()

    @rx.event
    async def open_naming(self, photo_id: int) -> None:
        """ "Another food": the search for a photo the model was unsure of (or wrong about)."""
        self._clear_messages()
        self._close()
        self.naming_photo = int(photo_id)
        await self._suggest()

    @rx.event
    def close_editor(self) -> None:
        self._close()

    def _food_name(self, name_en: str, name_ko: str) -> str:
        return name_ko if self.current_lang == "ko" and name_ko else name_en

    @rx.event
    async def search(self, query: str) -> None:
        self.query = text = str(query)
        if len(text.strip()) < foods.MIN_QUERY_LENGTH:
            self.no_match = False
            if self.adding_to_meal or self.naming_photo:
                await self._suggest()
            return

        def work(db: Session, user_id: int) -> list[FoodOption]:
            return self._options(db, user_id, foods.search_foods(db, text, user_id=user_id))

        results = await self._if_signed_in(work)
        if results is not None:
            self.results, self.suggesting, self.no_match = results, False, not results

    @rx.event
    def choose_food(self, food_id: str) -> None:
        """A food from the list: its name, and for a new item its default portion (USDA's
        portion weight) unless grams were typed (or the item being corrected has its own)."""
        for option in self.results:
            if option.id == str(food_id):
                self.chosen_food = option.id
                self.chosen_name = option.name
                if not self._grams_typed and option.grams:
                    self.grams = option.grams

    @rx.event
    def set_grams(self, value: str) -> None:
        self.grams = value
        self._grams_typed = True

    @rx.event
    async def save_editor(self) -> Any:
        form = {"food_id": self.chosen_food, "grams": self.grams}
        item, meal, photo = self.correcting_item, self.adding_to_meal, self.naming_photo
        if item:
            work: Any = lambda db, uid: meals.correct_item(db, user_id=uid, item_id=item, form=form)  # noqa: E731
            done = "meals.corrected"
        elif photo:
            work = lambda db, uid: meals.name_photo_food(db, user_id=uid, photo_id=photo, form=form)  # noqa: E731
            done = "meals.choice_added"
        else:
            work = lambda db, uid: meals.add_item(db, user_id=uid, meal_id=meal, form=form)  # noqa: E731
            done = "meals.item_added"
        result = await self._run(work, done)
        if not self.errors:
            self._close()
        return result
