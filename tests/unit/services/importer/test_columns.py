"""The suggested mapping and unit of the preview, and the check of the mapping an import is
given."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlmodel import Session

from healthapp.domain.errors import ValidationError
from healthapp.services import importer, preferences

MakeUser = Callable[..., int]  # the make_user fixture of tests/unit/services/conftest.py

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_semicolon_utf8_bom_and_mmol_unit_from_the_values() -> None:
    text = "Zeit;Glucose;Kommentar\n2026-11-28 07:00;5,6;\n2026-11-28 19:30;8,9;x\n"
    preview = importer.preview_import(text.encode("utf-8-sig"), kind="glucose")
    assert (preview.encoding, preview.delimiter) == ("utf-8-sig", ";")
    assert preview.header[0] == "Zeit"  # the BOM is not part of the first header
    assert preview.mapping == {"value": 1}  # "Zeit" is not known: the person maps it
    assert preview.unit == "mmol/L"  # values below 35 cannot be mg/dL


def test_mapping_is_checked(db: Session, make_user: MakeUser) -> None:
    alice = make_user("alice")
    prefs = preferences.get_preferences(db, user_id=alice)
    data = b"when,what\n2026-11-28 07:00,100\n"
    for mapping, key in [
        ({"measured_at": 0}, "import.mapping_required"),
        ({"measured_at": 0, "value": 5}, "import.mapping_invalid"),
        ({"measured_at": 0, "value": "nope"}, "import.mapping_invalid"),
        ({"measured_at": 0, "value": 1, "colour": 1}, "import.mapping_invalid"),
        # forged by a client: each used to reach the row loop and fail there with a TypeError
        ({"measured_at": 0, "value": 1.0}, "import.mapping_invalid"),
        ({"measured_at": 0, "value": None}, "import.mapping_invalid"),
        ({"measured_at": 0, "value": [1]}, "import.mapping_invalid"),
        ({"measured_at": 0, "value": -1}, "import.mapping_invalid"),
        ({"measured_at": 0, "value": 10**30}, "import.mapping_invalid"),
        ({"measured_at": True, "value": 1}, "import.mapping_invalid"),
    ]:
        with pytest.raises(ValidationError) as caught:
            importer.import_readings(
                db,
                user_id=alice,
                prefs=prefs,
                data=data,
                kind="glucose",
                mapping=mapping,
                unit="mg/dL",
                now=NOW,
            )
        assert caught.value.key == key
    result = importer.import_readings(
        db,
        user_id=alice,
        prefs=prefs,
        data=data,
        kind="glucose",
        mapping={"measured_at": "when", "value": "what"},
        now=NOW,
    )
    assert result.imported == 1


def test_form_choices_become_indexes_and_forged_text_is_refused() -> None:
    choices = {"measured_at": "0", "value": "1", "note": "-"}
    assert importer.mapping_from_choices(choices, not_mapped="-") == {"measured_at": 0, "value": 1}
    for forged in ("x", "1.5", "-1", " 1", "9" * 5000, "١"):  # the last: an Arabic-Indic one
        with pytest.raises(ValidationError) as caught:
            importer.mapping_from_choices({"value": forged}, not_mapped="-")
        assert (caught.value.key, caught.value.field) == ("import.mapping_invalid", "value")
