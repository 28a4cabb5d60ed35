"""Fixtures shared by the service tests: a session on the per-test database, and users with
preferences.

`user_id` is a committed user, alice (English), who has saved no preferences (the defaults apply).
`make_user(login, **prefs)` creates a user whose preferences are the form `user_prefs_form` with
`prefs` over it, and returns the user's id. A test module that wants other defaults overrides
`user_prefs_form` (it may take the one below as an argument and change a few fields).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.models import User
from healthapp.services import preferences

MakeUser = Callable[..., int]


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session on the test's fresh database; nothing is committed unless a test does."""
    with Session(engine) as session:
        yield session


@pytest.fixture
def user_id(engine: Engine) -> int:
    """A committed user, alice (English), with no preferences saved: the defaults apply."""
    with Session(engine) as db:
        user = User(login="alice", password_hash="x", language="en")
        db.add(user)
        db.commit()
        assert user.id is not None
        return user.id


@pytest.fixture
def user_prefs_form() -> dict[str, str]:
    """The preferences form of a user of `make_user`: mg/dL, ACC/AHA, Seoul, English."""
    return {
        "glucose_unit": "mg/dL",
        "bp_standard": "acc_aha",
        "timezone": "Asia/Seoul",
        "weight_kg": "",
        "hba1c_target": "7",
        "language": "en",
    }


@pytest.fixture
def make_user(db: Session, user_prefs_form: dict[str, str]) -> MakeUser:
    """make_user(login, **prefs) -> id: a user (in `db`, flushed) with `user_prefs_form` and
    `prefs` over it as preferences."""

    def make(login: str, **prefs: str) -> int:
        user = User(login=login, password_hash="x")
        db.add(user)
        db.flush()
        assert user.id is not None
        preferences.update_preferences(db, user_id=user.id, form={**user_prefs_form, **prefs})
        return user.id

    return make
