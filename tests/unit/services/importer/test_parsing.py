"""Time cells: date orders, clock times, offsets, epochs, and the errors of bad cells."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from healthapp.domain.errors import ValidationError
from healthapp.services import importer


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2026-11-28T23:30", "ymd", datetime(2026, 11, 28, 23, 30)),
        ("2026-11-28 23:30:15", "ymd", datetime(2026, 11, 28, 23, 30, 15)),
        ("2026/11/28 7:05", "ymd", datetime(2026, 11, 28, 7, 5)),
        ("2026. 11. 28. 오후 11:30:00", "ymd", datetime(2026, 11, 28, 23, 30)),
        ("2026. 11. 28. 오전 12:10", "ymd", datetime(2026, 11, 28, 0, 10)),
        ("11/28/2026 11:30 PM", "mdy", datetime(2026, 11, 28, 23, 30)),
        ("28/11/2026 23:30", "dmy", datetime(2026, 11, 28, 23, 30)),
        ("2026-11-28T23:30:00Z", "ymd", datetime(2026, 11, 28, 23, 30, tzinfo=UTC)),
        ("1764372600000", "ymd", datetime(2025, 11, 28, 23, 30, tzinfo=UTC)),  # epoch ms
    ],
)
def test_time_cells(text: str, order: str, expected: datetime) -> None:
    assert importer.parse_time_cell(text, date_order=order) == expected


def test_time_cell_with_an_offset_keeps_it() -> None:
    value = importer.parse_time_cell("2026-11-01T01:30:00-04:00")
    assert value.astimezone(UTC) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "error.datetime_required"),
        ("2026-11-28", "import.time_missing"),
        ("yesterday", "error.datetime_invalid"),
        ("2026-02-30 10:00", "error.datetime_invalid"),
        ("2026-11-28 13:00 PM", "error.datetime_invalid"),
    ],
)
def test_bad_time_cells(text: str, key: str) -> None:
    with pytest.raises(ValidationError) as caught:
        importer.parse_time_cell(text)
    assert (caught.value.key, caught.value.field) == (key, "measured_at")
