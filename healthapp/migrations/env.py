"""Alembic environment: the URL comes from the caller's config, the schema from SQLModel."""

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import healthapp.models  # noqa: F401  (registers every table on SQLModel.metadata)
from healthapp.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("the Alembic config has no sqlalchemy.url")
    engine = make_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode drops the old table; with foreign keys on, that DROP would cascade to
            # every child row (a meal's photos, items and jobs). The pragma is ignored inside a
            # transaction, so it is set, and committed, before the migrations' one begins.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things in place; batch mode rebuilds the table.
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _refuse_broken_foreign_keys(connection)
    engine.dispose()


def _refuse_broken_foreign_keys(connection: Connection) -> None:
    """With the checks off, a migration could leave dangling references; roll it back then."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:10]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
