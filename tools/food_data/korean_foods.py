"""Korean dishes and staples: Korean name and serving; "proxy" notes mark nearest substitutes."""

from __future__ import annotations

from dataclasses import dataclass

from tools.food_data.servings import Portion, csv_portion, curated


@dataclass(frozen=True)
class KoreanFood:
    prefix: str
    usda_name: str
    name_ko: str
    portion: Portion | None = None
    proxy_for: str = ""  # non-empty when the USDA food only approximates the Korean dish


C = curated
# Servings that several foods share.
BOWL_RICE = C(210, "1 bowl (공기)", "Korean rice bowl")
SOUP_BOWL = C(250, "1 bowl (국그릇)", "Korean soup bowl")
MEAT_SERVING = C(150, "1 serving (1인분)", "cooked meat serving")
SIX_DUMPLINGS = C(150, "6 pieces", "~25 g per dumpling")
CONGEE_BOWL = C(240, "1 bowl", "1 cup")
SWEET_POTATO = C(150, "1 medium sweet potato", "")
# fmt: off
KOREAN_FOODS: list[KoreanFood] = [
    KoreanFood("fndds", "Kimchi", "김치", C(40, "1 side dish (반찬)", "Korean side-dish serving")),
    KoreanFood("sr", "Cabbage, kimchi", "배추김치", C(40, "1 side dish (반찬)", "side dish")),
    KoreanFood("fndds", "Bibimbap, Korean", "비빔밥", C(450, "1 bowl", "restaurant bibimbap bowl")),
    KoreanFood("fndds", "Dukboki or Tteokbokki, Korean", "떡볶이",
               C(300, "1 serving (1인분)", "street-food portion")),
    KoreanFood("fndds", "Soup, seaweed", "미역국", SOUP_BOWL),
    KoreanFood("fndds", "Soup, miso or tofu", "된장국 (미소·두부 된장국)",
               SOUP_BOWL, "doenjang-guk"),
    KoreanFood("fndds", "Korean dressing or marinade", "한식 양념장",
               C(15, "1 tbsp", "sauce serving")),
    KoreanFood("fndds", "Beef with soy-based sauce", "소고기 간장양념 볶음 (불고기류)",
               MEAT_SERVING, "bulgogi"),
    KoreanFood("fndds", "Beef, shortribs", "소갈비 (갈비구이류)",
               MEAT_SERVING, "galbi"),
    KoreanFood("fndds", "Sushi roll, vegetable", "야채 김말이 롤 (김밥류)",
               C(230, "1 roll (1줄)", "one kimbap roll"), "kimbap"),
    KoreanFood("fndds", "Wonton, dumpling or pot sticker, steamed", "찐만두",
               SIX_DUMPLINGS, "mandu"),
    KoreanFood("fndds", "Wonton, dumpling or pot sticker, fried", "군만두",
               SIX_DUMPLINGS, "mandu"),
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
    KoreanFood("fndds", "Congee", "흰죽", CONGEE_BOWL),
    KoreanFood("fndds", "Congee, with vegetables", "야채죽", CONGEE_BOWL),
    KoreanFood("fndds", "Congee, with meat, poultry, and/or seafood", "고기·해물죽", CONGEE_BOWL),
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
    KoreanFood("fndds", "Sweet potato, baked, no added fat", "군고구마", SWEET_POTATO),
    KoreanFood("fndds", "Sweet potato, boiled, no added fat", "찐고구마", SWEET_POTATO),
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
