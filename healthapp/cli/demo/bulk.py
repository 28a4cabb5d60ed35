"""Writing demo rows fast: one multi-row statement per table and batch, COPY on PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from healthapp.cli.demo.personas import DEMO_FOOD_IDS
from healthapp.models import Food, User
from healthapp.services.auth import passwords


def demo_foods(db: Session) -> dict[str, Food]:
    """The demo menus' foods that the food table has, by id."""
    return {f.id: f for f in db.exec(select(Food).where(col(Food.id).in_(DEMO_FOOD_IDS))).all()}


def new_logins(db: Session, prefix: str, count: int) -> list[str]:
    """`count` logins "<prefix>-0001"...; ValueError when the prefix is taken."""
    db.flush()  # users added to this session but not yet written count as taken too
    width = max(4, len(str(count)))
    taken = db.exec(
        select(func.count())
        .select_from(User)
        .where(col(User.login).startswith(f"{prefix}-", autoescape=True))
    ).one()
    if taken:
        raise ValueError(f"demo users with the prefix {prefix!r} exist; choose another prefix")
    return [f"{prefix}-{i + 1:0{width}d}" for i in range(count)]


def _copy_mode(db: Session) -> bool:
    connection = db.connection()
    return connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg"


def insert_returning_ids(db: Session, model: Any, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert and return the new ids in the order of `rows`. On PostgreSQL the ids are drawn from
    the table's sequence first and the rows copied with them; elsewhere INSERT ... RETURNING."""
    if not rows:
        return []
    if _copy_mode(db):
        ids = [
            int(i)
            for i in db.execute(
                sa.select(
                    sa.func.nextval(sa.func.pg_get_serial_sequence(model.__tablename__, "id"))
                ).select_from(sa.func.generate_series(1, len(rows)))
            ).scalars()
        ]
        insert_rows(db, model, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
        return ids
    result = db.connection().execute(
        sa.insert(model).returning(model.id, sort_by_parameter_order=True), list(rows)
    )
    return [row[0] for row in result]


def insert_rows(db: Session, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Many rows at once: COPY on PostgreSQL with psycopg (several times faster than multi-row
    INSERT there), one executemany INSERT elsewhere. Rows share their keys."""
    if not rows:
        return
    connection = db.connection()
    if _copy_mode(db):
        from psycopg import sql

        columns = list(rows[0])
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(model.__tablename__), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([row[name] for name in columns])
        return
    connection.execute(sa.insert(model), list(rows))


def user_row(
    login: str,
    password_hash: str,
    locale: tuple[str, str, str],
    weight: float | None,
    target: float,
    now: datetime,
    diabetes_status: str = "none",
) -> dict[str, Any]:
    language, zone, unit = locale
    return {
        "login": login,
        "password_hash": password_hash,
        "language": language,
        "glucose_unit": unit,
        "bp_standard": "",
        "timezone": zone,
        "weight_kg": weight,
        "hba1c_target": target,
        "diabetes_status": diabetes_status,
        "created_at": now,
        "password_changed_at": now,
    }


def unusable_hash() -> str:
    """A real hash of a random secret: such an account exists but nobody can log in to it."""
    return passwords.hash_password(secrets.token_urlsafe(32))
