"""owned(): a row by id, for its owner only; anyone else's is the same NotFound as none."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.db import utcnow
from healthapp.domain.errors import NotFound, ServiceError
from healthapp.models import Meal, User
from healthapp.services.ownership import owned


def test_the_owner_gets_the_row_and_nobody_else_does(engine: Engine) -> None:
    now = utcnow()
    with Session(engine) as db:
        alice, bob = User(login="alice", password_hash="x"), User(login="bob", password_hash="x")
        db.add_all([alice, bob])
        db.flush()
        assert alice.id is not None
        assert bob.id is not None
        meal = Meal(user_id=alice.id, eaten_at=now, meal_type="lunch", created_at=now,
                    updated_at=now)  # fmt: skip
        db.add(meal)
        db.flush()
        assert meal.id is not None

        assert owned(db, Meal, meal.id, user_id=alice.id) is meal
        assert owned(db, Meal, meal.id, user_id=alice.id, for_update=True) is meal
        with pytest.raises(NotFound) as not_yours:
            owned(db, Meal, meal.id, user_id=bob.id)
        with pytest.raises(NotFound) as missing:
            owned(db, Meal, meal.id + 1, user_id=alice.id)
    assert not_yours.value.key == missing.value.key == "error.record_not_found"
    assert isinstance(not_yours.value, ServiceError)
