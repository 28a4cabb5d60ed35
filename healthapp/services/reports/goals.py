"""Daily nutrition goals: stored on the user, edited in the settings form."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from sqlmodel import Session

from healthapp.domain.errors import ValidationError
from healthapp.domain.stats import Goals
from healthapp.services import forms
from healthapp.services.ownership import existing_user

# Defaults: 2000 kcal is the reference intake on food labels (FDA, EU); 250 g carbohydrate is 50 %
# of it, 75 g protein 15 %, 65 g fat about 30 % (the ranges most dietary guidelines give). A care
# team's plan for a person with diabetes often differs, hence editable.
DEFAULT_GOALS = Goals(kcal=2000, carb_g=250, protein_g=75, fat_g=65)
GOAL_RANGES: dict[str, tuple[int, int, str]] = {
    "kcal": (800, 6000, "kcal"),
    "carb_g": (20, 800, "g"),
    "protein_g": (10, 400, "g"),
    "fat_g": (10, 300, "g"),
}
# What goals_from_form raises, per field (all in the catalogues already).
GOAL_ERROR_KEYS: tuple[str, ...] = (
    "error.value_required",
    "error.number_invalid",
    "error.out_of_range",
    "error.whole_number",
)


def goals_from_form(form: Mapping[str, Any]) -> Goals:
    """Daily goals typed in the settings form (fields kcal, carb_g, protein_g, fat_g): whole
    numbers within GOAL_RANGES. Raises forms.FormInvalid with one ValidationError per bad field."""

    def parse(name: str) -> int:
        low, high, unit = GOAL_RANGES[name]
        value = forms.integer(form, name, low=low, high=high, unit=unit)
        if value is None:  # required=True never returns None; keeps the type exact
            raise ValidationError("error.value_required", field=name)
        return value

    values = forms.collect({name: partial(parse, name) for name in GOAL_RANGES})
    return Goals(**values)


def goals_form(goals: Goals) -> dict[str, str]:
    """The settings form's initial text for `goals`."""
    return {name: str(getattr(goals, name)) for name in GOAL_RANGES}


def get_goals(db: Session, *, user_id: int) -> Goals:
    user = existing_user(db, user_id)
    return Goals(user.goal_kcal, user.goal_carb_g, user.goal_protein_g, user.goal_fat_g)


def update_goals(db: Session, *, user_id: int, form: Mapping[str, Any]) -> Goals:
    """Validate and store the user's daily goals; nothing changes when a field is wrong."""
    goals = goals_from_form(form)
    user = existing_user(db, user_id)
    user.goal_kcal, user.goal_carb_g = goals.kcal, goals.carb_g
    user.goal_protein_g, user.goal_fat_g = goals.protein_g, goals.fat_g
    db.add(user)
    db.flush()
    return goals
