"""The launcher's log lines never show a credential from DATABASE_URL or REDIS_URL."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from healthapp import launcher
from healthapp.config import Settings
from healthapp.processes import free_port

PASSWORD = "hunter2-not-for-logs"


@pytest.fixture(autouse=True)
def keep_signal_handlers(monkeypatch: pytest.MonkeyPatch) -> None:
    """run() installs its SIGINT/SIGTERM handlers; pytest's own must stay after the test."""
    monkeypatch.setattr(launcher.signal, "signal", lambda *_args: None)


def settings(tmp_path: Path, **env: str) -> Settings:
    return Settings(var_dir=tmp_path, port=free_port(), workers=0, **env)  # type: ignore[arg-type]


def test_a_redis_url_that_does_not_answer_is_logged_without_its_password(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"  # nothing listens there
    with caplog.at_level(logging.INFO):
        assert launcher.run(settings(tmp_path, redis_url=url)) == 1
    assert "does not answer PING" in caplog.text
    assert "redis://:***@127.0.0.1" in caplog.text
    assert PASSWORD not in caplog.text


def test_the_database_url_is_logged_without_its_password(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, redis_server_url: str
) -> None:
    db_url = f"postgresql+psycopg://app:{PASSWORD}@127.0.0.1:{free_port()}/health"  # closed port
    with caplog.at_level(logging.INFO), pytest.raises(Exception, match="connect"):
        launcher.run(settings(tmp_path, redis_url=redis_server_url, database_url=db_url))
    assert "applying database migrations to postgresql+psycopg://app:***@127.0.0.1" in caplog.text
    assert PASSWORD not in caplog.text


def test_the_web_gets_an_emptied_metrics_directory_and_the_workers_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(launcher.MULTIPROC_ENV, raising=False)
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_123.db").write_bytes(b"stale")
    web = launcher.web_service(settings(tmp_path), {"PATH": "/bin"})
    assert web.env[launcher.MULTIPROC_ENV] == str(folder)
    assert list(folder.iterdir()) == []  # an earlier run's values would add up
    assert launcher.MULTIPROC_ENV not in launcher.worker_service(0, {"PATH": "/bin"}).env

    given = tmp_path / "elsewhere"
    monkeypatch.setenv(launcher.MULTIPROC_ENV, str(given))
    assert launcher.web_service(settings(tmp_path), {}).env[launcher.MULTIPROC_ENV] == str(given)
    assert given.is_dir()
