import re
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


def _quoted(sql: str) -> set[str]:
    """The quoted literals of a CHECK's SQL: the allowed values, however the database spells it."""
    return set(re.findall(r"'([^']*)'", sql))


def test_check_constraints_match_the_models(database_url: str) -> None:
    # compare_metadata does not look at CHECK constraints; this does, values included.
    migrate(database_url)
    engine = make_engine(database_url)
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        for table in SQLModel.metadata.sorted_tables:
            declared = {
                ck.name: _quoted(str(ck.sqltext))
                for ck in table.constraints
                if isinstance(ck, sa.CheckConstraint)
            }
            reflected = {
                ck["name"]: _quoted(ck["sqltext"])
                for ck in inspector.get_check_constraints(table.name)
            }
            assert reflected == declared, table.name
    engine.dispose()


def _seed_0004(conn: sa.Connection) -> dict[str, int]:
    """One row in each table of revision 0004 that references another, written without the
    models (they describe the newest schema)."""
    meta = sa.MetaData()
    meta.reflect(conn)
    t = meta.tables
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    stamps = {"created_at": now, "updated_at": now}
    # The preference, goal and opt-out columns have server defaults.
    user_id = conn.execute(
        t["app_user"].insert().returning(t["app_user"].c.id),
        {
            "login": "alice",
            "password_hash": "x",
            "language": "en",
            "created_at": now,
            "password_changed_at": now,
        },
    ).scalar_one()
    owned = {"user_id": user_id}
    meal_id = conn.execute(
        t["meal"].insert().returning(t["meal"].c.id),
        {**owned, **stamps, "eaten_at": now, "meal_type": "lunch", "note": ""},
    ).scalar_one()
    photo_id = conn.execute(
        t["meal_photo"].insert().returning(t["meal_photo"].c.id),
        {
            **owned,
            "meal_id": meal_id,
            "storage_key": "k",
            "content_type": "image/jpeg",
            "width": 1,
            "height": 1,
            "size_bytes": 1,
            "created_at": now,
        },
    ).scalar_one()
    food_id = conn.execute(sa.select(t["food"].c.id).limit(1)).scalar_one()
    conn.execute(
        t["analysis_job"].insert(),
        {**owned, **stamps, "photo_id": photo_id, "status": "done", "attempts": 1, "error_key": ""},
    )
    conn.execute(
        t["meal_item"].insert(),
        {
            **owned,
            **stamps,
            "meal_id": meal_id,
            "photo_id": photo_id,
            "food_id": food_id,
            "grams": 100,
            "kcal": 1,
            "carb_g": 1,
            "protein_g": 1,
            "fat_g": 1,
            "source": "estimate",
        },
    )
    conn.execute(
        t["glucose"].insert(),
        {**owned, **stamps, "note": "", "measured_at": now, "mg_dl": 100, "timing": "fasting"},
    )
    conn.execute(
        t["exercise"].insert(),
        {
            **owned,
            **stamps,
            "note": "",
            "started_at": now,
            "kind": "walking",
            "duration_min": 30,
            "intensity": "light",
        },
    )
    return _counts(conn)


def _counts(conn: sa.Connection) -> dict[str, int]:
    tables = ("app_user", "meal", "meal_photo", "analysis_job", "meal_item", "glucose", "exercise")
    return {
        name: conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one() for name in tables
    }


def test_enum_checks_keep_every_row_up_and_down(database_url: str) -> None:
    # SQLite rebuilds a table to add a CHECK; dropping the old meal table must not cascade to
    # its photos, items and jobs.
    migrate(database_url, "0004")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        before = _seed_0004(conn)
    assert set(before.values()) == {1}
    engine.dispose()

    migrate(database_url, "0005")
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert _counts(conn) == before
        assert sa.inspect(conn).get_check_constraints("meal")[0]["name"] == "ck_meal_meal_type"
    engine.dispose()

    downgrade(database_url, "0004")
    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert _counts(conn) == before
        inspector = sa.inspect(conn)
        tables = ("analysis_job", "meal_item", "meal", "glucose", "exercise")
        assert all(inspector.get_check_constraints(name) == [] for name in tables)
    engine.dispose()


def test_rank_periods_become_the_utc_date_and_the_histogram_follows(database_url: str) -> None:
    migrate(database_url, "0006")
    engine = make_engine(database_url)
    # 00:30 UTC on 11-30 is already 09:30 in Seoul: a local key then was "2026-11-30" / "2026-W49".
    computed = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    with engine.begin() as conn:
        meta = sa.MetaData()
        meta.reflect(conn)
        t = meta.tables
        ids = [
            conn.execute(
                t["app_user"].insert().returning(t["app_user"].c.id),
                {"login": f"u{i}", "password_hash": "x", "language": "en",
                 "created_at": computed, "password_changed_at": computed},
            ).scalar_one()
            for i in range(3)
        ]  # fmt: skip
        for uid, period, key in zip(
            ids, ("2026-W49", "2026-W48", "2026-11-30"), (30, 30, 5), strict=True
        ):
            metric = "consistency_30d" if period == "2026-11-30" else "exercise_week"
            conn.execute(
                t["rank_metric"].insert(),
                {"user_id": uid, "metric": metric, "period": period, "value": key,
                 "rank_value": key, "updated_at": computed},
            )  # fmt: skip
        conn.execute(
            t["rank_histogram"].insert(),
            [
                {"metric": "exercise_week", "period": "2026-W49", "value": 30, "users": 1},
                {"metric": "exercise_week", "period": "2026-W48", "value": 30, "users": 1},
                {"metric": "consistency_30d", "period": "2026-11-30", "value": 5, "users": 1},
            ],
        )
    engine.dispose()

    migrate(database_url, "0007")
    engine = make_engine(database_url)
    with engine.connect() as conn:
        periods = conn.execute(sa.text("SELECT DISTINCT period FROM rank_metric")).scalars().all()
        histogram = conn.execute(
            sa.text("SELECT metric, period, value, users FROM rank_histogram ORDER BY metric")
        ).all()
    engine.dispose()
    assert periods == ["2026-11-29"]
    assert [tuple(row) for row in histogram] == [
        ("consistency_30d", "2026-11-29", 5, 1),
        ("exercise_week", "2026-11-29", 30, 2),  # the two zones' weeks: one cohort now
    ]

    downgrade(database_url, "0006")
    engine = make_engine(database_url)
    with engine.connect() as conn:
        left = conn.execute(sa.text("SELECT count(*) FROM rank_metric")).scalar_one()
        assert left == conn.execute(sa.text("SELECT count(*) FROM rank_histogram")).scalar_one()
        assert left == 0
    engine.dispose()
