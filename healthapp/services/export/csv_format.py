"""The CSV files of an export: names, columns and cell escaping.

Written by export.csv_zip and read back by services/importer (round trip), so both import this
module and neither imports the other's internals.

CSV conventions (written into README.txt of every export too):
- UTF-8 with a byte order mark, so Excel opens Korean text correctly; comma separated; CRLF.
- Times twice: `*_local` in the user's zone with its UTC offset (ISO 8601,
  2026-11-28T23:30:00-05:00) and `*_utc` (2026-11-29T04:30:00Z). HbA1c is a calendar day.
- Glucose in mg/dL exactly as stored (3 decimals at most) and in mmol/L as the app shows it (one
  decimal); the mg/dL column is the lossless one. `source` is meter or cgm (GlucoseSource).
- Free text (notes, food names) that Excel would run as a formula (starting with = + - @, a tab or
  a carriage return) is prefixed with an apostrophe, as is text that starts with an apostrophe;
  `unescape_cell` undoes exactly that.
"""

from __future__ import annotations

CSV_ENCODING = "utf-8-sig"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "'")

# File stems of the zip (".csv" is added when written).
BP_FILE = "blood_pressure"
GLUCOSE_FILE = "glucose"
HBA1C_FILE = "hba1c"
EXERCISE_FILE = "exercise"
MEALS_FILE = "meals"
MEAL_ITEMS_FILE = "meal_items"
PROFILE_FILE = "profile"
FOOD_EXAMPLES_FILE = "food_examples"

BP_COLUMNS = ("id", "measured_at_local", "measured_at_utc", "systolic", "diastolic", "pulse",
              "category", "level", "note")  # fmt: skip
GLUCOSE_COLUMNS = ("id", "measured_at_local", "measured_at_utc", "mg_dl", "mmol_l", "timing",
                   "source", "category", "level", "note")  # fmt: skip
# glucose.csv as exports wrote it before readings had a source (meter or cgm): still imported.
GLUCOSE_COLUMNS_WITHOUT_SOURCE = tuple(name for name in GLUCOSE_COLUMNS if name != "source")
HBA1C_COLUMNS = ("id", "measured_on", "percent", "category", "level", "note")
EXERCISE_COLUMNS = ("id", "started_at_local", "started_at_utc", "kind", "duration_min",
                    "intensity", "energy_kcal", "note")  # fmt: skip
MEALS_COLUMNS = ("id", "eaten_at_local", "eaten_at_utc", "meal_type", "items", "kcal", "carb_g",
                 "protein_g", "fat_g", "note")  # fmt: skip
MEAL_ITEMS_COLUMNS = ("id", "meal_id", "eaten_at_local", "food_id", "food_name_en", "food_name_ko",
                      "grams", "kcal", "carb_g", "protein_g", "fat_g", "source")  # fmt: skip
FOOD_EXAMPLES_COLUMNS = ("meal_item_id", "meal_id", "photo_id", "food_id", "grams",
                         "updated_at_utc", "embedding_float16_base64")  # fmt: skip
PROFILE_COLUMNS = ("login", "language", "glucose_unit", "bp_standard", "timezone", "weight_kg",
                   "hba1c_target", "diabetes_status", "target_pre_meal_low_mg_dl",
                   "target_pre_meal_high_mg_dl", "target_after_meal_mg_dl",
                   "gdm_target_fasting_mg_dl", "gdm_target_after_meal_mg_dl",
                   "created_at_utc")  # fmt: skip


def escape_cell(text: str) -> str:
    """Free text made safe for spreadsheets (see the module docstring); `unescape_cell` inverts."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def unescape_cell(text: str) -> str:
    return text[1:] if text.startswith("'") else text
