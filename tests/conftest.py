"""Fixtures shared by every test layer: a migrated database and a Redis with its own key prefix."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy.engine import Engine

from healthapp.db import make_engine, migrate
from healthapp.launcher import free_port
from healthapp.services.auth.throttle import LoginThrottle

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    """A fresh SQLite database per test, built by the real migrations."""
    migrate(sqlite_url)
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def redis_server_url() -> Iterator[str]:
    """The machine's Redis when it answers, otherwise a private redis-server for this run."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail(f"no Redis at {REDIS_URL} and no redis-server to start")
        port = free_port()
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(url)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.RedisError:
                time.sleep(0.05)
        yield url
        process.terminate()
        process.wait(10)
        return
    yield REDIS_URL


@pytest.fixture
def redis_client(redis_server_url: str) -> Iterator[tuple[redis.Redis, str]]:
    """A real Redis client and a key prefix no other test uses; the keys are removed after."""
    client = redis.Redis.from_url(redis_server_url, decode_responses=True)
    prefix = f"healthapp-test:{uuid.uuid4().hex[:12]}:"
    yield client, prefix
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def throttle(redis_client: tuple[redis.Redis, str]) -> LoginThrottle:
    client, prefix = redis_client
    return LoginThrottle(
        client=client, prefix=prefix, max_per_account=5, max_per_client=20, window_seconds=900
    )
