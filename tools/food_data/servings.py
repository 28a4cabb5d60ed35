"""Default servings: how a serving is chosen, and the tables of approximate servings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.food_data.usda import DATA_TYPE, Food, Foods


@dataclass(frozen=True)
class Portion:
    """How a default serving is chosen.

    kind "csv": the ``portion_gram_weight`` of the food's own CSV row.
    kind "ref": the ``portion_gram_weight`` of another CSV row (``ref``), e.g. an SR Legacy row
    of the same food whose first USDA portion is a realistic serving.
    kind "curated": a hand-chosen serving in grams with the reason in ``why``.
    """

    kind: str
    name: str
    grams: float | None = None
    ref: tuple[str, str] | None = None
    why: str = ""


def csv_portion(name: str) -> Portion:
    return Portion("csv", name)


def ref_portion(prefix: str, usda_name: str, name: str) -> Portion:
    return Portion("ref", name, ref=(DATA_TYPE[prefix], usda_name))


def curated(grams: float, name: str, why: str) -> Portion:
    return Portion("curated", name, grams=grams, why=why)


def resolve_portion(foods: Foods, food: Food, portion: Portion) -> tuple[float, str]:
    """Return (grams, source description) for a hand-made portion choice."""
    if portion.kind == "csv":
        if food.portion_g is None:
            raise SystemExit(f"no CSV portion for {food.name!r}")
        unit = food.portion_unit or "n/a"
        return food.portion_g, f"csv: own row portion_gram_weight (unit '{unit}')"
    if portion.kind == "ref":
        assert portion.ref is not None
        data_type, name = portion.ref
        other = foods.get((data_type, name))
        if other is None or other.portion_g is None:
            raise SystemExit(f"portion reference missing: {portion.ref}")
        return other.portion_g, f"csv: portion_gram_weight of {data_type} '{name}'"
    assert portion.grams is not None
    return portion.grams, f"curated: {portion.why}" if portion.why else "curated"


def default_portion(food: Food) -> tuple[float, str]:
    """Approximate serving for seed rows without a hand-made choice."""
    if (
        food.data_type == "foundation_food"
        and food.portion_g
        and food.portion_unit.strip().lower() not in NON_SERVING_UNITS
    ):
        return food.portion_g, f"1 {food.portion_unit}"
    if (
        food.data_type == "sr_legacy_food"
        and food.category in ITEM_PORTION_CATEGORIES
        and food.portion_g
        and 20 <= food.portion_g <= 700
    ):
        return food.portion_g, "1 item (USDA portion)"
    lowered = food.name.lower()
    for pattern, grams, label in NAME_PORTIONS:
        if re.search(pattern, lowered):
            return grams, label
    if food.category in CATEGORY_PORTIONS:
        return CATEGORY_PORTIONS[food.category]
    return 100.0, "100 g"


# --------------------------------------------------------------------------------------
# Default servings for the food-search seed (approximate, per category)
# --------------------------------------------------------------------------------------

# Name rules are tried first (case-insensitive regex on the USDA name), then categories.
NAME_PORTIONS: list[tuple[str, float, str]] = [
    (r"^(alcoholic beverages?, )?beer\b|^beer$|^beer,", 356, "1 can (12 fl oz)"),
    (r"^(alcoholic beverage, )?wine\b|^alcoholic beverage, wine", 148, "1 glass (5 fl oz)"),
    (r"^(lemon|lime) juice", 15, "1 tbsp"),
    (r"\bjuice\b", 248, "1 cup"),
    (r"^milk, .*\b(dry|dried|powder)\b", 32, "1/4 cup"),
    (r"^milk, .*\b(condensed|evaporated)\b", 30, "2 tbsp"),
    (r"^milk ?shakes?\b", 240, "1 cup"),
    (r"^milk(,|$)", 244, "1 cup"),
    (r"^peanut butter", 32, "2 tbsp"),
    (r"^peanuts\b", 28, "1 oz"),
    (r"^cheese, cottage", 110, "1/2 cup"),
    (r"^cheese\b", 28, "1 oz"),
    (r"^yogurt\b", 170, "1 container (6 oz)"),
    (r"^garlic\b", 3, "1 clove"),
    (r"^kiwi", 75, "1 kiwi"),
    (r"^(mandarin|tangerine)", 88, "1 fruit"),
    (r"^persimmon", 168, "1 fruit"),
    (
        r"^(vodka|whiskey|gin|rum|tequila|brandy|scotch|liqueur)(, [a-z ]+)?$",
        42,
        "1 shot (1.5 fl oz)",
    ),
    (r"^eggs?, (whole|white|yolk)", 50, "1 large egg"),
    (r"^oil\b|^[a-z]+ oil\b", 14, "1 tbsp"),
    (r"^(butter|margarine)\b", 14, "1 tbsp"),
    (r"^spices\b", 2, "1 tsp"),
    (r"^pizza\b", 107, "1 slice"),
    (r"^bagels?\b", 105, "1 bagel"),
    (r"^muffins?, english|^english muffin", 57, "1 muffin"),
    (r"^bread\b", 30, "1 slice"),
    (r"^soup\b.*\b(dry|mix|powder|cube|cubed|condensed)\b", 15, "1 serving of mix"),
    (r"^soup\b", 245, "1 cup"),
    (r"^(sauce|gravy)\b", 60, "1/4 cup"),
    (r"^(nuts|seeds)\b", 28, "1 oz"),
    (r"^(candies|chocolate candy)\b", 40, "1 bar/piece"),
]

CATEGORY_PORTIONS: dict[str, tuple[float, str]] = {
    # FNDDS (WWEIA) categories
    "Meat mixed dishes": (240, "1 cup"),
    "Poultry mixed dishes": (240, "1 cup"),
    "Seafood mixed dishes": (240, "1 cup"),
    "Rice mixed dishes": (240, "1 cup"),
    "Pasta mixed dishes, excludes macaroni and cheese": (240, "1 cup"),
    "Macaroni and cheese": (200, "1 cup"),
    "Stir-fry and soy-based sauce mixtures": (240, "1 cup"),
    "Fried rice and lo/chow mein": (200, "1 cup"),
    "Other Mexican mixed dishes": (200, "1 serving"),
    "Bean, pea, legume dishes": (200, "1 cup"),
    "Vegetable dishes": (125, "1 serving"),
    "Egg rolls, dumplings, sushi": (100, "1 serving"),
    "Burritos and tacos": (150, "1 item"),
    "Nachos": (200, "1 serving"),
    "Pizza": (107, "1 slice"),
    "Burgers": (150, "1 burger"),
    "Frankfurter sandwiches": (100, "1 hot dog"),
    "Chicken fillet sandwiches": (200, "1 sandwich"),
    "Egg/breakfast sandwiches": (150, "1 sandwich"),
    "Deli and cured meat sandwiches": (150, "1 sandwich"),
    "Meat and BBQ sandwiches": (180, "1 sandwich"),
    "Seafood sandwiches": (180, "1 sandwich"),
    "Cheese sandwiches": (120, "1 sandwich"),
    "Peanut butter and jelly sandwiches": (100, "1 sandwich"),
    "Vegetable sandwiches/burgers": (150, "1 sandwich"),
    "Turnovers and other grain-based items": (100, "1 item"),
    "Soups, broth-based": (245, "1 cup"),
    "Soups, cream-based": (245, "1 cup"),
    "Ramen and Asian broth-based soups": (480, "1 bowl"),
    "Fish": (85, "3 oz cooked"),
    "Shellfish": (85, "3 oz cooked"),
    "Beef, excludes ground": (85, "3 oz cooked"),
    "Ground beef": (85, "3 oz cooked"),
    "Pork": (85, "3 oz cooked"),
    "Lamb, goat, game": (85, "3 oz cooked"),
    "Turkey, duck, other poultry": (85, "3 oz cooked"),
    "Liver and organ meats": (85, "3 oz cooked"),
    "Chicken, whole pieces": (100, "1 piece"),
    "Chicken patties, nuggets and tenders": (100, "1 serving"),
    "Soy and meat-alternative products": (85, "1 serving"),
    "Cold cuts and cured meats": (28, "1 slice (1 oz)"),
    "Sausages": (50, "1 link"),
    "Frankfurters": (50, "1 frankfurter"),
    "Bacon": (16, "2 slices"),
    "Eggs and omelets": (60, "1 egg / serving"),
    "Cheese": (28, "1 oz"),
    "Cottage/ricotta cheese": (110, "1/2 cup"),
    "Cream cheese, sour cream, whipped cream": (30, "2 tbsp"),
    "Cream and cream substitutes": (15, "1 tbsp"),
    "Yogurt, regular": (170, "1 container (6 oz)"),
    "Yogurt, Greek": (170, "1 container (6 oz)"),
    "Plant-based yogurt": (150, "1 container"),
    "Milk, whole": (244, "1 cup"),
    "Milk, reduced fat": (244, "1 cup"),
    "Milk, lowfat": (244, "1 cup"),
    "Milk, nonfat": (244, "1 cup"),
    "Flavored milk, whole": (250, "1 cup"),
    "Flavored milk, reduced fat": (250, "1 cup"),
    "Flavored milk, lowfat": (250, "1 cup"),
    "Flavored milk, nonfat": (250, "1 cup"),
    "Plant-based milk": (240, "1 cup"),
    "Milk shakes and other dairy drinks": (240, "1 cup"),
    "Smoothies and grain drinks": (240, "1 cup"),
    "Coffee": (240, "1 cup (8 fl oz)"),
    "Tea": (240, "1 cup (8 fl oz)"),
    "Soft drinks": (370, "1 can (12 fl oz)"),
    "Diet soft drinks": (370, "1 can (12 fl oz)"),
    "Fruit drinks": (240, "1 cup"),
    "Sport and energy drinks": (240, "1 cup"),
    "Diet sport and energy drinks": (240, "1 cup"),
    "Other diet drinks": (240, "1 cup"),
    "Flavored or carbonated water": (240, "1 cup"),
    "Enhanced water": (240, "1 cup"),
    "Tap water": (240, "1 cup"),
    "Bottled water": (500, "1 bottle"),
    "Beer": (356, "1 can (12 fl oz)"),
    "Wine": (148, "1 glass (5 fl oz)"),
    "Apple juice": (248, "1 cup"),
    "Citrus juice": (248, "1 cup"),
    "Other fruit juice": (248, "1 cup"),
    "Vegetable juice": (242, "1 cup"),
    "Yeast breads": (30, "1 slice"),
    "Rolls and buns": (40, "1 roll"),
    "Bagels and English muffins": (80, "1 piece"),
    "Tortillas": (45, "1 tortilla"),
    "Biscuits, muffins, quick breads": (60, "1 piece"),
    "Pancakes, waffles, French toast": (75, "1 serving"),
    "Doughnuts, sweet rolls, pastries": (70, "1 piece"),
    "Cakes and pies": (90, "1 slice"),
    "Cookies and brownies": (30, "1 piece"),
    "Crackers, excludes saltines": (15, "1 serving (~4 crackers)"),
    "Saltine crackers": (15, "5 crackers"),
    "Pretzels/snack mix": (28, "1 oz"),
    "Potato chips": (28, "1 oz"),
    "Tortilla, corn, other chips": (28, "1 oz"),
    "Popcorn": (28, "1 oz"),
    "Cereal bars": (35, "1 bar"),
    "Nutrition bars": (50, "1 bar"),
    "Candy containing chocolate": (40, "1 bar"),
    "Candy not containing chocolate": (30, "1 serving"),
    "Ice cream and frozen dairy desserts": (70, "1/2 cup"),
    "Pudding": (120, "1/2 cup"),
    "Gelatins, ices, sorbets": (100, "1/2 cup"),
    "Jams, syrups, toppings": (20, "1 tbsp"),
    "Sugars and honey": (12, "1 tbsp"),
    "Sugar substitutes": (1, "1 packet"),
    "Ready-to-eat cereal, higher sugar (>21.2g/100g)": (30, "1 serving"),
    "Ready-to-eat cereal, lower sugar (=<21.2g/100g)": (30, "1 serving"),
    "Oatmeal": (240, "1 cup cooked"),
    "Grits and other cooked cereals": (240, "1 cup cooked"),
    "Rice": (158, "1 cup cooked"),
    "Pasta, noodles, cooked grains": (140, "1 cup cooked"),
    "Beans, peas, legumes": (90, "1/2 cup"),
    "Nuts and seeds": (28, "1 oz"),
    "Dips, gravies, other sauces": (30, "2 tbsp"),
    "Pasta sauces, tomato-based": (125, "1/2 cup"),
    "Tomato-based condiments": (17, "1 tbsp"),
    "Mustard and other condiments": (15, "1 tbsp"),
    "Soy-based condiments": (16, "1 tbsp"),
    "Mayonnaise": (14, "1 tbsp"),
    "Salad dressings and vegetable oils": (15, "1 tbsp"),
    "Butter and animal fats": (14, "1 tbsp"),
    "Margarine": (14, "1 tbsp"),
    "Olives, pickles, pickled vegetables": (30, "1 serving"),
    "Vegetables on a sandwich": (20, "1 serving"),
    "Lettuce and lettuce salads": (85, "1 cup"),
    "Coleslaw, non-lettuce salads": (100, "1/2 cup"),
    "Other dark green vegetables": (80, "1/2 cup"),
    "Other red and orange vegetables": (80, "1/2 cup"),
    "Other vegetables and combinations": (80, "1/2 cup"),
    "Other starchy vegetables": (80, "1/2 cup"),
    "Broccoli": (80, "1/2 cup"),
    "Spinach": (90, "1/2 cup cooked"),
    "Carrots": (64, "1/2 cup"),
    "Cabbage": (75, "1/2 cup"),
    "String beans": (62, "1/2 cup"),
    "Onions": (80, "1/2 cup"),
    "Corn": (82, "1/2 cup"),
    "Tomatoes": (123, "1 medium tomato"),
    "Fried vegetables": (85, "1 serving"),
    "French fries and other fried white potatoes": (117, "1 medium order"),
    "White potatoes, baked or boiled": (150, "1 medium potato"),
    "Mashed potatoes and white potato mixtures": (210, "1 cup"),
    "Apples": (182, "1 medium apple"),
    "Bananas": (118, "1 medium banana"),
    "Citrus fruits": (140, "1 fruit"),
    "Grapes": (150, "1 cup"),
    "Melons": (160, "1 cup"),
    "Pears": (180, "1 pear"),
    "Pineapple": (165, "1 cup"),
    "Strawberries": (150, "1 cup"),
    "Blueberries and other berries": (145, "1 cup"),
    "Peaches and nectarines": (150, "1 fruit"),
    "Mango and papaya": (165, "1 cup"),
    "Other fruits and fruit salads": (140, "1 cup"),
    "Dried fruits": (40, "1/4 cup"),
    "Protein and nutritional powders": (30, "1 scoop"),
    "Liquor and cocktails": (150, "1 drink"),
    # SR Legacy / Foundation categories
    "Vegetables and Vegetable Products": (85, "1/2 cup"),
    "Fruits and Fruit Juices": (140, "1 cup"),
    "Baked Products": (40, "1 piece"),
    "Sweets": (30, "1 oz"),
    "Dairy and Egg Products": (50, "1 serving"),
    "Finfish and Shellfish Products": (85, "3 oz"),
    "Beef Products": (85, "3 oz"),
    "Pork Products": (85, "3 oz"),
    "Poultry Products": (85, "3 oz"),
    "Lamb, Veal, and Game Products": (85, "3 oz"),
    "Sausages and Luncheon Meats": (28, "1 oz"),
    "Legumes and Legume Products": (90, "1/2 cup"),
    "Nut and Seed Products": (28, "1 oz"),
    "Cereal Grains and Pasta": (45, "1/4 cup dry"),
    "Breakfast Cereals": (30, "1 serving"),
    "Snacks": (28, "1 oz"),
    "Fats and Oils": (14, "1 tbsp"),
    "Spices and Herbs": (2, "1 tsp"),
    "Beverages": (240, "1 cup (8 fl oz)"),
    "Soups, Sauces, and Gravies": (245, "1 cup"),
}
# SR categories whose first USDA portion is normally "1 item" (a sandwich, an entree, an order).
ITEM_PORTION_CATEGORIES = {"Fast Foods", "Restaurant Foods", "Meals, Entrees, and Side Dishes"}
# Foundation portion units that are not a serving.
NON_SERVING_UNITS = {"", "undetermined", "milliliter"}
