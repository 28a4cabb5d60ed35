"""Reading an import file: encodings, delimiters, title lines above the header, zips, and files
that cannot be read."""

from __future__ import annotations

import zipfile
from io import BytesIO

import pytest

from healthapp.domain.errors import ValidationError
from healthapp.services import importer


def test_comma_utf8_with_english_headers() -> None:
    data = (
        b"Date/Time,Glucose (mg/dL),Notes\n2026-11-28 07:00,102,\n2026-11-28 19:30,155,after run\n"
    )
    preview = importer.preview_import(data, kind="glucose")
    assert (preview.encoding, preview.delimiter, preview.header_line) == ("utf-8", ",", 1)
    assert preview.header == ["Date/Time", "Glucose (mg/dL)", "Notes"]
    assert preview.mapping == {"measured_at": 0, "value": 1, "note": 2}
    assert (preview.unit, preview.row_count, preview.date_order) == ("mg/dL", 2, "ymd")
    assert preview.rows[1] == ["2026-11-28 19:30", "155", "after run"]
    assert not preview.own_export


def test_tab_separated_cp949_from_korean_excel_with_a_title_line() -> None:
    text = (
        "혈당 기록 내보내기\n"
        "날짜\t시간\t혈당(mmol/L)\t측정시점\t메모\n"
        "2026.11.28\t오전 7:05\t5.5\t공복\t아침 전\n"
        "2026.11.28\t오후 9:10\t9.1\t식후\t\n"
    )
    data = text.encode("cp949")
    preview = importer.preview_import(data, kind="glucose")
    assert (preview.encoding, preview.delimiter, preview.header_line) == ("cp949", "\t", 2)
    assert preview.mapping == {"measured_at": 0, "time": 1, "value": 2, "timing": 3, "note": 4}
    assert preview.unit == "mmol/L"
    assert preview.rows[0][4] == "아침 전"


def test_utf16_from_excel_unicode_text() -> None:
    data = "Date\tTime\tSYS\tDIA\tPulse\n11/28/2026\t7:05 AM\t135\t85\t70\n".encode("utf-16")
    preview = importer.preview_import(data, kind="bp")
    assert (preview.encoding, preview.delimiter) == ("utf-16", "\t")
    assert preview.mapping == {
        "measured_at": 0,
        "time": 1,
        "systolic": 2,
        "diastolic": 3,
        "pulse": 4,
    }
    assert preview.date_order == "mdy"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        (b"", "import.empty"),
        (b"\n\n  \n", "import.empty"),
        (b"date,value\n\x80\x81,\xff\n", "import.encoding_unknown"),
        (b'date,value\n"2026-11-28,5\n', "import.unreadable"),
        (b"PK\x03\x04broken", "import.unreadable"),
    ],
)
def test_unreadable_files_are_refused(data: bytes, key: str) -> None:
    with pytest.raises(ValidationError) as caught:
        importer.preview_import(data, kind="glucose")
    assert caught.value.key == key


def test_zip_without_the_kinds_file() -> None:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("other.csv", "a,b\n1,2\n")
    with pytest.raises(ValidationError) as caught:
        importer.preview_import(buffer.getvalue(), kind="bp")
    assert (caught.value.key, caught.value.params["name"]) == (
        "import.zip_no_file",
        "blood_pressure.csv",
    )
