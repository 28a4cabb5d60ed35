"""The two output files: their columns, building their rows, and writing them."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from tools.food_data.imagenet_foods import CLASS_FOODS, EXCLUDED_CLASSES, ClassFood
from tools.food_data.korean_foods import KOREAN_FOODS, NAME_KO
from tools.food_data.seed_selection import select_seed
from tools.food_data.servings import default_portion, resolve_portion
from tools.food_data.usda import Food, Foods, lookup

SEED_MIN_ROWS, SEED_MAX_ROWS = 1500, 6000
SEED_MAX_BYTES = 1_500_000

CLASS_COLUMNS = [
    "imagenet_index",
    "imagenet_label",
    "food_key",
    "food_id",
    "usda_name",
    "data_type",
    "default_portion_g",
    "portion_name",
    "portion_source",
    "kcal_per_100g",
    "carb_g_per_100g",
    "protein_g_per_100g",
    "fat_g_per_100g",
    "name_ko",
]
SEED_COLUMNS = [
    "food_id",
    "name_en",
    "name_ko",
    "data_type",
    "food_category",
    "kcal_per_100g",
    "carb_g_per_100g",
    "protein_g_per_100g",
    "fat_g_per_100g",
    "default_portion_g",
    "portion_name",
]


def fmt(value: float | None, ndigits: int = 2, floor_zero: bool = False) -> str:
    if value is None:
        return ""
    if floor_zero and value < 0:
        value = 0.0
    return f"{round(value, ndigits):g}"


def nutrient_cells(food: Food) -> list[str]:
    return [fmt(food.kcal), fmt(food.carb, floor_zero=True), fmt(food.protein), fmt(food.fat)]


def class_serving(foods: Foods, item: ClassFood) -> tuple[Food, float, str]:
    """The USDA food of an ImageNet class, with its serving in grams and where that comes from."""
    food = lookup(foods, item.prefix, item.usda_name)
    grams, source = resolve_portion(foods, food, item.portion)
    return food, grams, source


def build_class_rows(foods: Foods) -> list[list[str]]:
    rows: list[list[str]] = []
    seen_index: set[int] = set()
    seen_key: set[str] = set()
    for item in sorted(CLASS_FOODS, key=lambda c: c.index):
        if item.index in seen_index or item.food_key in seen_key:
            raise SystemExit(f"duplicate class entry: {item.index} {item.food_key}")
        if item.index in EXCLUDED_CLASSES:
            raise SystemExit(f"class {item.index} is both mapped and excluded")
        seen_index.add(item.index)
        seen_key.add(item.food_key)
        food, grams, source = class_serving(foods, item)
        rows.append(
            [
                str(item.index),
                item.label,
                item.food_key,
                food.food_id,
                food.name,
                food.data_type,
                fmt(grams, 1),
                item.portion.name,
                source,
                *nutrient_cells(food),
                item.name_ko,
            ]
        )
    return rows


def hand_made_servings(foods: Foods) -> dict[tuple[str, str], tuple[str, float, str]]:
    """(name_ko, grams, portion name) of every food an ImageNet class or a Korean row names."""
    servings: dict[tuple[str, str], tuple[str, float, str]] = {}
    for item in CLASS_FOODS:
        food, grams, _ = class_serving(foods, item)
        # Two classes may share a food (e.g. corn/ear); the first one wins for the seed.
        servings.setdefault(food.key, (item.name_ko, grams, item.portion.name))
    for kfood in KOREAN_FOODS:
        food = lookup(foods, kfood.prefix, kfood.usda_name)
        if food.key in servings:
            raise SystemExit(f"food listed twice: {food.key}")
        if kfood.portion is None:
            grams, label = default_portion(food)
        else:
            grams, _ = resolve_portion(foods, food, kfood.portion)
            label = kfood.portion.name
        servings[food.key] = (kfood.name_ko, grams, label)
    return servings


def build_seed_rows(foods: Foods) -> tuple[list[list[str]], dict[str, int]]:
    overrides = hand_made_servings(foods)
    names_ko = {lookup(foods, prefix, name).key: ko for (prefix, name), ko in NAME_KO.items()}

    forced = [foods[key] for key in overrides] + [foods[key] for key in names_ko]
    seed, stats = select_seed(foods, forced)

    rows: list[list[str]] = []
    ids: set[str] = set()
    for food in seed:
        if food.key in overrides:
            class_ko, grams, label = overrides[food.key]
            name_ko = names_ko.get(food.key, class_ko)
        else:
            grams, label = default_portion(food)
            name_ko = names_ko.get(food.key, "")
        if food.food_id in ids:
            raise SystemExit(f"food_id collision: {food.food_id}")
        ids.add(food.food_id)
        rows.append(
            [
                food.food_id,
                food.name,
                name_ko,
                food.data_type,
                food.category,
                *nutrient_cells(food),
                fmt(grams, 1),
                label,
            ]
        )
    return rows, stats


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_outputs(foods: Foods, out_dir: Path) -> None:
    """Build both files, check the seed's size, write them to ``out_dir`` and say what they hold."""
    class_rows = build_class_rows(foods)
    seed_rows, stats = build_seed_rows(foods)
    if not SEED_MIN_ROWS <= len(seed_rows) <= SEED_MAX_ROWS:
        raise SystemExit(f"seed has {len(seed_rows)} rows, outside {SEED_MIN_ROWS}-{SEED_MAX_ROWS}")

    out_dir.mkdir(parents=True, exist_ok=True)
    classes_path = out_dir / "food_classes.csv"
    seed_path = out_dir / "foods_seed.csv"
    write_csv(classes_path, CLASS_COLUMNS, class_rows)
    write_csv(seed_path, SEED_COLUMNS, seed_rows)
    if seed_path.stat().st_size > SEED_MAX_BYTES:
        raise SystemExit(f"{seed_path} is larger than {SEED_MAX_BYTES} bytes")
    by_type: dict[str, int] = {}
    for row in seed_rows:
        by_type[row[3]] = by_type.get(row[3], 0) + 1
    print(f"{classes_path}: {len(class_rows)} classes", file=sys.stderr)
    print(f"{seed_path}: {len(seed_rows)} foods {by_type}; dropped {stats}", file=sys.stderr)
