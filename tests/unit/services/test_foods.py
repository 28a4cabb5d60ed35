import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.models import Food
from healthapp.services.foods import portion, search_foods


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kimchi", "Kimchi"),
        ("김치", "Kimchi"),
        ("비빔밥", "Bibimbap, Korean"),
        ("BANANA raw", "Banana, raw"),
        ("espresso", "Coffee, espresso"),
    ],
)
def test_search_finds_english_and_korean_names(engine: Engine, query: str, expected: str) -> None:
    with Session(engine) as db:
        names = [food.name_en for food in search_foods(db, query)]
    assert expected in names[:3]


def test_search_ignores_too_short_or_wildcard_queries(engine: Engine) -> None:
    with Session(engine) as db:
        assert search_foods(db, "a") == []
        assert search_foods(db, "%%") == []  # LIKE wildcards are escaped, not "match all"


def test_seed_has_no_branded_foods_and_real_numbers(engine: Engine) -> None:
    from sqlmodel import func, select

    with Session(engine) as db:
        total = db.exec(select(func.count()).select_from(Food)).one()
        branded = db.exec(select(func.count()).where(Food.data_type == "branded_food")).one()
        espresso = db.get(Food, "fndds_coffee_espresso")
    assert total > 5000
    assert branded == 0
    assert espresso is not None
    assert espresso.kcal_per_100g == pytest.approx(9, abs=1)


def test_portion_scales_per_100_g() -> None:
    food = Food(id="x", name_en="X", data_type="sr_legacy_food", kcal_per_100g=250,
                carb_g_per_100g=30, protein_g_per_100g=10.5, fat_g_per_100g=9.99,
                default_portion_g=100)  # fmt: skip
    n = portion(food, 150)
    assert (n.kcal, n.carb_g, n.protein_g, n.fat_g) == (375.0, 45.0, 15.8, 15.0)
