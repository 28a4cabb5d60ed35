"""From the food model's ImageNet scores to foods and nutrients.

`healthapp/data/food_classes.csv` maps each of the 51 ImageNet classes that are foods to one USDA
food (the same ids the `food` table is seeded with) and a default portion in grams. The estimate
is that food x its default portion; the top-5 candidates are always kept so the person can pick
another one.

When is a food recognised, when does the app offer choices? See decision.py: look-alike classes
are grouped, a food is filled in only when its group is probable enough and clearly ahead, classes
that absorb unknown foods need more, and a tableware class (plate, tray, soup bowl, coffee mug,
dining table, ...: `CONTEXT_CLASSES`) may outrank the food, since a meal photo often shows the
plate as well. When unsure, the top 3 foods are offered as choices ("analysis.unsure"); a photo
of a cat or a blurry picture gives no made-up calories ("analysis.no_food").
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from healthapp.config import PROJECT_ROOT
from healthapp.services.analysis import decision
from healthapp.services.analysis.decision import RULES
from healthapp.services.foods import portion_columns

FOOD_CLASSES_CSV = PROJECT_ROOT / "healthapp" / "data" / "food_classes.csv"
LABELS_TXT = PROJECT_ROOT / "triton_models" / "food_classifier" / "labels.txt"
NUM_CLASSES = 1000
TOP_K = 5
NO_FOOD_KEY = "analysis.no_food"
UNSURE_KEY = "analysis.unsure"
# ImageNet classes that show where food is served, not what it is (labels.txt indices).
CONTEXT_CLASSES: Mapping[int, str] = {
    504: "coffee mug",
    521: "Crock Pot",
    532: "dining table",
    544: "Dutch oven",
    567: "frying pan",
    659: "mixing bowl",
    762: "restaurant",
    809: "soup bowl",
    868: "tray",
    909: "wok",
    923: "plate",
    968: "tea cup",
}


@dataclass(frozen=True)
class FoodClass:
    """One row of food_classes.csv: an ImageNet class and the USDA food it stands for."""

    imagenet_index: int
    imagenet_label: str
    food_key: str
    food_id: str
    usda_name: str
    name_ko: str
    default_portion_g: float
    portion_name: str
    kcal_per_100g: float
    carb_g_per_100g: float
    protein_g_per_100g: float
    fat_g_per_100g: float


@dataclass(frozen=True)
class Candidate:
    """One of the model's top-k classes; `food_id` is None for classes that are not foods."""

    imagenet_index: int
    label: str
    score: float
    food_id: str | None


@dataclass(frozen=True)
class Estimate:
    """The recognised food and the nutrients of its default portion."""

    food_id: str
    imagenet_index: int
    score: float
    grams: float
    portion_name: str
    kcal: float
    carb_g: float
    protein_g: float
    fat_g: float
    confidence: float = 0.0  # the probability of the food's look-alike group
    carb_low_g: float = 0.0  # the carbohydrate range shown with the estimate
    carb_high_g: float = 0.0


@dataclass
class Prediction:
    """What the worker stores in AnalysisJob.result (see `to_result`)."""

    candidates: list[Candidate]
    estimate: Estimate | None
    model: str = ""
    timings_ms: dict[str, float] = field(default_factory=dict)
    choices: list[Candidate] = field(default_factory=list)  # offered when unsure, best first
    confidence: float = 0.0
    # The photo's EMBEDDING [1280] (stored apart from the result: examples.pack)
    embedding: np.ndarray | list[float] | None = None

    @property
    def recognised(self) -> bool:
        return self.estimate is not None

    @property
    def error_key(self) -> str:
        if self.recognised:
            return ""
        return UNSURE_KEY if self.choices else NO_FOOD_KEY

    def to_result(self) -> dict[str, Any]:
        """A JSON-serialisable dict: recognised, error_key, decision, confidence, estimate,
        choices, candidates, model, rule, timings."""
        decision = "confident" if self.recognised else "choices" if self.choices else "none"
        return {
            "recognised": self.recognised,
            "error_key": self.error_key,
            "decision": decision,
            "confidence": self.confidence,
            "estimate": asdict(self.estimate) if self.estimate else None,
            "choices": [asdict(choice) for choice in self.choices],
            "candidates": [asdict(candidate) for candidate in self.candidates],
            "model": self.model,
            "rule": {**asdict(RULES), "absorbing_keys": sorted(RULES.absorbing_keys)},
            "timings_ms": dict(self.timings_ms),
        }


def _float(value: str) -> float:
    return float(value) if value.strip() else 0.0


@lru_cache(maxsize=1)
def food_classes() -> dict[int, FoodClass]:
    """food_classes.csv keyed by ImageNet index (read once per process)."""
    with FOOD_CLASSES_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {
        int(row["imagenet_index"]): FoodClass(
            imagenet_index=int(row["imagenet_index"]),
            imagenet_label=row["imagenet_label"],
            food_key=row["food_key"],
            food_id=row["food_id"],
            usda_name=row["usda_name"],
            name_ko=row["name_ko"],
            default_portion_g=_float(row["default_portion_g"]),
            portion_name=row["portion_name"],
            kcal_per_100g=_float(row["kcal_per_100g"]),
            carb_g_per_100g=_float(row["carb_g_per_100g"]),
            protein_g_per_100g=_float(row["protein_g_per_100g"]),
            fat_g_per_100g=_float(row["fat_g_per_100g"]),
        )
        for row in rows
    }


@lru_cache(maxsize=1)
def labels() -> tuple[str, ...]:
    """The 1000 ImageNet class names (line i = index i); "class i" when labels.txt is absent."""
    try:
        names = LABELS_TXT.read_text(encoding="utf-8").splitlines()
    except OSError:
        names = []
    if len(names) != NUM_CLASSES:
        names = [f"class {i}" for i in range(NUM_CLASSES)]
    return tuple(names)


def candidates(scores: np.ndarray, k: int = TOP_K) -> list[Candidate]:
    """The top-k classes of one image's scores (shape [1000] or [1, 1000]), best first."""
    flat = np.asarray(scores, dtype=np.float32).reshape(-1)
    if flat.shape[0] != NUM_CLASSES:
        raise ValueError(f"expected {NUM_CLASSES} scores, got {flat.shape[0]}")
    k = max(1, min(k, NUM_CLASSES))
    top = np.argpartition(-flat, k - 1)[:k]
    top = top[np.argsort(-flat[top], kind="stable")]
    foods, names = food_classes(), labels()
    return [
        Candidate(
            imagenet_index=int(index),
            label=names[int(index)],
            score=round(float(flat[index]), 6),
            food_id=foods[int(index)].food_id if int(index) in foods else None,
        )
        for index in top
    ]


def _candidate(index: int, flat: np.ndarray) -> Candidate:
    foods = food_classes()
    return Candidate(
        imagenet_index=index,
        label=labels()[index],
        score=round(float(flat[index]), 6),
        food_id=foods[index].food_id if index in foods else None,
    )


def _estimate(index: int, confidence: float) -> Estimate:
    foods = food_classes()
    food = foods[index]
    members = decision.group_members(food.food_key)
    carbs = [
        portion_columns(other, other.default_portion_g)["carb_g"]
        for other in foods.values()
        if other.food_key in members
    ]
    low, high = decision.carb_range(carbs)
    return Estimate(
        food_id=food.food_id,
        imagenet_index=index,
        score=round(float(confidence), 6),
        grams=food.default_portion_g,
        portion_name=food.portion_name,
        **portion_columns(food, food.default_portion_g),
        confidence=confidence,
        carb_low_g=low,
        carb_high_g=high,
    )


@lru_cache(maxsize=1)
def _food_keys() -> dict[int, str]:
    return {index: food.food_key for index, food in food_classes().items()}


def predict(
    scores: np.ndarray,
    *,
    k: int = TOP_K,
    model: str = "",
    timings_ms: Mapping[str, float] | None = None,
) -> Prediction:
    """Scores of one image -> candidates + estimate, choices or no food, for complete_job."""
    flat = np.asarray(scores, dtype=np.float32).reshape(-1)
    ranked = candidates(flat, k)
    verdict = decision.decide(flat, _food_keys(), frozenset(CONTEXT_CLASSES))
    estimate = None
    if verdict.kind == "confident" and verdict.food_index is not None:
        estimate = _estimate(verdict.food_index, verdict.confidence)
    return Prediction(
        candidates=ranked,
        estimate=estimate,
        model=model,
        timings_ms=dict(timings_ms or {}),
        choices=[_candidate(index, flat) for index in verdict.choices],
        confidence=verdict.confidence,
    )
