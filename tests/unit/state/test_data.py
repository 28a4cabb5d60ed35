"""The data page shows every import error about the file in one place, with the rows' errors."""

from __future__ import annotations

import reflex as rx

from healthapp.services.importer import ImportInvalid
from healthapp.services.importer.apply import RowError
from healthapp.state.data import DataState
from tests.aio import run


class Upload:
    filename = "readings.csv"

    def __init__(self, data: bytes) -> None:
        self.data = data

    async def read(self) -> bytes:
        return self.data


def data_state() -> DataState:
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(DataState.get_full_name().split("."))
    assert isinstance(state, DataState)
    return state


def test_an_unreadable_file_is_one_message_for_the_whole_form() -> None:
    state = data_state()
    handler = type(state).event_handlers["preview"].fn
    run(handler(state, [Upload(b"")]))
    assert state.errors == {"": {"key": "import.empty"}}  # the error names field "file"
    assert state.file_name == ""

    run(handler(state, [Upload(b"measured_at,value\n2026-11-28 08:00,100\n")]))
    assert state.errors == {}
    assert state.file_name == "readings.csv"
    assert state.row_count == 1


def test_rows_in_error_are_listed_under_the_files_message() -> None:
    state = data_state()
    error = RowError(line=3, field="value", column="Glucose", key="error.required")
    state._show_service_error(ImportInvalid([error], rows=1))
    assert state.errors == {"": {"key": "import.invalid_rows", "count": "1", "line": "3"}}
    assert state.row_errors == [
        {"line": "3", "field": "value", "column": "Glucose", "key": "error.required"}
    ]
