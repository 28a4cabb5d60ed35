"""The data page shows every import error about the file in one place, with the rows' errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import reflex as rx

from healthapp.services import importer
from healthapp.services.importer import ImportInvalid
from healthapp.services.importer.apply import RowError
from healthapp.services.pending_files import PendingFiles
from healthapp.state import data as data_module
from healthapp.state.data import DataState
from tests.aio import run

CSV = b"measured_at,value\n2026-11-28 08:00,100\n"


class Upload:
    filename = "readings.csv"

    def __init__(self, data: bytes, size: int | None = None) -> None:
        self.data = data
        self.size = len(data) if size is None else size
        self.reads = 0

    async def read(self) -> bytes:
        self.reads += 1
        return self.data


@pytest.fixture(autouse=True)
def pending(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> PendingFiles:
    files = PendingFiles(tmp_path / "pending")
    monkeypatch.setattr(data_module, "default_pending_files", lambda: files)
    return files


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

    run(handler(state, [Upload(CSV)]))
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


def test_a_previewed_file_waits_on_disk_and_state_keeps_only_its_name(
    pending: PendingFiles,
) -> None:
    state = data_state()
    run(type(state).event_handlers["preview"].fn(state, [Upload(CSV)]))
    assert state._pending
    assert pending.read(state._pending) == CSV
    assert CSV not in repr(state.dict()).encode()
    state.set_import_kind("bp")  # another kind: the file is forgotten, on disk too
    assert state._pending == ""
    assert list(pending.root.iterdir()) == []


def test_a_file_over_the_import_limit_is_refused_before_it_is_read() -> None:
    state = data_state()
    upload = Upload(b"x", size=importer.MAX_IMPORT_BYTES + 1)
    run(type(state).event_handlers["preview"].fn(state, [upload]))
    assert state.errors == {"": {"key": "import.too_large", "max_mb": "20"}}
    assert upload.reads == 0


def test_a_file_the_picker_refused_is_named() -> None:
    state = data_state()
    rejected = [{"file": {"path": "./scan.bmp"}, "errors": [{"code": "file-invalid-type"}]}]
    type(state).event_handlers["file_refused"].fn(state, rejected)
    assert state.errors[""]["key"] == "upload.wrong_type"
    assert state.errors[""]["names"] == "scan.bmp"
