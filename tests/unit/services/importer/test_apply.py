"""Importing readings: units, zones, timings, all-or-nothing, duplicates, the form rules, and the
app's own export read back."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO

import pytest
from sqlmodel import Session, col, select

from healthapp.models import BloodPressure, Glucose, RankMetric
from healthapp.services import export, importer, preferences, records

MakeUser = Callable[..., int]  # the make_user fixture of tests/unit/services/conftest.py

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def run_import(
    db: Session, user_id: int, data: bytes, kind: str = "glucose", **kwargs: object
) -> importer.ImportResult:
    prefs = preferences.get_preferences(db, user_id=user_id)
    preview = importer.preview_import(data, kind=kind)
    options = {"mapping": preview.mapping, "unit": preview.unit, "now": NOW, **kwargs}
    return importer.import_readings(
        db, user_id=user_id, prefs=prefs, data=data, kind=kind, **options
    )  # type: ignore[arg-type]


def glucose_rows(db: Session, user_id: int) -> list[tuple[datetime, float, str, str]]:
    rows = db.exec(
        select(Glucose).where(Glucose.user_id == user_id).order_by(col(Glucose.measured_at))
    ).all()
    return [(r.measured_at, r.mg_dl, r.timing, r.note) for r in rows]


def test_units_zones_and_timings(db: Session, make_user: MakeUser) -> None:
    alice = make_user("alice")
    text = (
        "날짜\t시간\t혈당(mmol/L)\t측정시점\t메모\n"
        "2026.11.28\t오전 7:05\t5.5\t공복\t아침 전\n"
        "2026.11.28\t오후 9:10\t9,1\t식후\t\n"
        "2026.11.28\t오후 12:00\t6.0\t\t\n"
    )
    result = run_import(db, alice, text.encode("cp949"))
    assert (result.rows, result.imported, result.duplicates) == (3, 3, 0)
    assert glucose_rows(db, alice) == [
        # 07:05 in Seoul is 22:05 UTC the day before; 5.5 mmol/L stored as mg/dL.
        (datetime(2026, 11, 27, 22, 5, tzinfo=UTC), 99.088, "fasting", "아침 전"),
        (datetime(2026, 11, 28, 3, 0, tzinfo=UTC), 108.096, "other", ""),
        # a generic "after meal" at 21:10 is after dinner
        (datetime(2026, 11, 28, 12, 10, tzinfo=UTC), 163.946, "after_dinner", ""),
    ]


def test_another_zone_and_explicit_offsets(db: Session, make_user: MakeUser) -> None:
    alice = make_user("alice")
    data = b"time,bg\n2026-11-28 08:00,100\n2026-11-28T08:00:00+09:00,120\n"
    run_import(db, alice, data, tz="America/New_York")
    assert [(t, v) for t, v, _, _ in glucose_rows(db, alice)] == [
        (datetime(2026, 11, 27, 23, 0, tzinfo=UTC), 120.0),  # the offset wins over the zone
        (datetime(2026, 11, 28, 13, 0, tzinfo=UTC), 100.0),  # 08:00 in New York
    ]


def test_a_bad_row_is_reported_by_line_and_nothing_is_imported(
    db: Session, make_user: MakeUser
) -> None:
    alice = make_user("alice")
    data = (
        b"time,glucose,timing,note\n"
        b'2026-11-28 07:00,100,fasting,"two\nlines"\n'  # a quoted note over lines 2-3
        b"2026-11-28 08:00,abc,fasting,\n"  # line 4
        b"2026-11-28 09:00,100,after_lunch,\n"
        b"2099-01-01 09:00,2000,soon,\n"
    )  # line 6: three errors
    with pytest.raises(importer.ImportInvalid) as caught:
        run_import(db, alice, data)
    errors = [(e.line, e.field, e.column, e.key) for e in caught.value.errors]
    assert errors == [
        (4, "value", "glucose", "error.number_invalid"),
        (6, "measured_at", "time", "error.in_future"),
        (6, "value", "glucose", "error.glucose_out_of_range"),
        (6, "timing", "timing", "error.choice_invalid"),
    ]
    assert (caught.value.key, caught.value.rows, caught.value.params["line"]) == (
        "import.invalid_rows",
        2,
        4,
    )
    assert glucose_rows(db, alice) == []


def test_the_same_file_twice_adds_nothing(db: Session, make_user: MakeUser) -> None:
    alice = make_user("alice")
    data = (
        b"time,glucose\n"
        b"2026-11-28 07:00,100\n"
        b"2026-11-28 07:00:40,100\n"  # same minute, same value: a duplicate in the file
        b"2026-11-28 07:00,101\n"  # same minute, another value: a reading of its own
        b"2026-11-28 12:00,140\n"
    )
    first = run_import(db, alice, data)
    assert (first.imported, first.duplicates) == (3, 1)
    # Like any write to the records, an import keeps the "top n%" metrics current.
    logged_days = db.exec(
        select(RankMetric.value).where(
            RankMetric.user_id == alice, RankMetric.metric == "consistency_30d"
        )
    ).one()
    assert logged_days == 1
    second = run_import(db, alice, data)
    assert (second.imported, second.duplicates) == (0, 4)
    # The same reading typed in mmol/L (100 mg/dL ~ 5.55 mmol/L) is the same whole mg/dL.
    again = run_import(db, alice, b"time,glucose\n2026-11-28 07:00,5.55\n", unit="mmol/L")
    assert again.imported == 0
    assert len(glucose_rows(db, alice)) == 3


def test_duplicates_are_per_user(db: Session, make_user: MakeUser) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    data = b"time,glucose\n2026-11-28 07:00,100\n"
    assert run_import(db, alice, data).imported == 1
    assert run_import(db, bob, data).imported == 1


def test_blood_pressure_with_the_form_rules(db: Session, make_user: MakeUser) -> None:
    alice = make_user("alice")
    data = (
        b"Date,Time,SYS,DIA,Pulse\n11/28/2026,7:05 AM,135,85,70\n11/28/2026,9:00 PM,128 mmHg,79,\n"
    )
    result = run_import(db, alice, data, kind="bp", tz="UTC")
    assert result.imported == 2
    rows = db.exec(select(BloodPressure).order_by(col(BloodPressure.measured_at))).all()
    assert [(r.measured_at.hour, r.systolic, r.diastolic, r.pulse) for r in rows] == [
        (7, 135, 85, 70),
        (21, 128, 79, None),
    ]
    bad = b"time,sys,dia\n2026-11-28 07:00,80,90\n2026-11-28 08:00,400,80\n"
    with pytest.raises(importer.ImportInvalid) as caught:
        run_import(db, alice, bad, kind="bp")
    assert [(e.line, e.field, e.key) for e in caught.value.errors] == [
        (2, "diastolic", "error.diastolic_not_below_systolic"),
        (3, "systolic", "error.out_of_range"),
    ]


def test_the_apps_own_export_round_trips(db: Session, make_user: MakeUser) -> None:
    alice = make_user("alice", timezone="America/New_York", glucose_unit="mmol/L")
    prefs = preferences.get_preferences(db, user_id=alice)
    forms = [
        (
            "glucose",
            {
                "measured_at": "2026-11-01T01:30",
                "value": "5.5",
                "timing": "fasting",
                "note": "=SUM(A1)",
            },
        ),
        (
            "glucose",
            {
                "measured_at": "2026-11-01T01:30",
                "value": "10.4",
                "timing": "after_dinner",
                "note": '저녁, "외식"\n두 줄',
            },
        ),
        (
            "bp",
            {
                "measured_at": "2026-11-28T07:00",
                "systolic": "142",
                "diastolic": "92",
                "pulse": "70",
                "note": "'quoted",
            },
        ),
        ("bp", {"measured_at": "2026-11-28T21:00", "systolic": "121", "diastolic": "79"}),
    ]
    for kind, form in forms:
        records.create_record(db, user_id=alice, kind=kind, form=form, prefs=prefs, now=NOW)
    archive = export.export_csv_zip(db, user_id=alice, prefs=prefs, now=NOW)

    bob = make_user("bob", timezone="Europe/London")  # another zone changes nothing
    for kind in ("glucose", "bp"):
        preview = importer.preview_import(archive, kind=kind)
        assert preview.own_export
        assert run_import(db, bob, archive, kind=kind).imported == 2
    assert [(t, v, tm, n) for t, v, tm, n in glucose_rows(db, bob)] == glucose_rows(db, alice)

    def bp(user_id: int) -> list[tuple[object, ...]]:
        rows = db.exec(
            select(BloodPressure)
            .where(BloodPressure.user_id == user_id)
            .order_by(col(BloodPressure.measured_at))
        ).all()
        return [(r.measured_at, r.systolic, r.diastolic, r.pulse, r.note) for r in rows]

    assert bp(bob) == bp(alice)
    # The single CSV from the zip works as well, and adds nothing the second time.
    with zipfile.ZipFile(BytesIO(archive)) as z:
        assert run_import(db, bob, z.read("glucose.csv")).imported == 0


def sources(db: Session, user_id: int) -> list[tuple[float, str]]:
    rows = db.exec(
        select(Glucose).where(Glucose.user_id == user_id).order_by(col(Glucose.measured_at))
    ).all()
    return [(r.mg_dl, r.source) for r in rows]


def test_the_source_survives_the_round_trip_and_old_exports_still_import(
    db: Session, make_user: MakeUser
) -> None:
    alice = make_user("alice")
    prefs = preferences.get_preferences(db, user_id=alice)
    for minute, value, source in [("00", "101", "meter"), ("05", "140", "cgm")]:
        form = {"measured_at": f"2026-11-28T07:{minute}", "value": value, "timing": "fasting",
                "source": source}  # fmt: skip
        records.create_record(db, user_id=alice, kind="glucose", form=form, prefs=prefs, now=NOW)
    archive = export.export_csv_zip(db, user_id=alice, prefs=prefs, now=NOW)
    preview = importer.preview_import(archive, kind="glucose")
    assert preview.own_export
    assert preview.mapping["source"] == export.GLUCOSE_COLUMNS.index("source")
    bob = make_user("bob")
    assert run_import(db, bob, archive).imported == 2
    assert sources(db, bob) == sources(db, alice) == [(101, "meter"), (140, "cgm")]

    # glucose.csv as exports wrote it before the source column: still the app's own, all meter
    with zipfile.ZipFile(BytesIO(archive)) as z:
        lines = z.read("glucose.csv").decode("utf-8-sig").splitlines()
    at = export.GLUCOSE_COLUMNS.index("source")
    old = "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != at) for line in lines)
    preview = importer.preview_import(old.encode("utf-8-sig"), kind="glucose")
    assert preview.own_export
    assert "source" not in preview.mapping
    carol = make_user("carol")
    assert run_import(db, carol, old.encode("utf-8-sig")).imported == 2
    assert sources(db, carol) == [(101, "meter"), (140, "meter")]


def test_a_source_column_of_another_file(db: Session, make_user: MakeUser) -> None:
    alice = make_user("alice")
    text = (
        "Date,Glucose mg/dL,Source\n"
        "2026-11-28 07:00,101,Meter\n"
        "2026-11-28 07:05,140,CGM\n"
        "2026-11-28 07:10,150,\n"
        "2026-11-28 07:15,160,연속혈당측정기(CGM)\n"
        "2026-11-28 07:20,170,sensor\n"
    )
    assert run_import(db, alice, text.encode()).imported == 5
    assert sources(db, alice) == [(101, "meter"), (140, "cgm"), (150, "meter"), (160, "cgm"),
                                  (170, "cgm")]  # fmt: skip

    bad = b"Date,Glucose mg/dL,Source\n2026-11-29 07:00,101,pump\n"
    with pytest.raises(importer.ImportInvalid) as caught:
        run_import(db, alice, bad)
    assert [(e.line, e.field, e.column, e.key) for e in caught.value.errors] == [
        (2, "source", "Source", "error.glucose_source_invalid")
    ]
