"""A CSV file's bytes as a table: zip member, encoding, delimiter, header row and data rows.

Encodings: UTF-8, UTF-8 with BOM, UTF-16 with BOM as Excel's "Unicode text" writes it, CP949 as
Korean Excel writes it. Delimiters: , ; tab |. The header is the first row as wide as most rows,
so lines above it (a meter's title line) are skipped. The app's own export zip is opened at the
member for the kind asked for.
"""

from __future__ import annotations

import codecs
import csv
import io
import statistics
import zipfile
from dataclasses import dataclass
from enum import StrEnum

from healthapp.domain.errors import ValidationError
from healthapp.services import export

MAX_IMPORT_BYTES = 20 * 1024 * 1024
MAX_IMPORT_ROWS = 100_000
DELIMITERS = (",", ";", "\t", "|")
_SNIFF_ROWS = 50

ERROR_ENCODING = "import.encoding_unknown"
ERROR_EMPTY = "import.empty"
ERROR_TOO_LARGE = "import.too_large"
ERROR_TOO_MANY_ROWS = "import.too_many_rows"
ERROR_UNREADABLE = "import.unreadable"
ERROR_ZIP_NO_FILE = "import.zip_no_file"


class ImportKind(StrEnum):
    """What a file holds; the values are the record kinds of services/records."""

    GLUCOSE = "glucose"
    BP = "bp"


# The member of an export zip that holds each kind.
_EXPORT_MEMBER = {ImportKind.GLUCOSE: export.GLUCOSE_FILE, ImportKind.BP: export.BP_FILE}


@dataclass(frozen=True)
class Table:
    encoding: str
    delimiter: str
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]  # (line number of the row's first line, cells)


def _unzip(data: bytes, kind: ImportKind) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        name = f"{_EXPORT_MEMBER[kind]}.csv"
        try:
            info = archive.getinfo(name)
        except KeyError:
            raise ValidationError(ERROR_ZIP_NO_FILE, field="file", name=name) from None
        if info.file_size > MAX_IMPORT_BYTES:
            raise ValidationError(ERROR_TOO_LARGE, field="file", max_mb=MAX_IMPORT_BYTES >> 20)
        return archive.read(info)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8-sig", "utf-8-sig")]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", "utf-16")]
    else:
        candidates = [("utf-8", "utf-8"), ("cp949", "cp949")]
    for codec, name in candidates:
        try:
            return data.decode(codec), name
        except UnicodeDecodeError:
            continue
    raise ValidationError(ERROR_ENCODING, field="file")


def _sniff_delimiter(text: str) -> str:
    sample = text[:65536]
    lines = sample.splitlines()[:_SNIFF_ROWS]
    best, best_score = ",", (False, 0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [len(r) for r in csv.reader(lines, delimiter=delimiter) if any(r)]
        except csv.Error:
            continue
        if not widths:
            continue
        mode = statistics.mode(widths)
        score = (mode > 1, widths.count(mode), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_table(data: bytes, kind: ImportKind) -> Table:
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(ERROR_TOO_LARGE, field="file", max_mb=MAX_IMPORT_BYTES >> 20)
    if data[:4] == b"PK\x03\x04":
        try:
            data = _unzip(data, kind)
        except zipfile.BadZipFile:
            raise ValidationError(ERROR_UNREADABLE, field="file", line=1) from None
    text, encoding = _decode(data)
    if not text.strip():
        raise ValidationError(ERROR_EMPTY, field="file")
    delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    last = 0
    try:
        for cells in reader:
            first, last = last + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                records.append((first, cells))
            if len(records) > MAX_IMPORT_ROWS + _SNIFF_ROWS:
                raise ValidationError(ERROR_TOO_MANY_ROWS, field="file", max=MAX_IMPORT_ROWS)
    except csv.Error:
        raise ValidationError(ERROR_UNREADABLE, field="file", line=last + 1) from None
    if not records:
        raise ValidationError(ERROR_EMPTY, field="file")
    # The header is the first row as wide as most rows: a title line above it is narrower.
    width = statistics.mode(len(cells) for _, cells in records[:_SNIFF_ROWS])
    start = next(i for i, (_, cells) in enumerate(records) if len(cells) >= width)
    header_line, header = records[start]
    rows = records[start + 1 :]
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationError(ERROR_TOO_MANY_ROWS, field="file", max=MAX_IMPORT_ROWS)
    return Table(encoding, delimiter, [h.strip() for h in header], header_line, rows)
