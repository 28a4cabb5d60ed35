from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import Session, SQLModel, select

import healthapp.models  # noqa: F401
from healthapp.db import downgrade, make_engine, migrate
from healthapp.models import AuthSession, User


def test_upgrade_from_empty_matches_the_models(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        assert {"app_user", "auth_session", "alembic_version"} <= tables
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": False}), SQLModel.metadata
        )
    engine.dispose()
    assert diff == [], f"models and migrations disagree: {diff}"


def test_cascade_and_timezone_round_trip(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    expires = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    with Session(engine) as db:
        user = User(login="alice", password_hash="x")
        db.add(user)
        db.flush()
        assert user.id is not None
        db.add(AuthSession(user_id=user.id, token_hash="h" * 64, expires_at=expires))
        db.commit()
        stored = db.exec(select(AuthSession)).one()
        assert stored.expires_at == expires
        assert stored.expires_at.utcoffset() == timedelta(0)
        db.exec(sa.delete(User).where(User.id == user.id))  # type: ignore[call-overload]
        db.commit()
        assert db.exec(select(AuthSession)).all() == []
    engine.dispose()


def test_naive_datetimes_are_refused(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    with Session(engine) as db:
        db.add(User(login="bob", password_hash="x", created_at=datetime(2030, 1, 1)))
        with pytest.raises(sa.exc.StatementError, match="naive datetime"):
            db.commit()
    engine.dispose()


def test_downgrade_to_empty_and_up_again(database_url: str) -> None:
    migrate(database_url)
    downgrade(database_url, "base")
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate(database_url)
