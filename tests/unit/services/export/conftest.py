"""A database with users and their records, shared by the export tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from healthapp.services import export, preferences, records

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture
def user_prefs_form(user_prefs_form: dict[str, str]) -> dict[str, str]:
    """The export users' preferences: the services' defaults in New York, weighing 80 kg."""
    return {**user_prefs_form, "timezone": "America/New_York", "weight_kg": "80"}


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
