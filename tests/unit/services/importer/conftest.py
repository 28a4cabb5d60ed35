"""Fixtures of the importer tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def user_prefs_form(user_prefs_form: dict[str, str]) -> dict[str, str]:
    """Users of these tests read Korean and have chosen no blood-pressure standard."""
    return {**user_prefs_form, "bp_standard": "", "language": "ko"}
