"""Fixtures shared by every test layer: a migrated database, a Redis with its own key prefix,
and a factory of meal photo rows."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from healthapp.db import make_engine, migrate
from healthapp.launcher import free_port
from healthapp.models import Meal, MealPhoto, User
from healthapp.services import meals
from healthapp.services.auth.throttle import LoginThrottle
from healthapp.services.meals.storage import new_key

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
    """The throttle on real Redis: its atomic check-and-count is a Lua script, which fakeredis
    does not run."""
    client, prefix = redis_client
    return LoginThrottle(
        client=client,
        prefix=prefix,
        max_per_account=5,
        max_per_client=20,
        max_per_account_total=30,
        window_seconds=900,
        signup_max_per_client=3,
        signup_window_seconds=3600,
    )


MealPhotoFactory = Callable[..., MealPhoto]


@pytest.fixture
def add_meal_photo() -> MealPhotoFactory:
    """`add(db, ...)` adds a meal with one photo row (and the user, the first time a login is
    seen) and flushes; the caller's transaction commits it. The photo row is the meal service's
    (`meals.add_photo`), as after an upload."""

    def add(
        db: Session,
        *,
        login: str = "alice",
        meal_type: str = "lunch",
        eaten_at: datetime | None = None,
        storage_key: str | None = None,
        content_type: str = "image/jpeg",
        width: int = 1,
        height: int = 1,
        size_bytes: int = 1,
    ) -> MealPhoto:
        user = db.exec(select(User).where(User.login == login)).first()
        if user is None:
            user = User(login=login, password_hash="x")
            db.add(user)
            db.flush()
        assert user.id is not None
        meal = Meal(user_id=user.id, eaten_at=eaten_at or datetime.now(UTC), meal_type=meal_type)
        db.add(meal)
        db.flush()
        assert meal.id is not None
        return meals.add_photo(
            db,
            user_id=user.id,
            meal_id=meal.id,
            storage_key=storage_key or new_key("jpg"),
            content_type=content_type,
            width=width,
            height=height,
            size_bytes=size_bytes,
        )

    return add
