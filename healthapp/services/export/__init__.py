"""The person's data out: CSV zip, FHIR R4 bundle, printable HTML report with SVG charts."""

from healthapp.services.export.core import (
    BP_COLUMNS,
    BP_FILE,
    GLUCOSE_COLUMNS,
    GLUCOSE_FILE,
    REPORT_KEYS,
    escape_cell,
    export_csv_zip,
    printable_report_html,
    unescape_cell,
)

__all__ = [
    "BP_COLUMNS",
    "BP_FILE",
    "GLUCOSE_COLUMNS",
    "GLUCOSE_FILE",
    "REPORT_KEYS",
    "escape_cell",
    "export_csv_zip",
    "printable_report_html",
    "unescape_cell",
]
