"""The data page's import, signed in on a real database: the previewed file is on disk until
the import succeeds, and gone right after it."""

from __future__ import annotations

from healthapp.services.pending_files import default_pending_files
from healthapp.state.data import DataState
from tests.integration.test_state_isolation import call, state_of, user_with_session
from tests.unit.state.test_data import CSV, Upload


def test_an_imported_file_is_removed_and_a_failed_import_keeps_it(app_env: str) -> None:
    _, token = user_with_session("alice")
    data = state_of(DataState, token)
    call(data, "preview", [Upload(b"measured_at,value\n2026-11-28 08:00,abc\n")])
    kept = data._pending
    assert default_pending_files().read(kept)
    call(data, "run_import")
    assert data.errors[""]["key"] == "import.invalid_rows"
    assert data._pending == kept  # a bad row: the file waits for another mapping

    call(data, "preview", [Upload(CSV)])
    kept = data._pending
    call(data, "run_import")
    assert data.result == {"imported": "1", "duplicates": "0"}
    assert data._pending == ""
    assert data.header == []
    assert not (default_pending_files().root / kept).exists()
