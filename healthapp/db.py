"""Database engine, sessions and migrations; shared by the web app, the API and the workers."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import manager_of_class
from sqlmodel import Session, create_engine

from healthapp.config import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps.

    SQLite has no time zone type, so naive values read back are declared UTC here; writing a
    naive datetime is refused because its meaning would be a guess.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store timezone-aware UTC values only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def with_defaults(model: Any, values: dict[str, Any]) -> dict[str, Any]:
    """`values` for one INSERT of `model` written without the ORM, with the model's defaults
    (and default factories, such as the timestamps) for the fields it leaves out."""
    for name, info in model.model_fields.items():
        if name != "id" and name not in values and not info.is_required():
            values[name] = info.get_default(call_default_factory=True)
    return values


def insert_row(db: Session, model: Any, values: dict[str, Any]) -> Any:
    """The new row, written with one INSERT on the transaction's connection, with the model's
    defaults for what `values` leaves out, and held by the session as a clean row it has read.
    The ORM's way (a constructed object, then a flush) was a quarter of a save's database CPU."""
    db.flush()  # what the session holds pending goes first, as the ORM's flush would order it
    with_defaults(model, values)
    written = db.connection().execute(model.__table__.insert(), values)
    assert written.inserted_primary_key is not None  # a single-row INSERT always has one
    # Built as the ORM builds a row it loads (no __init__, no attribute history).
    row = manager_of_class(model).new_instance()
    row.__dict__.update(values, id=written.inserted_primary_key[0])
    make_transient_to_detached(row)
    db.add(row)
    return row


def dialect_insert(dialect: str) -> Any:
    """The INSERT of the dialect named (`engine.dialect.name`) that takes ON CONFLICT
    (PostgreSQL, SQLite), or None elsewhere."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert

        return insert
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert

        return insert
    return None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # SQLite ignores ON DELETE CASCADE unless each connection asks for it.
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets readers (the web app) and the writer (a worker storing a result) run at once;
    # measured in bench/pipeline.py: p95 910 -> 664 ms at 10 uploaders.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _private_sqlite_file(path: Path) -> None:
    """Create the database file 0600 before SQLite does (it would use 0644 less the umask), so
    its -wal and -shm files, which SQLite gives the database file's mode, are private too; an
    existing file and its companions are tightened to 0600. A new parent folder is 0700."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # an empty file is a new database
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists() and stat.S_IMODE(file.stat().st_mode) & 0o077:
            file.chmod(0o600)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.partition("///")[2].split("?", 1)[0]  # "sqlite://": in memory, no path
        if path and path != ":memory:":
            _private_sqlite_file(Path(path))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


@lru_cache(maxsize=1)
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A short unit of work: commit on success, roll back on any error."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser treats % as interpolation; URLs may carry %-escapes in passwords.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url or get_settings().database_url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
