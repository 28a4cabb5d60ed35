"""Who the demo users are: personas, the foods they eat and when, their exercise and locales."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Persona:
    name: str
    fasting: float  # mean fasting glucose, mg/dL
    glucose_sd: float
    carb_rise: float  # mg/dL two hours after a meal, per gram of carbohydrate
    systolic: float  # mean evening blood pressure, mmHg
    diastolic: float
    pulse: float
    exercise_per_week: float
    glucose_logging: float  # chance that a usual reading is taken
    bp_logging: float
    diabetes_status: str = "none"  # domain.clinical.DiabetesStatus: targets or diagnostic ranges


PERSONAS: tuple[Persona, ...] = (
    Persona("t2_controlled", 118, 12, 0.55, 124, 78, 70, 4.0, 0.9, 0.6, "type2"),
    Persona("t2_poor", 178, 28, 1.5, 138, 87, 78, 1.0, 0.7, 0.4, "type2"),
    Persona("hypertensive", 95, 8, 0.35, 150, 95, 74, 2.0, 0.3, 0.9),
    Persona("prediabetic", 108, 9, 0.7, 124, 80, 72, 2.5, 0.5, 0.4, "prediabetes"),
)

# Foods from the seeded food table (healthapp/data/foods_seed.csv), several of them classes of the
# photo model (healthapp/data/food_classes.csv). Staples carry the carbohydrate; sides vary it.
KOREAN_MEALS = {
    "breakfast": (
        ("fndds_rice_white_cooked_no_added_fat", "fndds_rice_brown_cooked_no_added_fat",
         "fndds_congee"),
        ("fndds_soup_miso_or_tofu", "fndds_kimchi", "fndds_egg_whole_fried_with_oil",
         "fndds_soup_seaweed"),
    ),
    "lunch": (
        ("fndds_bibimbap_korean", "fndds_noodles_cooked", "sr_noodles_japanese_soba_cooked",
         "fndds_soup_ramen_noodles_water_added", "fndds_rice_fried_nfs", "fndds_sushi_nfs"),
        ("fndds_kimchi", "fndds_radishes_pickled", "fndds_wonton_dumpling_or_pot_sticker_steamed"),
    ),
    "dinner": (
        ("fndds_rice_white_cooked_no_added_fat", "sr_barley_pearled_cooked",
         "fndds_rice_brown_and_wild_cooked_no_added_fat"),
        ("fndds_beef_with_soy_based_sauce", "fndds_pork_belly", "fndds_soybean_curd",
         "fndds_kimchi", "fndds_stew_beef", "fndds_bean_sprouts_cooked"),
    ),
    "snack": (
        ("fndds_sweet_potato_baked_no_added_fat", "fdn_bananas_ripe_and_slightly_ripe_raw",
         "fndds_pear_asian_raw", "fdn_mandarin_seedless_peeled_raw", "fndds_rice_cake"),
        ("fndds_coffee_latte", "fdn_yogurt_plain_whole_milk", "fndds_soy_milk_unsweetened"),
    ),
}  # fmt: skip
WESTERN_MEALS = {
    "breakfast": (
        ("fndds_bagel", "fndds_pancakes_plain", "fndds_bread_multigrain"),
        ("fndds_coffee_latte", "fdn_yogurt_greek_plain_whole_milk",
         "fndds_egg_whole_boiled_or_poached", "fdn_bananas_ripe_and_slightly_ripe_raw"),
    ),
    "lunch": (
        ("fndds_cheeseburger_nfs", "fndds_burrito_nfs",
         "fndds_pizza_cheese_from_frozen_thick_crust", "fndds_hot_dog_sandwich_nfs_on_white_bun"),
        ("fdn_apples_granny_smith_with_skin_raw", "fdn_oranges_raw_navels", "fdn_broccoli_raw"),
    ),
    "dinner": (
        ("fndds_pasta_with_cream_sauce_and_meat_home_recipe", "fndds_potato_baked_nfs",
         "fndds_potato_mashed_from_fresh_made_with_milk", "fndds_pasta_cooked"),
        ("fndds_meat_loaf_made_with_beef", "fdn_broccoli_raw", "fdn_cauliflower_raw",
         "fndds_pot_pie_chicken", "fndds_corn_fresh_cooked_no_added_fat"),
    ),
    "snack": (
        ("fdn_strawberries_raw", "fndds_ice_cream_nfs", "fdn_apples_granny_smith_with_skin_raw",
         "sr_pretzels_soft"),
        ("fndds_coffee_espresso", "fndds_milk_low_fat_1"),
    ),
}  # fmt: skip
DEMO_FOOD_IDS: frozenset[str] = frozenset(
    food_id
    for menu in (KOREAN_MEALS, WESTERN_MEALS)
    for staples, sides in menu.values()
    for food_id in (*staples, *sides)
)
MEAL_CLOCK = {"breakfast": (7, 30), "lunch": (12, 30), "snack": (15, 30), "dinner": (18, 45)}
MEAL_CHANCE = {"breakfast": 0.85, "lunch": 0.95, "snack": 0.3, "dinner": 0.95}
DEFAULT_CARBS_G = {"breakfast": 45.0, "lunch": 65.0, "snack": 20.0, "dinner": 70.0}
EXERCISES = (
    ("walking", "moderate"),
    ("walking", "vigorous"),
    ("cycling", "moderate"),
    ("running", "light"),
    ("swimming", "light"),
    ("strength", "moderate"),
)
# (language, zone, glucose unit) choices a demo user gets.
LOCALES = (
    ("ko", "Asia/Seoul", "mg/dL"),
    ("ko", "Asia/Seoul", "mg/dL"),
    ("en", "America/New_York", "mg/dL"),
    ("en", "Europe/London", "mmol/L"),
)
