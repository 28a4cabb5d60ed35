"""The enum columns on SQLite and PostgreSQL: the database itself refuses any other value."""

from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from healthapp.db import make_engine, migrate
from healthapp.domain.clinical import DiabetesStatus, GlucoseTiming
from healthapp.domain.exercise import ExerciseKind, Intensity
from healthapp.models import (
    AnalysisJob,
    Exercise,
    Food,
    Glucose,
    GlucoseSource,
    ItemSource,
    JobStatus,
    Meal,
    MealItem,
    MealType,
    User,
)
from tests.conftest import MealPhotoFactory

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
EnumColumn = tuple[type[SQLModel], str, type[StrEnum]]
# (model, column, enum): every column that has a CHECK constraint.
ENUM_COLUMNS: list[EnumColumn] = [
    (AnalysisJob, "status", JobStatus),
    (MealItem, "source", ItemSource),
    (Meal, "meal_type", MealType),
    (Glucose, "timing", GlucoseTiming),
    (Glucose, "source", GlucoseSource),
    (User, "diabetes_status", DiabetesStatus),
    (Exercise, "kind", ExerciseKind),
    (Exercise, "intensity", Intensity),
]


def test_the_list_above_names_every_check_constraint() -> None:
    declared = {
        ck.name
        for table in SQLModel.metadata.sorted_tables
        for ck in table.constraints
        if isinstance(ck, sa.CheckConstraint)
    }
    assert declared == {f"ck_{model.__tablename__}_{column}" for model, column, _ in ENUM_COLUMNS}


@pytest.fixture(params=ENUM_COLUMNS, ids=lambda param: f"{param[0].__tablename__}.{param[1]}")
def enum_column(request: pytest.FixtureRequest) -> EnumColumn:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def rows(
    database_url: str, add_meal_photo: MealPhotoFactory
) -> Iterator[tuple[Engine, dict[type[SQLModel], int]]]:
    """A migrated database with one valid row in each table that has an enum column."""
    migrate(database_url)
    engine = make_engine(database_url)
    with Session(engine) as db:
        photo = add_meal_photo(db, meal_type=MealType.LUNCH, eaten_at=NOW, storage_key="k")
        assert photo.id is not None
        food = db.exec(select(Food).limit(1)).one()
        meal_id, user_id = photo.meal_id, photo.user_id
        added: list[SQLModel] = [
            AnalysisJob(photo_id=photo.id, user_id=user_id),
            MealItem(
                meal_id=meal_id,
                user_id=user_id,
                food_id=food.id,
                grams=100,
                kcal=1,
                carb_g=1,
                protein_g=1,
                fat_g=1,
                source=ItemSource.ESTIMATE,
            ),
            Glucose(user_id=user_id, measured_at=NOW, mg_dl=100, timing=GlucoseTiming.FASTING),
            Exercise(
                user_id=user_id,
                started_at=NOW,
                kind=ExerciseKind.WALKING,
                duration_min=30,
                intensity=Intensity.LIGHT,
            ),
        ]
        db.add_all(added)
        db.commit()
        ids = {Meal: meal_id, User: user_id} | {type(row): row.id for row in added}
    yield engine, ids
    engine.dispose()


def test_every_value_of_the_enum_is_kept_and_read_back_as_the_member(
    rows: tuple[Engine, dict[type[SQLModel], int]], enum_column: EnumColumn
) -> None:
    engine, ids = rows
    model, column, enum = enum_column
    for member in enum:
        with Session(engine) as db:
            row = db.get(model, ids[model])
            setattr(row, column, member)
            db.add(row)
            db.commit()
        with Session(engine) as db:
            stored = getattr(db.get(model, ids[model]), column)
            assert stored is member
            # The column holds the value itself, not the member's name.
            raw = db.scalar(sa.select(sa.column(column)).select_from(sa.table(model.__tablename__)))
            assert (type(raw), raw) == (str, member.value)


def test_the_database_refuses_a_value_outside_the_enum(
    rows: tuple[Engine, dict[type[SQLModel], int]], enum_column: EnumColumn
) -> None:
    engine, ids = rows
    model, column, enum = enum_column
    table = model.__tablename__
    with Session(engine) as db:
        row = db.get(model, ids[model])
        setattr(row, column, "bogus")
        db.add(row)
        with pytest.raises(sa.exc.IntegrityError, match=f"ck_{table}_{column}|CHECK constraint"):
            db.commit()
    # Past the models too: a plain UPDATE is refused the same way.
    with engine.connect() as conn, pytest.raises(sa.exc.IntegrityError):
        conn.execute(sa.text(f"UPDATE {table} SET {column} = 'BOGUS'"))
    # A member's name is not its value either (what sa.Enum would have stored).
    with engine.connect() as conn, pytest.raises(sa.exc.IntegrityError):
        conn.execute(
            sa.text(f"UPDATE {table} SET {column} = :name"), {"name": next(iter(enum)).name}
        )
