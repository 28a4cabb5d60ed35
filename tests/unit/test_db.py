"""The SQLite database and its folder are private to the account that runs the app."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from healthapp.db import make_engine


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """The common umask 022, which leaves new files world-readable unless the app says not."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("permissive_umask")
def test_a_new_database_its_wal_and_shm_and_folder_are_private(tmp_path: Path) -> None:
    path = tmp_path / "var" / "healthapp.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.begin() as connection:  # a write in WAL mode creates -wal and -shm
        connection.execute(sa.text("CREATE TABLE t (x INTEGER)"))
        connection.execute(sa.text("INSERT INTO t VALUES (1)"))
        files = [path, path.with_name("healthapp.db-wal"), path.with_name("healthapp.db-shm")]
        assert all(f.exists() for f in files)
        assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    engine.dispose()
    assert mode(path.parent) == 0o700


@pytest.mark.usefixtures("permissive_umask")
def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    make_engine(f"sqlite:///{path}").dispose()
    for name in ("old.db", "old.db-wal", "old.db-shm"):
        (tmp_path / name).touch()
        (tmp_path / name).chmod(0o644)  # as an earlier version left them
    make_engine(f"sqlite:///{path}").dispose()
    assert [mode(tmp_path / n) for n in ("old.db", "old.db-wal", "old.db-shm")] == [0o600] * 3


def test_an_in_memory_database_creates_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for url in ("sqlite://", "sqlite:///:memory:"):
        make_engine(url).dispose()
    assert list(tmp_path.iterdir()) == []
