from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from healthapp.models import AnalysisJob, ItemSource, JobStatus, MealItem
from healthapp.models.base import StrEnumType, enum_check


class Colour(StrEnum):
    RED = "red"
    DARK_BLUE = "dark_blue"


def test_enum_check_lists_the_values_under_a_fixed_name() -> None:
    check = enum_check("paint", "colour", Colour)
    assert check.name == "ck_paint_colour"
    assert str(check.sqltext) == "colour IN ('red', 'dark_blue')"


def test_members_are_written_as_plain_values_and_read_back_as_members() -> None:
    column = StrEnumType(Colour, 12)
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        written = column.process_bind_param(Colour.DARK_BLUE, dialect)
        assert (type(written), written) == (str, "dark_blue")
        # Unknown strings go through untouched: the CHECK constraint is what refuses them.
        assert column.process_bind_param("bogus", dialect) == "bogus"
        assert column.process_result_value("red", dialect) is Colour.RED
        assert column.process_bind_param(None, dialect) is None


def test_enum_columns_are_varchar_not_native_enums() -> None:
    status = AnalysisJob.__table__.c.status  # type: ignore[attr-defined]
    source = MealItem.__table__.c.source  # type: ignore[attr-defined]
    for column, length in ((status, 12), (source, 16)):
        assert isinstance(column.type, StrEnumType)
        assert not isinstance(column.type, sa.Enum)
        assert column.type.impl_instance.length == length
        assert column.nullable is False
    assert AnalysisJob(photo_id=1, user_id=1).status is JobStatus.QUEUED
    assert {member.value for member in ItemSource} == {"estimate", "confirmed", "manual"}
