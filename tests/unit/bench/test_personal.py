"""The personal-examples benchmark's simulation and calibration (bench/food_eval/personal.py) on
made-up embeddings whose answers are known."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from bench.food_eval import personal


def unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


rng = np.random.default_rng(3)
CENTRES = unit(rng.normal(size=(30, 64)))
EXAMPLES = unit(CENTRES[:, None, :] + 0.05 * rng.normal(size=(30, 5, 64)))
NEW = unit(CENTRES + 0.05 * rng.normal(size=(30, 64)))
STRANGERS = unit(rng.normal(size=(50, 64)))
# Foods that look somewhat like the dishes: cosine 0.5 to 0.9 to the nearest one
LOOKALIKES = unit(CENTRES[rng.integers(30, size=200)]
                  + rng.uniform(0.06, 0.2, size=(200, 1)) * rng.normal(size=(200, 64)))  # fmt: skip


def test_clear_dishes_are_offered_right_and_strangers_nothing() -> None:
    outcome = personal.simulate(EXAMPLES, NEW, STRANGERS, k=3, threshold=0.8, people=5)
    assert (outcome.right, outcome.wrong, outcome.false_offer) == (1.0, 0.0, 0.0)
    assert outcome.queries == 5 * personal.DISHES


def test_a_threshold_nobody_reaches_offers_nothing_and_a_low_one_offers_strangers() -> None:
    strict = personal.simulate(EXAMPLES, NEW, STRANGERS, k=1, threshold=1.01, people=3)
    assert (strict.right, strict.wrong, strict.false_offer) == (0.0, 0.0, 0.0)
    loose = personal.simulate(EXAMPLES, NEW, STRANGERS, k=1, threshold=-1.0, people=3)
    assert loose.false_offer == 1.0  # every stranger's photo gets the nearest dish


def test_calibration_takes_the_lowest_threshold_within_the_false_offer_limit() -> None:
    chosen = personal.calibrate(EXAMPLES, NEW, LOOKALIKES)
    assert personal.THRESHOLDS[0] < chosen < personal.THRESHOLDS[-1]
    at = personal.simulate(EXAMPLES, NEW, LOOKALIKES, k=5, threshold=chosen)
    below = personal.simulate(EXAMPLES, NEW, LOOKALIKES, k=5, threshold=round(chosen - 0.01, 2))
    assert at.false_offer <= personal.MAX_FALSE_OFFERS < below.false_offer


def test_a_view_is_another_reproducible_jpeg_of_the_photo() -> None:
    image = Image.new("RGB", (300, 200), (200, 80, 40))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    first, again, other = (personal.view(buffer.getvalue(), seed) for seed in (1, 1, 2))
    assert first == again
    assert first != other
    with Image.open(io.BytesIO(first)) as shot:
        assert shot.format == "JPEG"
        assert shot.width < 300
