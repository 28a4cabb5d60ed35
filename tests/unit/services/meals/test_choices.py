"""An unsure photo's choices (services/meals/choices.py) and how the meal page shows them."""

from uuid import uuid4

import pytest
from sqlmodel import Session, select

from healthapp.domain.errors import NotFound, ValidationError
from healthapp.models import AnalysisJob, MealItem, MealPhoto
from healthapp.services import meals
from tests.unit.services.meals.test_meals import NOW, db, meal, user

__all__ = ["db"]  # the fixture, imported to be found here

APPLE, PEPPER = "fdn_apples_granny_smith_with_skin_raw", "sr_peppers_sweet_red_raw"


def unsure_photo(db: Session, uid: int, meal_id: int) -> int:
    """What the worker leaves behind when the model was unsure: choices, no item."""
    photo = MealPhoto(meal_id=meal_id, user_id=uid, storage_key=f"ab/{uuid4().hex}.jpg",
                      content_type="image/jpeg", width=10, height=10, size_bytes=1)  # fmt: skip
    db.add(photo)
    db.flush()
    choices = [{"food_id": APPLE, "score": 0.57}, {"food_id": PEPPER, "score": 0.08}]
    db.add(AnalysisJob(photo_id=photo.id, user_id=uid, status="done",
                       error_key="analysis.unsure",
                       result={"decision": "choices", "choices": choices,
                               "candidates": choices}))  # fmt: skip
    db.flush()
    assert photo.id is not None
    return photo.id


def test_the_page_offers_the_choices_until_one_is_picked(db: Session) -> None:
    uid, prefs = user(db, "alice")
    meal_id = meal(db, uid, prefs)
    photo_id = unsure_photo(db, uid, meal_id)
    [view] = meals.day_meals(db, user_id=uid, prefs=prefs, day=NOW.date()).meals
    assert [(c.food_id, c.score) for c in view.photos[0].choices] == [
        (APPLE, "57 %"),
        (PEPPER, "8 %"),
    ]
    assert view.foods == []
    item = meals.choose_photo_food(db, user_id=uid, photo_id=photo_id, food_id=PEPPER)
    assert (item.food_id, item.grams, item.source, item.photo_id) == (
        PEPPER, 149.0, "confirmed", photo_id,
    )  # fmt: skip
    [view] = meals.day_meals(db, user_id=uid, prefs=prefs, day=NOW.date()).meals
    assert view.photos[0].choices == []
    assert [f.food_id for f in view.foods] == [PEPPER]
    assert view.foods[0].confidence == ""  # the person's choice, not an estimate


def test_a_second_pick_changes_the_same_item_and_uses_the_last_portion(db: Session) -> None:
    uid, prefs = user(db, "alice")
    meal_id = meal(db, uid, prefs)
    meals.add_item(db, user_id=uid, meal_id=meal_id, form={"food_id": APPLE, "grams": "120"})
    photo_id = unsure_photo(db, uid, meal_id)
    meals.choose_photo_food(db, user_id=uid, photo_id=photo_id, food_id=PEPPER)
    meals.choose_photo_food(db, user_id=uid, photo_id=photo_id, food_id=APPLE)
    items = db.exec(select(MealItem).where(MealItem.photo_id == photo_id)).all()
    assert [(i.food_id, i.grams) for i in items] == [(APPLE, 120.0)]


def test_only_an_offered_food_of_ones_own_photo(db: Session) -> None:
    alice, prefs = user(db, "alice")
    bob, _ = user(db, "bob")
    photo_id = unsure_photo(db, alice, meal(db, alice, prefs))
    with pytest.raises(ValidationError) as info:
        meals.choose_photo_food(db, user_id=alice, photo_id=photo_id, food_id="fndds_kimchi")
    assert info.value.key == "error.choice_not_offered"
    with pytest.raises(NotFound):
        meals.choose_photo_food(db, user_id=bob, photo_id=photo_id, food_id=APPLE)
    assert db.exec(select(MealItem)).all() == []
