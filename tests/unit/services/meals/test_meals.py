from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from healthapp.domain.errors import NotFound
from healthapp.models import AnalysisJob, Meal, MealItem, MealPhoto, User
from healthapp.services import meals, preferences
from healthapp.services.forms import FormInvalid
from healthapp.services.meals.storage import LocalPhotoStorage

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
PREFS = {"glucose_unit": "mg/dL", "bp_standard": "auto", "timezone": "Asia/Seoul",
         "weight_kg": "", "hba1c_target": "7", "language": "en"}  # fmt: skip


@pytest.fixture
def db(engine: Engine) -> Session:
    with Session(engine) as session:
        yield session


def user(db: Session, login: str) -> tuple[int, preferences.Preferences]:
    row = User(login=login, password_hash="x")
    db.add(row)
    db.flush()
    assert row.id is not None
    return row.id, preferences.update_preferences(db, user_id=row.id, form=PREFS)


def meal(db: Session, uid: int, prefs: preferences.Preferences, when: str = "2026-11-29T12:30",
         kind: str = "lunch") -> int:  # fmt: skip
    values = meals.meal_values({"eaten_at": when, "meal_type": kind}, prefs, NOW)
    row = meals.create_meal_from_values(db, user_id=uid, values=values)
    assert row.id is not None
    return row.id


def estimate(db: Session, uid: int, meal_id: int) -> int:
    """What the worker leaves behind for a recognised espresso photo."""
    photo = MealPhoto(meal_id=meal_id, user_id=uid, storage_key="ab/" + "a" * 32 + ".jpg",
                      content_type="image/jpeg", width=10, height=10, size_bytes=1)  # fmt: skip
    db.add(photo)
    db.flush()
    db.add(AnalysisJob(photo_id=photo.id, user_id=uid, status="done",
                       result={"candidates": [
                           {"food_id": "fndds_coffee_espresso", "score": 0.95},
                           {"food_id": "fndds_coffee_brewed", "score": 0.02}]}))  # fmt: skip
    item = MealItem(meal_id=meal_id, user_id=uid, photo_id=photo.id,
                    food_id="fndds_coffee_espresso", grams=30, kcal=2.7, carb_g=0.5,
                    protein_g=0, fat_g=0.1, source="estimate")  # fmt: skip
    db.add(item)
    db.flush()
    assert item.id is not None
    return item.id


def test_meal_form_is_validated(db: Session) -> None:
    _, prefs = user(db, "alice")
    with pytest.raises(FormInvalid) as info:
        meals.meal_values({"eaten_at": "2026-12-30T08:00", "meal_type": "brunch"}, prefs, NOW)
    assert sorted(info.value.errors) == ["eaten_at", "meal_type"]


def test_meal_without_photo_from_the_food_search(db: Session) -> None:
    uid, prefs = user(db, "alice")
    meal_id = meal(db, uid, prefs)
    meals.add_item(db, user_id=uid, meal_id=meal_id, form={"food_id": "fndds_kimchi",
                                                            "grams": "50"})  # fmt: skip
    view = meals.day_meals(db, user_id=uid, prefs=prefs, day=date(2026, 11, 29))
    [shown] = view.meals
    assert (shown.time, shown.meal_type, shown.has_estimate) == ("12:30", "lunch", False)
    [item] = shown.foods
    assert (item.name_en, item.name_ko, item.grams, item.source) == ("Kimchi", "김치", "50",
                                                                      "manual")  # fmt: skip
    assert view.kcal == shown.kcal


def test_portion_and_food_errors(db: Session) -> None:
    uid, prefs = user(db, "alice")
    meal_id = meal(db, uid, prefs)
    with pytest.raises(FormInvalid) as info:
        meals.add_item(db, user_id=uid, meal_id=meal_id, form={"food_id": "nope", "grams": "0"})
    assert sorted(info.value.errors) == ["food_id", "grams"]


def test_correction_keeps_the_models_estimate_apart(db: Session) -> None:
    uid, prefs = user(db, "alice")
    meal_id = meal(db, uid, prefs)
    item_id = estimate(db, uid, meal_id)
    before = meals.day_meals(db, user_id=uid, prefs=prefs, day=date(2026, 11, 29)).meals[0]
    assert before.has_estimate
    assert [c.food_id for c in before.foods[0].candidates] == [
        "fndds_coffee_espresso",
        "fndds_coffee_brewed",
    ]
    meals.correct_item(db, user_id=uid, item_id=item_id,
                       form={"food_id": "fndds_coffee_brewed", "grams": "240"})  # fmt: skip
    after = meals.day_meals(db, user_id=uid, prefs=prefs, day=date(2026, 11, 29)).meals[0]
    assert not after.has_estimate
    assert (after.foods[0].food_id, after.foods[0].source) == ("fndds_coffee_brewed", "manual")
    assert float(after.kcal) != float(before.kcal)
    job = db.exec(select(AnalysisJob)).one()
    assert job.result["candidates"][0]["food_id"] == "fndds_coffee_espresso"


def test_confirm_only_changes_an_estimate(db: Session) -> None:
    uid, prefs = user(db, "alice")
    item_id = estimate(db, uid, meal(db, uid, prefs))
    meals.confirm_item(db, user_id=uid, item_id=item_id)
    assert db.get(MealItem, item_id).source == "confirmed"  # type: ignore[union-attr]


def test_local_day_and_totals(db: Session) -> None:
    uid, prefs = user(db, "alice")  # Asia/Seoul
    late = meal(db, uid, prefs, "2026-11-28T23:30", "snack")
    meals.add_item(db, user_id=uid, meal_id=late, form={"food_id": "fndds_kimchi", "grams": "100"})
    early = meal(db, uid, prefs, "2026-11-29T07:00", "breakfast")
    meals.add_item(db, user_id=uid, meal_id=early, form={"food_id": "fndds_kimchi", "grams": "50"})
    on_28 = meals.day_meals(db, user_id=uid, prefs=prefs, day=date(2026, 11, 28))
    on_29 = meals.day_meals(db, user_id=uid, prefs=prefs, day=date(2026, 11, 29))
    assert [m.meal_type for m in on_28.meals] == ["snack"]
    assert [m.meal_type for m in on_29.meals] == ["breakfast"]
    assert float(on_28.kcal) == pytest.approx(2 * float(on_29.kcal), abs=0.2)


def test_another_user_cannot_touch_a_meal(db: Session, tmp_path: Path) -> None:
    uid, prefs = user(db, "alice")
    other, _ = user(db, "mallory")
    meal_id = meal(db, uid, prefs)
    item_id = estimate(db, uid, meal_id)
    attempts = [
        lambda: meals.correct_item(db, user_id=other, item_id=item_id,
                                   form={"food_id": "fndds_kimchi", "grams": "10"}),
        lambda: meals.confirm_item(db, user_id=other, item_id=item_id),
        lambda: meals.delete_item(db, user_id=other, item_id=item_id),
        lambda: meals.add_item(db, user_id=other, meal_id=meal_id,
                               form={"food_id": "fndds_kimchi", "grams": "10"}),
        lambda: meals.delete_meal(db, user_id=other, meal_id=meal_id,
                                  storage=LocalPhotoStorage(tmp_path)),
    ]  # fmt: skip
    for attempt in attempts:
        with pytest.raises(NotFound):
            attempt()
    assert meals.day_meals(db, user_id=other, prefs=prefs, day=date(2026, 11, 29)).meals == []
    assert db.get(MealItem, item_id).source == "estimate"  # type: ignore[union-attr]


def test_delete_meal_returns_photo_keys_and_cascades(db: Session, tmp_path: Path) -> None:
    storage = LocalPhotoStorage(tmp_path)
    uid, prefs = user(db, "alice")
    meal_id = meal(db, uid, prefs)
    item_id = estimate(db, uid, meal_id)
    keys = meals.delete_meal(db, user_id=uid, meal_id=meal_id, storage=storage)
    db.commit()
    assert keys == ["ab/" + "a" * 32 + ".jpg"]
    assert db.get(MealItem, item_id) is None


def test_a_fall_back_meal_saved_unchanged_keeps_its_instant(db: Session) -> None:
    uid, prefs = user(db, "alice")
    prefs = preferences.update_preferences(
        db, user_id=uid, form={**PREFS, "timezone": "America/New_York"}
    )
    meal_id = meal(db, uid, prefs, when="2026-11-01T01:00")
    second_0130 = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST, after the fall-back
    row = db.get(Meal, meal_id)
    assert row is not None
    row.eaten_at = second_0130
    db.flush()
    form = {"eaten_at": "2026-11-01T01:30", "meal_type": "lunch"}  # as the edit form shows it
    values = meals.meal_values(form, prefs, NOW)
    meals.update_meal_from_values(db, user_id=uid, meal_id=meal_id, values=values, tz=prefs.tz)
    db.refresh(row)
    assert row.eaten_at == second_0130
    changed = meals.meal_values({**form, "eaten_at": "2026-11-01T01:45"}, prefs, NOW)
    meals.update_meal_from_values(db, user_id=uid, meal_id=meal_id, values=changed, tz=prefs.tz)
    db.refresh(row)
    assert row.eaten_at == datetime(2026, 11, 1, 5, 45, tzinfo=UTC)  # the first 01:45 (EDT)


def test_a_food_added_by_hand_is_labelled_added_and_a_changed_estimate_corrected(
    db: Session,
) -> None:
    uid, prefs = user(db, "alice")
    meal_id = meal(db, uid, prefs)
    guessed = estimate(db, uid, meal_id)
    meals.add_item(db, user_id=uid, meal_id=meal_id,
                   form={"food_id": "fndds_kimchi", "grams": "50"})  # fmt: skip
    shown = meals.day_meals(db, user_id=uid, prefs=prefs, day=date(2026, 11, 29)).meals[0]
    assert [f.source_key for f in shown.foods] == ["meals.source.estimate", "meals.source.added"]
    meals.correct_item(db, user_id=uid, item_id=guessed,
                       form={"food_id": "fndds_kimchi", "grams": "80"})  # fmt: skip
    shown = meals.day_meals(db, user_id=uid, prefs=prefs, day=date(2026, 11, 29)).meals[0]
    assert [f.source_key for f in shown.foods] == ["meals.source.manual", "meals.source.added"]
