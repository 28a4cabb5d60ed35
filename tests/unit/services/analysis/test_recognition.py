"""From ImageNet scores to candidates, the recognised food and its nutrients."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from healthapp.models import Food
from healthapp.services.analysis import recognition as mapping

ESPRESSO, TEA_CUP, TENNIS_BALL, PLATE, PIZZA, ORANGE, LEMON = 967, 968, 852, 923, 963, 950, 951


def scores(**by_index: float) -> np.ndarray:
    """A probability vector with the given classes and the rest spread evenly."""
    vector = np.zeros(1000, dtype=np.float32)
    for key, value in by_index.items():
        vector[int(key.lstrip("c"))] = value
    rest = 1.0 - vector.sum()
    vector[vector == 0] = rest / int((vector == 0).sum())
    return vector


def test_food_classes_csv_is_complete_and_consistent() -> None:
    classes = mapping.food_classes()
    assert len(classes) == 51
    espresso = classes[ESPRESSO]
    assert (espresso.food_id, espresso.default_portion_g) == ("fndds_coffee_espresso", 30.0)
    assert all(food.default_portion_g > 0 for food in classes.values())
    assert len(mapping.labels()) == 1000
    assert mapping.labels()[ESPRESSO] == "espresso"
    assert not set(classes) & set(mapping.CONTEXT_CLASSES)


def test_every_mapped_food_exists_in_the_food_table(engine: Engine) -> None:
    ids = {food.food_id for food in mapping.food_classes().values()}
    with Session(engine) as db:
        found = set(db.exec(select(Food.id).where(Food.id.in_(ids))).all())  # type: ignore[attr-defined]
    assert found == ids


def test_candidates_are_the_top_k_best_first_with_food_ids() -> None:
    ranked = mapping.candidates(scores(c967=0.9, c968=0.05, c852=0.02), k=5)
    assert [c.imagenet_index for c in ranked[:3]] == [ESPRESSO, TEA_CUP, TENNIS_BALL]
    assert len(ranked) == 5
    assert ranked[0].food_id == "fndds_coffee_espresso"
    assert ranked[0].label == "espresso"
    assert ranked[1].food_id is None  # a tea cup is not a food
    assert ranked[0].score == pytest.approx(0.9)
    assert mapping.candidates(scores(c967=0.9)[np.newaxis])[0].imagenet_index == ESPRESSO
    with pytest.raises(ValueError, match="1000 scores"):
        mapping.candidates(np.zeros(10, dtype=np.float32))


def test_food_class_is_recognised_with_default_portion_nutrients() -> None:
    prediction = mapping.predict(scores(c967=0.95, c968=0.02), model="food_classifier")
    estimate = prediction.estimate
    assert prediction.recognised
    assert estimate is not None
    assert (estimate.food_id, estimate.grams, estimate.imagenet_index) == (
        "fndds_coffee_espresso",
        30.0,
        ESPRESSO,
    )
    espresso = mapping.food_classes()[ESPRESSO]
    assert estimate.kcal == round(espresso.kcal_per_100g * 0.3, 1)
    assert estimate.carb_g == round(espresso.carb_g_per_100g * 0.3, 1)
    result = prediction.to_result()
    assert json.loads(json.dumps(result)) == result
    assert result["recognised"] is True
    assert result["error_key"] == ""
    assert result["estimate"]["food_id"] == "fndds_coffee_espresso"
    assert len(result["candidates"]) == 5


def test_non_food_top_class_offers_the_food_as_a_choice_not_an_estimate() -> None:
    prediction = mapping.predict(scores(c852=0.6, c950=0.3))
    assert not prediction.recognised
    result = prediction.to_result()
    assert (result["recognised"], result["error_key"], result["estimate"], result["decision"]) == (
        False,
        "analysis.unsure",
        None,
        "choices",
    )
    assert result["choices"][0]["food_id"] == "fdn_oranges_raw_navels"
    assert result["candidates"][1]["food_id"] == "fdn_oranges_raw_navels"


def test_a_photo_of_no_food_gives_no_food_and_no_choices() -> None:
    result = mapping.predict(scores(c852=0.95)).to_result()
    assert (result["error_key"], result["decision"], result["choices"]) == (
        "analysis.no_food",
        "none",
        [],
    )


def test_threshold_margin_and_groups() -> None:
    assert mapping.predict(scores(c963=0.39)).estimate is None  # pizza below 0.4: choices
    assert mapping.predict(scores(c963=0.39)).choices[0].imagenet_index == PIZZA
    assert mapping.predict(scores(c963=0.41)).estimate is not None
    # Two different foods close together: unsure, both offered.
    close = mapping.predict(scores(c963=0.45, c965=0.4))
    assert close.estimate is None
    assert [c.imagenet_index for c in close.choices[:2]] == [PIZZA, 965]
    # Orange and lemon are one look-alike group: together they are confident, orange shown.
    citrus = mapping.predict(scores(c950=0.25, c951=0.2)).estimate
    assert citrus is not None
    assert (citrus.imagenet_index, citrus.confidence) == (ORANGE, pytest.approx(0.45, abs=1e-3))
    assert citrus.carb_low_g < citrus.carb_g < citrus.carb_high_g


def test_plate_above_the_food_does_not_hide_it() -> None:
    estimate = mapping.predict(scores(c923=0.5, c963=0.45)).estimate
    assert estimate is not None
    assert estimate.imagenet_index == PIZZA
    # ...but a non-food, non-tableware class above it does.
    assert mapping.predict(scores(c852=0.5, c963=0.45)).estimate is None
