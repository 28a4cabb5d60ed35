"""Cell escaping: what a spreadsheet would run is written so it is shown, and read back as is."""

from __future__ import annotations

from healthapp.services import export


def test_escaping_is_undone_exactly() -> None:
    for text in ["=1+1", "+82 10", "-5", "@x", "'quoted", "''", "plain", "", "\tx"]:
        escaped = export.escape_cell(text)
        assert not escaped.startswith(("=", "+", "-", "@", "\t"))
        assert export.unescape_cell(escaped) == text
