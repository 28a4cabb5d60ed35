"""Worker pieces that need no services (the worker itself runs in tests/integration)."""

from __future__ import annotations

import pytest

from healthapp.inference.worker import parse_args, retry_delay


@pytest.mark.parametrize(("attempts", "expected"), [(1, 2.0), (2, 4.0), (3, 8.0), (6, 60.0)])
def test_backoff_doubles_up_to_the_cap(attempts, expected) -> None:
    assert retry_delay(attempts, base_s=2, max_s=60, jitter=0) == expected
    spread = [retry_delay(attempts, base_s=2, max_s=60) for _ in range(50)]
    assert all(0.8 * expected <= delay <= 1.2 * expected for delay in spread)


def test_arguments_and_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from healthapp.config import get_settings

    monkeypatch.setenv("JOB_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("JOB_RECLAIM_IDLE_SECONDS", "7.5")
    monkeypatch.setenv("SECRET_KEY", "k" * 8 + "0123456789abcdefghijklmnopqrstuv")
    get_settings.cache_clear()
    try:
        config = parse_args(["--consumer", "w1", "--health-port", "19123", "--concurrency", "2"])
    finally:
        get_settings.cache_clear()
    assert (config.consumer, config.health_port, config.concurrency) == ("w1", 19123, 2)
    assert (config.max_attempts, config.reclaim_idle_s) == (3, 7.5)
    # Jobs in the retry set are never "stale" before their backoff is due.
    assert config.stale_after_s >= 2 * config.retry_max_s
