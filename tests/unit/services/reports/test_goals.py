"""Daily nutrition goals: defaults, the settings form, validation."""

import pytest
from sqlmodel import Session

from healthapp.domain import stats
from healthapp.services import reports
from healthapp.services.forms import FormInvalid
from tests.unit.services.reports.conftest import make_user


def test_goals_default_and_update(db: Session) -> None:
    uid, _ = make_user(db, "UTC")
    assert reports.get_goals(db, user_id=uid) == reports.DEFAULT_GOALS
    assert stats.Goals(2000, 250, 75, 65) == reports.DEFAULT_GOALS
    assert reports.goals_form(reports.DEFAULT_GOALS) == {
        "kcal": "2000",
        "carb_g": "250",
        "protein_g": "75",
        "fat_g": "65",
    }
    goals = reports.update_goals(
        db, user_id=uid, form={"kcal": " 1800 ", "carb_g": "180", "protein_g": "100", "fat_g": "70"}
    )
    assert goals == stats.Goals(1800, 180, 100, 70) == reports.get_goals(db, user_id=uid)


def test_goals_form_errors(db: Session) -> None:
    uid, _ = make_user(db, "UTC")
    form = {"kcal": "", "carb_g": "abc", "protein_g": "9999", "fat_g": "60.5"}
    with pytest.raises(FormInvalid) as info:
        reports.update_goals(db, user_id=uid, form=form)
    errors = info.value.errors
    assert {name: e.key for name, e in errors.items()} == {
        "kcal": "error.value_required",
        "carb_g": "error.number_invalid",
        "protein_g": "error.out_of_range",
        "fat_g": "error.whole_number",
    }
    assert errors["protein_g"].params == {"min": 10, "max": 400, "unit": "g"}
    assert set(e.key for e in errors.values()) <= set(reports.GOAL_ERROR_KEYS)
    assert reports.get_goals(db, user_id=uid) == reports.DEFAULT_GOALS  # nothing changed


def test_goals_of_a_missing_user(db: Session) -> None:
    with pytest.raises(LookupError):
        reports.get_goals(db, user_id=12345)
