"""The CSV export: a zip with one file per record type, of the signed-in user only."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime

from sqlmodel import Session

from healthapp.models import Food
from healthapp.services import export, meals, preferences

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def read_zip(data: bytes) -> dict[str, list[dict[str, str]]]:
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            raw = archive.read(name)
            if name.endswith(".csv"):
                assert raw.startswith(b"\xef\xbb\xbf"), name  # BOM for Excel
                out[name] = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    return out


def test_zip_holds_every_record_type_of_this_user_only(
    db: Session, make_user: Callable[..., int], add: Callable[..., None]
) -> None:
    alice = make_user("alice")
    other = make_user("other")
    add(alice, "bp", measured_at="2026-11-01T01:30", systolic="142", diastolic="92", pulse="70",
        note="=HYPERLINK(1)")  # fmt: skip
    add(alice, "glucose", measured_at="2026-11-28T23:30", value="99", timing="after_dinner",
        note="저녁 후 산책")  # fmt: skip
    add(alice, "hba1c", measured_on="2026-11-20", percent="6.8")
    add(alice, "exercise", started_at="2026-11-28T18:00", kind="cycling", duration_min="45",
        intensity="vigorous")  # fmt: skip
    add(other, "glucose", measured_at="2026-11-28T08:00", value="250", timing="fasting")
    add(alice, "glucose", measured_at="2026-11-28T23:35", value="104", timing="after_dinner",
        source="cgm")  # fmt: skip
    prefs = preferences.get_preferences(db, user_id=alice)
    values = meals.meal_values({"eaten_at": "2026-11-28T19:00", "meal_type": "dinner"}, prefs, NOW)
    meal = meals.create_meal_from_values(db, user_id=alice, values=values)
    rice = db.get(Food, "fndds_rice_white_cooked_no_added_fat")
    assert rice is not None
    meals.add_item(
        db, user_id=alice, meal_id=meal.id or 0, form={"food_id": rice.id, "grams": "210"}
    )
    files = read_zip(export.export_csv_zip(db, user_id=alice, prefs=prefs, now=NOW))

    assert set(files) == {
        f"{stem}.csv"
        for stem in (
            "blood_pressure",
            "glucose",
            "hba1c",
            "exercise",
            "meals",
            "meal_items",
            "food_examples",
            "profile",
        )
    }
    (bp,) = files["blood_pressure.csv"]
    # 01:30 on the night New York leaves DST: the first (EDT) 01:30, both ways of writing it.
    assert (bp["measured_at_local"], bp["measured_at_utc"]) == (
        "2026-11-01T01:30:00-04:00",
        "2026-11-01T05:30:00Z",
    )
    assert (bp["systolic"], bp["diastolic"], bp["pulse"]) == ("142", "92", "70")
    assert (bp["category"], bp["level"]) == ("stage2", "danger")
    assert bp["note"] == "'=HYPERLINK(1)"  # a spreadsheet shows it, does not run it
    glucose, cgm = files["glucose.csv"]  # the other user's 250 mg/dL is not here
    assert (glucose["mg_dl"], glucose["mmol_l"], glucose["timing"]) == ("99", "5.5", "after_dinner")
    assert (glucose["source"], cgm["source"], cgm["mg_dl"]) == ("meter", "cgm", "104")
    assert tuple(files["glucose.csv"][0]) == export.GLUCOSE_COLUMNS
    assert glucose["measured_at_local"] == "2026-11-28T23:30:00-05:00"
    assert glucose["note"] == "저녁 후 산책"
    (hba1c,) = files["hba1c.csv"]
    assert (hba1c["measured_on"], hba1c["percent"], hba1c["category"]) == (
        "2026-11-20",
        "6.8",
        "diabetes",
    )
    (exercise,) = files["exercise.csv"]
    assert (exercise["duration_min"], exercise["energy_kcal"]) == ("45", "600")
    (meal_row,) = files["meals.csv"]
    (item,) = files["meal_items.csv"]
    assert (meal_row["items"], meal_row["carb_g"]) == ("1", item["carb_g"])
    assert (item["meal_id"], item["food_name_ko"], item["grams"]) == (
        meal_row["id"],
        "흰쌀밥",
        "210",
    )
    assert files["profile.csv"][0]["timezone"] == "America/New_York"
    with zipfile.ZipFile(io.BytesIO(export.export_csv_zip(db, user_id=alice, prefs=prefs))) as z:
        assert "glucose.csv" in z.read("README.txt").decode()


def test_profile_escapes_a_login_that_a_spreadsheet_would_run(
    db: Session, make_user: Callable[..., int]
) -> None:
    # Logins are chosen by the user; the model does not refuse "=" (sign-up rules may change).
    user_id = make_user("=cmd|' /C calc'!A0")
    prefs = preferences.get_preferences(db, user_id=user_id)
    files = read_zip(export.export_csv_zip(db, user_id=user_id, prefs=prefs, now=NOW))
    (profile,) = files["profile.csv"]
    assert profile["login"] == "'=cmd|' /C calc'!A0"
    assert export.unescape_cell(profile["login"]) == "=cmd|' /C calc'!A0"
