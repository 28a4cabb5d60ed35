"""Personal examples (services/analysis/examples.py): a photo whose food the person confirmed or
named teaches the app their dish; a new photo close to it is offered that dish, per user only."""

from __future__ import annotations

import base64
import io
import zipfile
from pathlib import Path
from uuid import uuid4

import numpy as np
import pytest
from sqlmodel import Session, select

from healthapp.domain.errors import ValidationError
from healthapp.models import AnalysisJob, MealItem, MealPhoto
from healthapp.services import analysis, meals, preferences
from healthapp.services.analysis import examples
from healthapp.services.analysis.recognition import predict
from healthapp.services.export import export_csv_zip
from healthapp.services.meals.storage import LocalPhotoStorage
from tests.unit.services.meals.test_meals import NOW, db, meal, user

__all__ = ["db"]  # the fixture, imported to be found here

BIBIMBAP = "fndds_bibimbap_korean"  # a dish the model has no class for
RICE = "sr_rice_white_medium_grain_enriched_cooked"
rng = np.random.default_rng(14)
DISH = rng.normal(size=1280).astype(np.float32)  # what the model "sees" in the bowl
OTHER = rng.normal(size=1280).astype(np.float32)


def near(base: np.ndarray, noise: float) -> list[float]:
    """Another photo of the same plate: the same vector with some noise."""
    return (base + noise * rng.normal(size=base.size).astype(np.float32)).tolist()


def unsure_scores() -> np.ndarray:
    return np.full(1000, 1 / 1000, dtype=np.float32)  # nothing stands out: no food


def analysed_photo(db: Session, uid: int, embedding: list[float]) -> int:
    """A photo through the worker's path: job created, started, completed with an embedding."""
    meal_id = meal(db, uid, prefs_of(db, uid))
    photo = MealPhoto(meal_id=meal_id, user_id=uid, storage_key=f"ab/{uuid4().hex}.jpg",
                      content_type="image/jpeg", width=10, height=10, size_bytes=1)  # fmt: skip
    db.add(photo)
    db.flush()
    job = analysis.create_job(db, photo=photo)
    assert job.id is not None
    assert photo.id is not None
    analysis.start_job(db, job.id)
    prediction = predict(unsure_scores())
    prediction.embedding = embedding
    assert analysis.complete_job(db, job.id, prediction)
    return photo.id


def prefs_of(db: Session, uid: int) -> preferences.Preferences:
    return preferences.get_preferences(db, user_id=uid)


@pytest.fixture
def alice(db: Session) -> int:
    uid, _ = user(db, "alice")
    return uid


def result(db: Session, photo_id: int) -> dict:
    job = db.exec(select(AnalysisJob).where(AnalysisJob.photo_id == photo_id)).one()
    db.refresh(job)
    return job.result or {}


def name(db: Session, uid: int, photo_id: int, food_id: str = BIBIMBAP, grams: int = 350):
    return meals.name_photo_food(db, user_id=uid, photo_id=photo_id,
                                 form={"food_id": food_id, "grams": str(grams)})  # fmt: skip


def test_pack_is_unit_length_float16_and_refuses_what_is_no_embedding() -> None:
    packed = examples.pack(DISH.tolist())
    assert packed is not None
    assert len(packed) == 2560
    vector = examples.unpack(packed)
    assert vector.dtype == np.float32
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-3
    assert float(vector @ (DISH / np.linalg.norm(DISH))) > 0.9999
    assert examples.pack(None) is None
    assert examples.pack([0.0] * 1280) is None
    assert examples.pack([1.0] * 10) is None
    assert examples.pack([float("nan")] * 1280) is None


def test_nearest_picks_the_most_similar_row() -> None:
    gallery = np.eye(3, dtype=np.float32)
    assert examples.nearest(gallery, np.array([0.1, 0.9, 0.0], dtype=np.float32)) == (
        1,
        pytest.approx(0.9),
    )
    assert examples.nearest(np.empty((0, 3), dtype=np.float32), gallery[0]) == (-1, -1.0)


def test_a_named_photo_teaches_the_dish_and_the_next_photo_is_offered_it(
    db: Session, alice: int
) -> None:
    first = analysed_photo(db, alice, near(DISH, 0.2))
    assert result(db, first)["personal"] is None  # nothing learnt yet
    assert examples.person_examples(db, user_id=alice) == []  # analysed is not an example
    name(db, alice, first)
    [example] = examples.person_examples(db, user_id=alice)
    assert (example.photo_id, example.food_id, example.grams) == (first, BIBIMBAP, 350)

    second = analysed_photo(db, alice, near(DISH, 0.2))
    personal = result(db, second)["personal"]
    assert (personal["food_id"], personal["grams"], personal["photo_id"]) == (
        BIBIMBAP,
        350,
        first,
    )
    assert personal["similarity"] >= examples.SIMILARITY
    assert db.exec(select(MealItem).where(MealItem.photo_id == second)).first() is None

    # the meal page offers it first, until the person answers
    day = meals.day_meals(db, user_id=alice, prefs=prefs_of(db, alice), day=NOW.date())
    [tile] = [p for m in day.meals for p in m.photos if p.id == second]
    assert (tile.personal_food_id, tile.personal_grams, tile.unanswered) == (
        BIBIMBAP,
        "350",
        True,
    )
    item = meals.choose_photo_food(db, user_id=alice, photo_id=second, food_id=BIBIMBAP)
    assert (item.food_id, item.grams, item.source) == (BIBIMBAP, 350, "confirmed")
    day = meals.day_meals(db, user_id=alice, prefs=prefs_of(db, alice), day=NOW.date())
    [tile] = [p for m in day.meals for p in m.photos if p.id == second]
    assert (tile.personal_food_id, tile.unanswered) == ("", False)
    assert len(examples.person_examples(db, user_id=alice)) == 2


def test_an_unlike_photo_is_offered_nothing(db: Session, alice: int) -> None:
    name(db, alice, analysed_photo(db, alice, near(DISH, 0.2)))
    other = analysed_photo(db, alice, near(OTHER, 0.2))
    assert result(db, other)["personal"] is None
    with pytest.raises(ValidationError):  # nor can a client pick the dish as if offered
        meals.choose_photo_food(db, user_id=alice, photo_id=other, food_id=BIBIMBAP)


def test_examples_are_per_person(db: Session, alice: int) -> None:
    name(db, alice, analysed_photo(db, alice, near(DISH, 0.2)))
    bob, _ = user(db, "bob")
    photo = analysed_photo(db, bob, near(DISH, 0.2))
    assert result(db, photo)["personal"] is None
    assert examples.person_examples(db, user_id=bob) == []


def test_the_example_follows_its_item_and_goes_with_its_meal(
    db: Session, alice: int, tmp_path: Path
) -> None:
    photo_id = analysed_photo(db, alice, near(DISH, 0.2))
    item = name(db, alice, photo_id)
    meals.correct_item(db, user_id=alice, item_id=item.id or 0,
                       form={"food_id": RICE, "grams": "200"})  # fmt: skip
    [example] = examples.person_examples(db, user_id=alice)
    assert (example.food_id, example.grams) == (RICE, 200)

    photo = db.get(MealPhoto, photo_id)
    assert photo is not None
    meals.delete_meal(db, user_id=alice, meal_id=photo.meal_id,
                      storage=LocalPhotoStorage(tmp_path))  # fmt: skip
    db.flush()
    db.expire_all()
    assert examples.person_examples(db, user_id=alice) == []


def test_the_embedding_is_kept_but_an_unconfirmed_estimate_teaches_nothing(
    db: Session, alice: int
) -> None:
    photo_id = analysed_photo(db, alice, near(DISH, 0.2))
    job = db.exec(select(AnalysisJob).where(AnalysisJob.photo_id == photo_id)).one()
    assert job.embedding is not None
    assert len(job.embedding) == 2560
    db.add(MealItem(meal_id=db.get(MealPhoto, photo_id).meal_id, user_id=alice,  # type: ignore[union-attr]
                    photo_id=photo_id, food_id=RICE, grams=100, kcal=1, carb_g=1,
                    protein_g=0, fat_g=0, source="estimate"))  # fmt: skip
    db.flush()
    assert examples.person_examples(db, user_id=alice) == []


def test_the_export_holds_the_examples(db: Session, alice: int) -> None:
    photo_id = analysed_photo(db, alice, near(DISH, 0.2))
    name(db, alice, photo_id)
    data = export_csv_zip(db, user_id=alice, prefs=prefs_of(db, alice), now=NOW)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        text = archive.read("food_examples.csv").decode("utf-8-sig").splitlines()
    assert text[0].startswith("meal_item_id,meal_id,photo_id,food_id,grams")
    row = text[1].split(",")
    assert (row[2], row[3], row[4]) == (str(photo_id), BIBIMBAP, "350")
    vector = examples.unpack(base64.b64decode(row[6]))
    assert vector.shape == (1280,)
