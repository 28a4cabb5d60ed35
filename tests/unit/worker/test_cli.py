"""The worker's command line and the settings it reads (the worker itself runs in
tests/integration)."""

from __future__ import annotations

import pytest

from healthapp.launcher import STOP_GRACE_SECONDS
from healthapp.worker.cli import parse_args


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
    # A live worker's lease is renewed well before a reclaim could take its job.
    assert config.lease_s < config.reclaim_idle_s
    # SIGTERM ends the worker before the launcher's supervisor would kill it.
    assert config.shutdown_grace_s < STOP_GRACE_SECONDS
