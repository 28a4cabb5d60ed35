import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.models import Food
from healthapp.services.foods import portion, search_foods, suggested_foods


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


def _eat(db: Session, user_id: int, food_id: str, times: int = 1) -> None:
    from datetime import UTC, datetime

    from healthapp.models import Meal, MealItem

    meal = Meal(user_id=user_id, eaten_at=datetime(2026, 11, 29, tzinfo=UTC), meal_type="lunch")
    db.add(meal)
    db.flush()
    assert meal.id is not None
    for _ in range(times):
        db.add(MealItem(meal_id=meal.id, user_id=user_id, food_id=food_id, grams=100, kcal=1,
                        carb_g=0, protein_g=0, fat_g=0, source="manual"))  # fmt: skip
    db.flush()


def _users(db: Session) -> tuple[int, int]:
    from healthapp.models import User

    alice, bob = User(login="alice", password_hash="x"), User(login="bob", password_hash="x")
    db.add_all([alice, bob])
    db.flush()
    assert alice.id is not None
    assert bob.id is not None
    return alice.id, bob.id


def test_suggestions_are_the_users_own_recent_then_frequent_foods(engine: Engine) -> None:
    with Session(engine) as db:
        alice, bob = _users(db)
        _eat(db, alice, "fndds_kimchi", times=3)  # frequent
        _eat(db, alice, "fndds_coffee_espresso")  # most recent
        _eat(db, bob, "fndds_coffee_brewed", times=5)  # someone else's
        ids = [food.id for food in suggested_foods(db, user_id=alice)]
        assert ids == ["fndds_coffee_espresso", "fndds_kimchi"]
        assert suggested_foods(db, user_id=bob)[0].id == "fndds_coffee_brewed"
        assert "fndds_coffee_brewed" not in ids


def test_search_puts_foods_the_user_ate_before_first(engine: Engine) -> None:
    with Session(engine) as db:
        alice, bob = _users(db)
        generic = search_foods(db, "coffee")
        eaten = generic[-1]
        _eat(db, alice, eaten.id)
        assert search_foods(db, "coffee", user_id=alice)[0].id == eaten.id
        assert search_foods(db, "coffee", user_id=bob)[0].id == generic[0].id  # not bob's
