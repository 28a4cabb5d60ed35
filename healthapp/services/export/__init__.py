"""The person's data out: CSV zip, FHIR R4 bundle, printable HTML report with SVG charts."""

from healthapp.services.export.csv_format import (
    BP_COLUMNS,
    BP_FILE,
    GLUCOSE_COLUMNS,
    GLUCOSE_COLUMNS_WITHOUT_SOURCE,
    GLUCOSE_FILE,
    escape_cell,
    unescape_cell,
)
from healthapp.services.export.csv_zip import export_csv_zip
from healthapp.services.export.printable import REPORT_KEYS, printable_report_html

__all__ = [
    "BP_COLUMNS",
    "BP_FILE",
    "GLUCOSE_COLUMNS",
    "GLUCOSE_COLUMNS_WITHOUT_SOURCE",
    "GLUCOSE_FILE",
    "REPORT_KEYS",
    "escape_cell",
    "export_csv_zip",
    "printable_report_html",
    "unescape_cell",
]
