"""Glucose and blood-pressure readings in, from a CSV file: preview, column mapping, import.

No Reflex import. Two steps, both pure with respect to the file's bytes: `preview_import` reads
the file (table: encoding, delimiter, header) and suggests a mapping of the app's fields to
columns (columns); `import_readings` parses every row (parsing: times, numbers, timings) and
writes the new readings, skipping duplicates (apply).
"""

from healthapp.services.importer.apply import (
    IMPORT_KEYS,
    ImportInvalid,
    ImportResult,
    import_readings,
)
from healthapp.services.importer.columns import mapping_from_choices, preview_import
from healthapp.services.importer.parsing import parse_time_cell
from healthapp.services.importer.table import MAX_IMPORT_BYTES, ImportKind

__all__ = [
    "IMPORT_KEYS",
    "MAX_IMPORT_BYTES",
    "ImportInvalid",
    "ImportKind",
    "ImportResult",
    "import_readings",
    "mapping_from_choices",
    "parse_time_cell",
    "preview_import",
]
