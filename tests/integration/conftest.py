"""PostgreSQL for integration tests: a uniquely named database per test, dropped afterwards;
healthapp.api on the test database (the meal photo rows come from tests/conftest.py); and the
worker tests' tritonserver and stack (tests/integration/worker_stack.py)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from healthapp import config, db
from healthapp.api import api, deps
from healthapp.redis_client import get_redis
from tests.integration.worker_stack import (
    MealPhotoFactory,
    Stack,
    Triton,
    running_triton,
    worker_stack,
)

ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRED = os.environ.get("HEALTHAPP_REQUIRE_POSTGRES") == "1"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL not reachable at {ADMIN_URL}: {exc.orig}"
        if REQUIRED:  # CI sets HEALTHAPP_REQUIRE_POSTGRES=1: no silent skip there
            pytest.fail(message)
        pytest.skip(message)
    name = f"healthapp_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, sqlite_url: str) -> str:
    """Each test using this runs on both supported databases."""
    if request.param == "sqlite":
        return sqlite_url
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def api_secret(engine: Engine) -> Iterator[str]:
    """healthapp.api's routes on the test database; sessions are signed with the key returned."""
    secret = "api-test-secret-0123456789abcdefghijklmnop"
    api.dependency_overrides[deps.get_engine_override] = lambda: engine
    api.dependency_overrides[deps.get_secret_key] = lambda: secret
    yield secret
    api.dependency_overrides.clear()


@pytest.fixture(scope="session")
def triton(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Triton]:
    """A tritonserver serving triton_models/ for the worker tests (stopped and started by some)."""
    with running_triton(tmp_path_factory.mktemp("triton")) as server:
        yield server


@pytest.fixture
def stack(
    triton: Triton,
    engine: Engine,
    sqlite_url: str,
    redis_client: tuple[redis.Redis, str],
    redis_server_url: str,
    tmp_path: Path,
    add_meal_photo: MealPhotoFactory,
) -> Iterator[Stack]:
    """One worker test's database, Redis prefix, photo storage and worker environment."""
    with worker_stack(
        triton,
        engine,
        database_url=sqlite_url,
        redis_client=redis_client,
        redis_url=redis_server_url,
        tmp_path=tmp_path,
        add_meal_photo=add_meal_photo,
    ) as built:
        yield built


@pytest.fixture
def app_redis_prefix(redis_client: tuple[redis.Redis, str]) -> str:
    """A key prefix of this test's own; its keys are deleted after it."""
    return redis_client[1]


@pytest.fixture
def app_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, redis_server_url: str, app_redis_prefix: str
) -> Iterator[str]:
    """The app's own settings, as the web process reads them, on a fresh migrated SQLite
    database, this run's Redis and a key prefix of its own; yields the SECRET_KEY."""
    secret = "app-test-key-0123456789abcdefghijklmnopq"
    url = f"sqlite:///{tmp_path / 'app.db'}"
    for name, value in {"DATABASE_URL": url, "SECRET_KEY": secret, "REDIS_URL": redis_server_url,
                        "REDIS_PREFIX": app_redis_prefix}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    caches = (config.get_settings, db.get_engine, get_redis)
    for cache in caches:
        cache.cache_clear()
    db.migrate(url)
    yield secret
    db.get_engine().dispose()
    for cache in caches:
        cache.cache_clear()
