"""`make demo` users see all three "top n%" badges: the Makefile's default makes at least the
minimum cohort, and every persona logs enough for every metric."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.cli import demo
from healthapp.services import preferences, ranking

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
MAKEFILE = Path(__file__).resolve().parents[4] / "Makefile"


def _make_default(name: str) -> int:
    found = re.search(rf"^{name} \?= (\d+)", MAKEFILE.read_text(), re.MULTILINE)
    assert found, f"{name} has no default in the Makefile"
    return int(found.group(1))


def test_make_demo_users_see_every_badge(engine: Engine) -> None:
    users, days = _make_default("DEMO_USERS"), _make_default("DEMO_DAYS")
    assert users >= ranking.DEFAULT_MIN_COHORT
    with Session(engine) as db:
        result = demo.generate_demo(db, users=users, days=days, seed=1, password_hash="x", now=NOW)
        assert ranking.refresh_all_metrics(db, now=NOW, commit=False) == users
        zones = set()
        for user in result.users:
            prefs = preferences.get_preferences(db, user_id=user.user_id)
            zones.add(prefs.timezone)
            badges = ranking.user_ranks(db, user_id=user.user_id, prefs=prefs, now=NOW)
            assert len(badges) == len(ranking.Metric)
            for badge in badges:
                assert badge.top_percent is not None, (user.login, user.persona, badge)
                assert badge.cohort == users
    assert len(zones) > 1  # the demo's users live in several zones, one cohort all the same
