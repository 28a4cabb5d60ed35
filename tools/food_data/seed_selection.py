"""Which USDA rows the food-search seed keeps: exclusion rules and de-duplication."""

from __future__ import annotations

import re
from collections.abc import Iterable

from tools.food_data.servings import ITEM_PORTION_CATEGORIES
from tools.food_data.usda import Food, Foods

# When the same name exists in several data types, keep the first in this order.
TYPE_PREFERENCE = ("foundation_food", "survey_fndds_food", "sr_legacy_food")

# Seed exclusions (see README): not what people log in a food diary.
EXCLUDED_CATEGORIES = {
    "Baby Foods",
    "American Indian/Alaska Native Foods",
    "Not included in a food category",  # FNDDS "... as ingredient" rows
}
EXCLUDED_NAME_RE = re.compile(
    r"^(baby|babyfood|toddler|infant formula)\b|\bformula\b|^water, baby", re.IGNORECASE
)
EXCLUDED_CATEGORY_RE = re.compile(r"^(baby|formula)", re.IGNORECASE)
# SR Legacy categories of prepared foods that FNDDS already covers with consumer-facing names
# (breads, cakes, sweets, soups, snacks, drinks, cereals, cold cuts); raw ingredients are kept.
SR_CATEGORIES_COVERED_BY_FNDDS = {
    "Baked Products",
    "Sweets",
    "Soups, Sauces, and Gravies",
    "Snacks",
    "Beverages",
    "Breakfast Cereals",
    "Sausages and Luncheon Meats",
}
# SR Legacy forms that are not eaten as such (dry mixes, condensed soups, unprepared products).
SR_NOT_AS_EATEN_RE = re.compile(r"dry mix|mix, dry|unprepared|condensed|incomplete", re.IGNORECASE)
# SR Legacy rows carrying an ALL-CAPS brand (e.g. "KRAFT", "MORI-NU") outside restaurant categories.
BRAND_RE = re.compile(r"\b[A-Z][A-Z'&.\-]{2,}\b")


def _excluded_from_seed(food: Food) -> bool:
    if (
        food.category in EXCLUDED_CATEGORIES
        or EXCLUDED_CATEGORY_RE.search(food.category)
        or EXCLUDED_NAME_RE.search(food.name)
    ):
        return True
    if food.data_type != "sr_legacy_food":
        return False
    return (
        food.category in SR_CATEGORIES_COVERED_BY_FNDDS
        or bool(SR_NOT_AS_EATEN_RE.search(food.name))
        or (food.category not in ITEM_PORTION_CATEGORIES and bool(BRAND_RE.search(food.name)))
    )


def _macro_signature(food: Food) -> tuple[str, tuple[float, ...]]:
    """First word of the name (singular) and the four macros rounded to 0.1."""
    first_word = re.split(r"[ ,(]", food.name.lower(), maxsplit=1)[0].rstrip("s")
    macros = (food.kcal, food.carb, food.protein, food.fat)
    return first_word, tuple(round(value or 0.0, 1) for value in macros)


def select_seed(foods: Foods, forced: Iterable[Food]) -> tuple[list[Food], dict[str, int]]:
    """Pick the seed subset; returns the foods and counts of each exclusion reason."""
    forced_list = list(forced)
    forced_keys = {f.key for f in forced_list}
    stats = {"no_energy": 0, "excluded": 0, "duplicate_name": 0, "sr_same_as_fndds": 0}
    candidates: list[Food] = []
    for food in foods.values():
        if food.key in forced_keys:
            continue
        if food.kcal is None:
            stats["no_energy"] += 1
        elif _excluded_from_seed(food):
            stats["excluded"] += 1
        else:
            candidates.append(food)

    # Names are deduplicated on their slug ("whole wheat" == "whole-wheat", case-insensitive).
    chosen: dict[str, Food] = {f.slug: f for f in forced_list}
    if len(chosen) != len(forced_keys):
        raise SystemExit("two hand-picked foods share a name slug")
    rank = {t: i for i, t in enumerate(TYPE_PREFERENCE)}
    for food in sorted(candidates, key=lambda f: (rank[f.data_type], f.name)):
        if food.slug in chosen:
            stats["duplicate_name"] += 1
            continue
        chosen[food.slug] = food

    fndds_signatures = {
        _macro_signature(f) for f in chosen.values() if f.data_type == "survey_fndds_food"
    }
    result: list[Food] = []
    for food in chosen.values():
        if (
            food.key not in forced_keys
            and food.data_type == "sr_legacy_food"
            and _macro_signature(food) in fndds_signatures
        ):
            stats["sr_same_as_fndds"] += 1
            continue
        result.append(food)
    result.sort(key=lambda f: (f.name.casefold(), rank[f.data_type]))
    return result, stats
