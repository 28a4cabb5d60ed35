"""A database with users and their records, shared by the export tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.models import User
from healthapp.services import export, preferences, records

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
PREFS = {
    "glucose_unit": "mg/dL",
    "bp_standard": "acc_aha",
    "timezone": "America/New_York",
    "weight_kg": "80",
    "hba1c_target": "7",
    "language": "en",
}


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@pytest.fixture
def make_user(db: Session) -> Callable[..., int]:
    """make_user(login, **prefs): a user with PREFS, `prefs` overriding some of them."""

    def make(login: str, **prefs: str) -> int:
        user = User(login=login, password_hash="x")
        db.add(user)
        db.flush()
        assert user.id is not None
        preferences.update_preferences(db, user_id=user.id, form={**PREFS, **prefs})
        return user.id

    return make


@pytest.fixture
def add(db: Session) -> Callable[..., None]:
    """add(user_id, kind, **form): a record entered through the form, as the app does."""

    def add(user_id: int, kind: str, /, **form: str) -> None:
        prefs = preferences.get_preferences(db, user_id=user_id)
        records.create_record(db, user_id=user_id, kind=kind, form=form, prefs=prefs, now=NOW)

    return add


@pytest.fixture
def report(db: Session) -> Callable[..., str]:
    """report(user_id, start, end, lang="en"): the printable report, made at NOW."""

    def report(user_id: int, start: date, end: date, lang: str = "en") -> str:
        prefs = preferences.get_preferences(db, user_id=user_id)
        return export.printable_report_html(
            db, user_id=user_id, prefs=prefs, start=start, end=end, lang=lang, now=NOW
        )

    return report
