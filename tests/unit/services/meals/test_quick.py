"""Quick logging (services/meals/quick.py): "same as last time" and the last portion."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from healthapp.domain.errors import NotFound, ValidationError
from healthapp.models import MealItem
from healthapp.services import meals
from tests.unit.services.meals.test_meals import NOW, db, estimate, meal, user

__all__ = ["db"]  # the fixture, imported to be found here


def add(db: Session, uid: int, meal_id: int, food_id: str, grams: str) -> None:
    meals.add_item(db, user_id=uid, meal_id=meal_id, form={"food_id": food_id, "grams": grams})


def test_frequent_meals_come_first_then_recent_ones(db: Session) -> None:
    uid, prefs = user(db, "alice")
    for day in ("2026-11-20", "2026-11-22", "2026-11-24"):  # kimchi and espresso, three times
        meal_id = meal(db, uid, prefs, when=f"{day}T12:30")
        add(db, uid, meal_id, "fndds_kimchi", "100")
        add(db, uid, meal_id, "fndds_coffee_espresso", "30")
    newest = meal(db, uid, prefs, when="2026-11-28T08:00", kind="breakfast")
    add(db, uid, newest, "fndds_kimchi", "250")  # other grams: another meal
    offered = meals.quick_meals(db, user_id=uid)
    assert [(q.foods, q.times) for q in offered] == [
        ((("fndds_kimchi", 100.0), ("fndds_coffee_espresso", 30.0)), 3),
        ((("fndds_kimchi", 250.0),), 1),
    ]
    assert offered[0].meal_type == "lunch"
    assert offered[0].last_eaten_at.date().isoformat() == "2026-11-24"
    assert offered[1].names_en[0].lower().startswith("kimchi")


def test_guesses_nobody_looked_at_are_not_offered_and_others_meals_never(db: Session) -> None:
    alice, prefs = user(db, "alice")
    bob, bob_prefs = user(db, "bob")
    estimate(db, alice, meal(db, alice, prefs))  # only the model's guess
    add(db, bob, meal(db, bob, bob_prefs), "fndds_kimchi", "100")
    assert meals.quick_meals(db, user_id=alice) == []
    assert [q.foods for q in meals.quick_meals(db, user_id=bob)] == [(("fndds_kimchi", 100.0),)]


def test_repeating_a_meal_logs_its_known_foods_now(db: Session) -> None:
    uid, prefs = user(db, "alice")
    source = meal(db, uid, prefs, kind="dinner")
    add(db, uid, source, "fndds_kimchi", "120")
    estimate(db, uid, source)  # not looked at: not repeated
    repeated = meals.repeat_meal(db, user_id=uid, meal_id=source, now=NOW + timedelta(days=1))
    assert repeated.id != source
    assert (repeated.meal_type, repeated.eaten_at) == ("dinner", NOW + timedelta(days=1))
    items = db.exec(select(MealItem).where(MealItem.meal_id == repeated.id)).all()
    assert [(i.food_id, i.grams, i.source, i.user_id) for i in items] == [
        ("fndds_kimchi", 120.0, "manual", uid)
    ]
    assert items[0].carb_g > 0


def test_another_users_meal_cannot_be_repeated_and_an_empty_one_says_so(db: Session) -> None:
    alice, prefs = user(db, "alice")
    mallory, _ = user(db, "mallory")
    alices = meal(db, alice, prefs)
    add(db, alice, alices, "fndds_kimchi", "100")
    with pytest.raises(NotFound):
        meals.repeat_meal(db, user_id=mallory, meal_id=alices)
    with pytest.raises(ValidationError) as refused:
        meals.repeat_meal(db, user_id=alice, meal_id=meal(db, alice, prefs))
    assert refused.value.key == "error.meal_nothing_to_repeat"
    assert len(db.exec(select(MealItem).where(MealItem.user_id == mallory)).all()) == 0


def test_each_food_defaults_to_the_persons_last_portion(db: Session) -> None:
    alice, prefs = user(db, "alice")
    bob, bob_prefs = user(db, "bob")
    add(db, alice, meal(db, alice, prefs, when="2026-11-20T12:00"), "fndds_kimchi", "80")
    add(db, alice, meal(db, alice, prefs, when="2026-11-21T12:00"), "fndds_kimchi", "140")
    add(db, bob, meal(db, bob, bob_prefs), "fndds_coffee_espresso", "60")
    estimate(db, alice, meal(db, alice, prefs))  # alice's espresso: a guess, not a portion
    wanted = ["fndds_kimchi", "fndds_coffee_espresso", "nope"]
    assert meals.last_portions(db, user_id=alice, food_ids=wanted) == {"fndds_kimchi": 140.0}
    assert meals.last_portions(db, user_id=bob, food_ids=wanted) == {"fndds_coffee_espresso": 60.0}
    assert meals.last_portions(db, user_id=alice, food_ids=[]) == {}
