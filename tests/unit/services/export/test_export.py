"""CSV export (zip), the printable report, and the catalogue keys both use."""

# The catalogue texts below stay on one line each, as in healthapp/i18n.

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from string import Formatter

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.i18n import CATALOGUES
from healthapp.models import Food, User
from healthapp.services import export, importer, meals, preferences, records

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
PREFS = {
    "glucose_unit": "mg/dL",
    "bp_standard": "acc_aha",
    "timezone": "America/New_York",
    "weight_kg": "80",
    "hba1c_target": "7",
    "language": "en",
}


# The keys the report and the importer add (en + ko); merged into healthapp/i18n by the UI owner.
@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


def make_user(db: Session, login: str, **prefs: str) -> int:
    user = User(login=login, password_hash="x")
    db.add(user)
    db.flush()
    assert user.id is not None
    preferences.update_preferences(db, user_id=user.id, form={**PREFS, **prefs})
    return user.id


def add(db: Session, user_id: int, kind: str, /, **form: str) -> None:
    prefs = preferences.get_preferences(db, user_id=user_id)
    records.create_record(db, user_id=user_id, kind=kind, form=form, prefs=prefs, now=NOW)


def read_zip(data: bytes) -> dict[str, list[dict[str, str]]]:
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            raw = archive.read(name)
            if name.endswith(".csv"):
                assert raw.startswith(b"\xef\xbb\xbf"), name  # BOM for Excel
                out[name] = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    return out


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def test_report_and_import_keys_are_in_both_catalogues() -> None:
    used = set(export.REPORT_KEYS) | set(importer.IMPORT_KEYS)
    for lang in ("en", "ko"):
        missing = used - set(CATALOGUES[lang])
        assert not missing, (lang, sorted(missing))


def test_zip_holds_every_record_type_of_this_user_only(db: Session) -> None:
    alice = make_user(db, "alice")
    other = make_user(db, "other")
    add(
        db,
        alice,
        "bp",
        measured_at="2026-11-01T01:30",
        systolic="142",
        diastolic="92",
        pulse="70",
        note="=HYPERLINK(1)",
    )
    add(
        db,
        alice,
        "glucose",
        measured_at="2026-11-28T23:30",
        value="99",
        timing="after_dinner",
        note="저녁 후 산책",
    )
    add(db, alice, "hba1c", measured_on="2026-11-20", percent="6.8")
    add(
        db,
        alice,
        "exercise",
        started_at="2026-11-28T18:00",
        kind="cycling",
        duration_min="45",
        intensity="vigorous",
    )
    add(db, other, "glucose", measured_at="2026-11-28T08:00", value="250", timing="fasting")
    prefs = preferences.get_preferences(db, user_id=alice)
    meal = meals.create_meal(
        db,
        user_id=alice,
        prefs=prefs,
        now=NOW,
        form={"eaten_at": "2026-11-28T19:00", "meal_type": "dinner"},
    )
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
    (glucose,) = files["glucose.csv"]  # the other user's 250 mg/dL is not here
    assert (glucose["mg_dl"], glucose["mmol_l"], glucose["timing"]) == ("99", "5.5", "after_dinner")
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


def test_escaping_is_undone_exactly() -> None:
    for text in ["=1+1", "+82 10", "-5", "@x", "'quoted", "''", "plain", "", "\tx"]:
        escaped = export.escape_cell(text)
        assert not escaped.startswith(("=", "+", "-", "@", "\t"))
        assert export.unescape_cell(escaped) == text


def test_report_statistics_by_hand(db: Session) -> None:
    alice = make_user(db, "alice")
    for clock, value, timing in [
        ("07:00", "60", "fasting"),
        ("09:00", "100", "after_breakfast"),
        ("19:00", "200", "after_dinner"),
    ]:
        add(db, alice, "glucose", measured_at=f"2026-11-28T{clock}", value=value, timing=timing)
    prefs = preferences.get_preferences(db, user_id=alice)
    page = export.printable_report_html(
        db,
        user_id=alice,
        prefs=prefs,
        start=date(2026, 11, 28),
        end=date(2026, 11, 28),
        lang="en",
        now=NOW,
    )

    def row(label: str) -> str:
        start = page.index(f">{label}")
        return page[start : page.index("</tr>", start)].rsplit(">", 2)[-2].removesuffix("</td")

    assert row("Readings") == "3"
    assert row("Mean") == "120 mg/dL"
    assert row("Standard deviation") == "72 mg/dL"  # sqrt(((-60)² + (-20)² + 80²) / (3 - 1))
    assert row("Coefficient of variation") == "60.1 %"  # 72.11 / 120
    assert row("In range 70-180") == "33.3 %"
    assert row("Below 70") == "33.3 %"
    assert row("Below 54") == "0.0 %"
    assert row("Above 180") == "33.3 %"
    assert row("Mean fasting and before meals") == "60 mg/dL"
    assert row("Mean after meals") == "150 mg/dL"
    assert row("GMI") == "–"  # 3 readings on one day: not enough for a GMI


def test_report_is_self_contained_and_has_the_numbers(db: Session) -> None:
    alice = make_user(db, "alice")
    for day, value in [("2026-11-27", "100"), ("2026-11-28", "200")]:
        add(db, alice, "glucose", measured_at=f"{day}T08:00", value=value, timing="fasting")
    add(db, alice, "bp", measured_at="2026-11-28T08:00", systolic="135", diastolic="85", pulse="70")
    add(db, alice, "bp", measured_at="2026-11-28T20:00", systolic="145", diastolic="95")
    add(db, alice, "hba1c", measured_on="2026-10-01", percent="7.5")
    add(
        db,
        alice,
        "exercise",
        started_at="2026-11-28T18:00",
        kind="walking",
        duration_min="30",
        intensity="moderate",
    )
    prefs = preferences.get_preferences(db, user_id=alice)
    page = export.printable_report_html(
        db,
        user_id=alice,
        prefs=prefs,
        start=date(2026, 11, 22),
        end=date(2026, 11, 28),
        lang="en",
        now=NOW,
    )
    assert page.startswith("<!DOCTYPE html>")
    assert "@media print" in page
    assert "<script" not in page
    assert "<link" not in page
    assert "src=" not in page
    assert page.count("<svg") == 2
    assert 'class="band"' in page  # the 70-180 target band
    assert "Health report" in page
    assert "150 mg/dL" in page  # mean of 100 and 200
    assert "140/90 mmHg" in page  # mean blood pressure
    assert "Stage 1 hypertension" in page
    assert "Stage 2 hypertension" in page
    assert "7.5 % · Diabetes" in page
    assert "169 mg/dL" in page  # eAG of 7.5 %: 28.7 x 7.5 - 46.7 = 168.55
    assert "30 min" in page
    assert "report.print." not in page  # every key translated
    korean = export.printable_report_html(
        db,
        user_id=alice,
        prefs=prefs,
        start=date(2026, 11, 22),
        end=date(2026, 11, 28),
        lang="ko",
        now=NOW,
    )
    assert "혈당" in korean
    assert '<html lang="ko">' in korean


def test_report_of_an_empty_period_says_so(db: Session) -> None:
    alice = make_user(db, "alice")
    prefs = preferences.get_preferences(db, user_id=alice)
    page = export.printable_report_html(
        db,
        user_id=alice,
        prefs=prefs,
        start=date(2026, 1, 1),
        end=date(2026, 1, 7),
        lang="en",
        now=NOW,
    )
    assert page.count("No readings in this period.") == 3  # glucose, blood pressure, meals
    assert "No HbA1c result" in page
    assert "<svg" not in page
    with pytest.raises(ValueError, match="end"):
        export.printable_report_html(
            db, user_id=alice, prefs=prefs, start=date(2026, 1, 7), end=date(2026, 1, 1), lang="en"
        )


def test_long_ranges_are_charted_from_database_buckets(
    db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("healthapp.services.export.charts.MAX_CHART_POINTS", 5)
    alice = make_user(db, "alice", glucose_unit="mmol/L")
    for day in range(1, 21):
        for clock, value in [("08:00", "5.0"), ("20:00", "9.0")]:
            add(
                db,
                alice,
                "glucose",
                measured_at=f"2026-11-{day:02d}T{clock}",
                value=value,
                timing="other",
            )
    prefs = preferences.get_preferences(db, user_id=alice)
    page = export.printable_report_html(
        db,
        user_id=alice,
        prefs=prefs,
        start=date(2026, 11, 1),
        end=date(2026, 11, 20),
        lang="en",
        now=NOW,
    )
    assert page.count('class="dot glucose"') == 5  # one mean per bucket
    assert page.count('class="whisker glucose"') == 5  # with its min-max range
    assert "7.0 mmol/L" in page  # the mean, in the person's unit
    assert "3.9-10.0 mmol/L" in page
