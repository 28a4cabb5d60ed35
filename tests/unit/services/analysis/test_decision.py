"""The decision rules on their own: groups, absorbing classes, choices, the carbohydrate range."""

from __future__ import annotations

import numpy as np

from healthapp.services.analysis import decision
from healthapp.services.analysis.decision import Rules, decide

KEYS = {950: "orange", 951: "lemon", 952: "fig", 963: "pizza", 965: "burrito", 967: "espresso"}
PLATE, TENNIS_BALL = 923, 852


def vector(**by_index: float) -> np.ndarray:
    out = np.zeros(1000, dtype=np.float32)
    for key, value in by_index.items():
        out[int(key.lstrip("c"))] = value
    return out


def test_a_class_that_absorbs_unknown_foods_needs_more_confidence() -> None:
    assert "fig" in decision.ABSORBING
    assert decide(vector(c952=0.85), KEYS, ()).kind == "choices"
    confident = decide(vector(c952=0.95), KEYS, ())
    assert (confident.kind, confident.food_index) == ("confident", 952)
    assert decide(vector(c952=0.85), KEYS, (), Rules(absorbing_keys=frozenset())).kind == (
        "confident"
    )


def test_tableware_may_outrank_the_food_but_nothing_else_may() -> None:
    assert decide(vector(c923=0.5, c963=0.45), KEYS, (PLATE,)).kind == "confident"
    assert decide(vector(c852=0.5, c963=0.45), KEYS, (PLATE,)).kind == "choices"


def test_choices_are_the_top_three_groups_best_first() -> None:
    verdict = decide(vector(c963=0.2, c965=0.15, c950=0.05, c951=0.06, c967=0.02), KEYS, ())
    assert verdict.kind == "choices"
    assert verdict.choices == (963, 965, 951)  # orange+lemon count as one, lemon on top
    assert verdict.confidence == 0.2


def test_below_the_choice_threshold_nothing_is_offered() -> None:
    verdict = decide(vector(c963=0.05, c852=0.9), KEYS, ())
    assert (verdict.kind, verdict.choices) == ("none", ())


def test_carb_range_spans_the_group_and_the_portion() -> None:
    assert decision.carb_range([10.0]) == (7.5, 12.5)
    assert decision.carb_range([16.5, 5.4]) == (4.1, 20.6)  # 5.4 x 0.75 = 4.05
