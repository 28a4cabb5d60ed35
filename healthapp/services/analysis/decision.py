"""When the app names a food, when it offers choices, and when it says "not recognised".

The model knows ~50 ImageNet foods; most meals are none of them. Measured on bench/food_eval (a
few hundred real food photos outside its classes, its known foods and non-food photos), taking
the top food above 0.30 showed a confident specific food for about 1 unknown food in 4, two
thirds of them wrong. So the rule works on the whole score vector, not on the top class:

1. Look-alike classes are one group (`GROUPS`: orange and lemon, the crabs, the lobsters, the
   winter squashes, the corns, the mushrooms): their probabilities add up, and the group's top
   member is the food shown. A photo split 0.5/0.3 between two crabs is a crab.
2. Confident (the food and its portion are filled in, for the person to confirm) when the top
   group's probability is at least `Rules.confident`, it leads the next food group by at least
   `Rules.margin`, and no class that is neither food nor tableware outranks it. Classes that the
   evaluation set showed absorbing unknown foods (`ABSORBING`: unknown fruit and vegetables land
   on "Granny Smith", "fig", "cucumber", ...) need `Rules.absorbing` instead.
3. Unsure (`choices`): the top food group reaches `Rules.choices`; the app offers the top 3 foods
   as buttons and fills in no number.
4. Otherwise "no food recognised".

Every answer carries its confidence (the group's probability) and a carbohydrate range: the
portion is a default, not measured from the photo (+-25 %), and a group spans its members.
The thresholds are tuned by `python -m bench.food_eval` (figures in bench/RESULTS.md).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Kind = Literal["confident", "choices", "none"]
PORTION_UNCERTAINTY = 0.25
CHOICES = 3

# food_key groups of look-alike classes (healthapp/data/food_classes.csv).
GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"orange", "lemon"}),
    frozenset({"dungeness_crab", "king_crab"}),
    frozenset({"lobster", "spiny_lobster", "crayfish"}),
    frozenset({"spaghetti_squash", "acorn_squash", "butternut_squash"}),
    frozenset({"sweet_corn", "corn_on_the_cob"}),
    frozenset({"mushroom", "maitake"}),
)
# Classes that, in the evaluation set, were shown confidently for unknown foods or non-food more
# often than for the known foods they are (`bench.food_eval.evaluate.absorbing_classes`): unknown
# fruit lands on "Granny Smith" and "fig", gourds on "cucumber", grains and pulses on "maitake".
ABSORBING: frozenset[str] = frozenset(
    {
        "artichoke",
        "baguette",
        "bell_pepper",
        "butternut_squash",
        "cabbage",
        "consomme",
        "cucumber",
        "custard_apple",
        "eggnog",
        "fig",
        "green_apple",
        "hot_pot",
        "maitake",
        "pomegranate",
        "soft_pretzel",
        "spaghetti_squash",
        "sweet_corn",
    }
)


@dataclass(frozen=True)
class Rules:
    confident: float = 0.4
    margin: float = 0.1
    absorbing: float = 0.9
    choices: float = 0.1
    absorbing_keys: frozenset[str] = ABSORBING


RULES = Rules()


@dataclass(frozen=True)
class Verdict:
    """`food_index`: the ImageNet index shown when confident; `choices`: indices, best first."""

    kind: Kind
    confidence: float
    food_index: int | None = None
    choices: tuple[int, ...] = field(default_factory=tuple)


def _group_of(key: str) -> frozenset[str]:
    for group in GROUPS:
        if key in group:
            return group
    return frozenset({key})


def decide(
    scores: np.ndarray,
    food_keys: Mapping[int, str],
    context: Sequence[int] | frozenset[int],
    rules: Rules = RULES,
) -> Verdict:
    """The verdict for one image's 1000 probabilities; `food_keys` maps food class indices to
    their food_key, `context` lists the tableware classes that may outrank a food."""
    flat = np.asarray(scores, dtype=np.float64).reshape(-1)
    totals: dict[frozenset[str], float] = {}
    best: dict[frozenset[str], int] = {}
    for index, key in food_keys.items():
        group = _group_of(key)
        totals[group] = totals.get(group, 0.0) + float(flat[index])
        if group not in best or flat[index] > flat[best[group]]:
            best[group] = index
    ranked = sorted(totals, key=lambda group: -totals[group])
    top = ranked[0]
    confidence = totals[top]
    second = totals[ranked[1]] if len(ranked) > 1 else 0.0
    blocked = set(food_keys) | set(context)
    other = max((float(p) for i, p in enumerate(flat) if i not in blocked), default=0.0)
    shown = best[top]
    needed = rules.absorbing if food_keys[shown] in rules.absorbing_keys else rules.confident
    if confidence >= needed and confidence - second >= rules.margin and confidence > other:
        return Verdict("confident", round(confidence, 4), food_index=shown)
    if confidence >= rules.choices:
        picks = tuple(best[group] for group in ranked[:CHOICES] if totals[group] > 0.0)
        return Verdict("choices", round(confidence, 4), choices=picks)
    return Verdict("none", round(confidence, 4))


def carb_range(carbs_of_group: Sequence[float]) -> tuple[float, float]:
    """Grams of carbohydrate, low-high, for a shown food whose group's members' default
    portions hold `carbs_of_group` grams."""
    low, high = min(carbs_of_group), max(carbs_of_group)
    return round(low * (1 - PORTION_UNCERTAINTY), 1), round(high * (1 + PORTION_UNCERTAINTY), 1)


def group_members(key: str) -> frozenset[str]:
    return _group_of(key)
