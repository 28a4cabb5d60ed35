"""PostgreSQL for integration tests: a uniquely named database per test, dropped afterwards;
and healthapp.api on the test database (the meal photo rows come from tests/conftest.py)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url

from healthapp.api import api, deps

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
