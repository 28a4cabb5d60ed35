from __future__ import annotations

import fakeredis
import pytest

from healthapp.services.auth.throttle import LoginThrottle


@pytest.fixture
def fake_throttle() -> LoginThrottle:
    """Unit tests count failures in fakeredis; tests/integration repeats this on real Redis."""
    return LoginThrottle(
        client=fakeredis.FakeRedis(decode_responses=True),
        prefix="t:",
        max_per_account=5,
        max_per_client=20,
        window_seconds=900,
    )
