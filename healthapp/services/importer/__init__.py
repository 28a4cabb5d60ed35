"""CSV import with preview, column mapping and duplicate skipping."""

from healthapp.services.importer.core import (
    IMPORT_KEYS,
    ImportInvalid,
    ImportKind,
    ImportResult,
    import_readings,
    parse_time_cell,
    preview_import,
)

__all__ = [
    "IMPORT_KEYS",
    "ImportInvalid",
    "ImportKind",
    "ImportResult",
    "import_readings",
    "parse_time_cell",
    "preview_import",
]
