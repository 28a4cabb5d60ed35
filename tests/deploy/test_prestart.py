"""The images' prestart step (deploy/docker/prestart.py through deploy/docker/entrypoint.sh):
it waits for the database, applies the app's migrations, lets several containers start at once
on PostgreSQL (advisory lock), gives up on an unreachable database with a clear message and
without printing its password."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from healthapp.db import alembic_config
from healthapp.processes import free_port
from tests.deploy.conftest import DEPLOY, ROOT, failed, run

PRESTART = DEPLOY / "docker" / "prestart.py"
ENTRYPOINT = DEPLOY / "docker" / "entrypoint.sh"
ADMIN_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRED = os.environ.get("HEALTHAPP_REQUIRE_POSTGRES") == "1"


def environment(database_url: str, tmp_path: Path) -> dict[str, str]:
    """What the container sets (production, a strong key), pointed at a test database."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "VAR_DIR")}
    return {
        **env,
        "PYTHONPATH": str(ROOT),
        # The entrypoint runs `python`: this interpreter's, as the image's venv is first on PATH.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        "HEALTHAPP_ENV": "production",
        "SECRET_KEY": "prestart-test-" + uuid.uuid4().hex + uuid.uuid4().hex,
        "DATABASE_URL": database_url,
        "VAR_DIR": str(tmp_path / "var"),
    }


def head_revision(url: str) -> str:
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert head
    return head


def current_revision(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                sa.text("SELECT version_num FROM alembic_version")
            ).scalar_one()
    finally:
        engine.dispose()


@pytest.fixture
def postgres_db() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards (as tests/integration does)."""
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL not reachable at {ADMIN_URL}: {exc.orig}"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    name = f"healthapp_prestart_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_migrates_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    result = run([sys.executable, str(PRESTART)], env=environment(url, tmp_path))
    assert result.returncode == 0, failed(result)
    assert "migrations at head" in result.stdout
    assert current_revision(url) == head_revision(url)


@pytest.mark.postgres
def test_containers_starting_together_migrate_once(postgres_db: str, tmp_path: Path) -> None:
    env = environment(postgres_db, tmp_path)
    processes = [
        subprocess.Popen(
            [sys.executable, str(PRESTART)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(3)
    ]
    outputs = [process.communicate(timeout=180) for process in processes]
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, (out + err).decode()
    assert current_revision(postgres_db) == head_revision(postgres_db)


@pytest.mark.postgres
def test_wait_only_changes_nothing(postgres_db: str, tmp_path: Path) -> None:
    result = run(
        [sys.executable, str(PRESTART), "--wait-only"], env=environment(postgres_db, tmp_path)
    )
    assert result.returncode == 0, failed(result)
    engine = sa.create_engine(postgres_db)
    try:
        assert sa.inspect(engine).get_table_names() == []
    finally:
        engine.dispose()


def test_unreachable_database_fails_without_leaking_the_password(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://healthapp:s3cret-pw-Zq9@127.0.0.1:{free_port()}/healthapp"
    result = run([sys.executable, str(PRESTART), "--timeout", "2"], env=environment(url, tmp_path))
    assert result.returncode == 1, failed(result)
    assert "database not reachable after 2 s" in result.stderr
    assert "s3cret-pw-Zq9" not in result.stdout + result.stderr


def test_entrypoint_runs_prestart_then_the_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    result = run(["sh", str(ENTRYPOINT), "echo", "server started"], env=environment(url, tmp_path))
    assert result.returncode == 0, failed(result)
    assert result.stdout.index("migrations at head") < result.stdout.index("server started")


def test_entrypoint_can_skip_prestart(tmp_path: Path) -> None:
    env = {**environment("postgresql+psycopg://x@127.0.0.1:1/x", tmp_path), "RUN_PRESTART": "0"}
    result = run(["sh", str(ENTRYPOINT), "echo", "server started"], env=env)
    assert result.returncode == 0, failed(result)
    assert result.stdout == "server started\n"
