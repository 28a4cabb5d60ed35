"""Every service that shows a classification judges by the person's diabetes status: the records
list, the latest values of the dashboard and reports, and the CSV export agree."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from healthapp.services import export, preferences, records, reports
from healthapp.services.reports.latest import latest_glucose
from tests.unit.services.conftest import MakeUser
from tests.unit.services.export.test_csv_zip import read_zip

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
READINGS = [  # (local time, mg/dL, timing)
    ("2026-11-29T07:00", "126", "fasting"),
    ("2026-11-29T07:30", "135", "before_breakfast"),
    ("2026-11-29T08:00", "65", "before_lunch"),
    ("2026-11-29T09:00", "150", "after_dinner"),
]
# status -> (category, level) of each reading above, newest first as the list shows them
EXPECTED = {
    "none": [("prediabetes_range", "borderline"), ("hypo_level1", "danger"),
             ("diabetes_range", "danger"), ("diabetes_range", "borderline")],
    "prediabetes": [("prediabetes_range", "borderline"), ("hypo_level1", "danger"),
                    ("diabetes_range", "danger"), ("diabetes_range", "borderline")],
    "type2": [("in_target", "normal"), ("hypo_level1", "danger"),
              ("above_target", "borderline"), ("in_target", "normal")],
    "gestational": [("above_target", "borderline"), ("hypo_level1", "danger"),
                    ("above_target", "borderline"), ("above_target", "borderline")],
}  # fmt: skip


def _person(db: Session, make_user: MakeUser, status: str) -> tuple[int, preferences.Preferences]:
    uid = make_user("alice", diabetes_status=status)
    prefs = preferences.get_preferences(db, user_id=uid)
    for when, value, timing in READINGS:
        form = {"measured_at": when, "value": value, "timing": timing}
        records.create_record(db, user_id=uid, kind="glucose", form=form, prefs=prefs, now=NOW)
    form = {"measured_on": "2026-11-20", "percent": "6.8"}
    records.create_record(db, user_id=uid, kind="hba1c", form=form, prefs=prefs, now=NOW)
    return uid, prefs


@pytest.mark.parametrize("status", list(EXPECTED))
def test_records_list_and_export_judge_by_the_status(
    db: Session, make_user: MakeUser, status: str
) -> None:
    uid, prefs = _person(db, make_user, status)
    rows = records.list_records(db, user_id=uid, kind="glucose", prefs=prefs).rows
    expected = EXPECTED[status]
    assert [(r["label_key"], r["level"]) for r in rows] == [
        (f"clinical.glucose.{category}", level) for category, level in expected
    ]
    files = read_zip(export.export_csv_zip(db, user_id=uid, prefs=prefs, now=NOW))
    exported = sorted(files["glucose.csv"], key=lambda r: r["measured_at_utc"], reverse=True)
    assert [(r["category"], r["level"]) for r in exported] == expected
    assert files["profile.csv"][0]["diabetes_status"] == status


@pytest.mark.parametrize(
    ("status", "category", "level"),
    [
        ("none", "diabetes", "borderline"),
        ("prediabetes", "diabetes", "borderline"),
        ("type1", "target_met", "normal"),
        ("type2", "target_met", "normal"),
        ("gestational", "target_met", "normal"),
    ],
)
def test_hba1c_on_target_with_diabetes(
    db: Session, make_user: MakeUser, status: str, category: str, level: str
) -> None:
    uid, prefs = _person(db, make_user, status)
    row = records.list_records(db, user_id=uid, kind="hba1c", prefs=prefs).rows[0]
    assert (row["label_key"], row["level"], row["alert_key"]) == (
        f"clinical.hba1c.{category}", level, ""
    )  # fmt: skip
    latest = reports.latest_hba1c(db, user_id=uid, prefs=prefs)
    assert latest is not None
    assert (latest.category, latest.level) == (category, level)
    files = read_zip(export.export_csv_zip(db, user_id=uid, prefs=prefs, now=NOW))
    assert (files["hba1c.csv"][0]["category"], files["hba1c.csv"][0]["level"]) == (category, level)


def test_hba1c_above_a_personal_target(db: Session, make_user: MakeUser) -> None:
    uid, prefs = _person(db, make_user, "type2")
    prefs = preferences.update_preferences(
        db, user_id=uid, form={"glucose_unit": "mg/dL", "bp_standard": "auto",
                               "timezone": "Asia/Seoul", "hba1c_target": "6.5",
                               "language": "en"},
    )  # fmt: skip
    row = records.list_records(db, user_id=uid, kind="hba1c", prefs=prefs).rows[0]
    assert (row["label_key"], row["level"]) == ("clinical.hba1c.target_missed", "borderline")
    assert row["alert_key"] == "clinical.hba1c.above_target"


def test_latest_glucose_judges_by_the_status(db: Session, make_user: MakeUser) -> None:
    uid, prefs = _person(db, make_user, "type2")
    latest = latest_glucose(db, user_id=uid, prefs=prefs)
    assert latest is not None
    assert (latest.timing, latest.label_key, latest.level) == (
        "after_dinner", "clinical.glucose.in_target", "normal"
    )  # fmt: skip
    dash = reports.dashboard_numbers(db, user_id=uid, prefs=prefs, today=date(2026, 11, 29))
    assert dash.latest_glucose is not None
    assert dash.latest_glucose.label_key == "clinical.glucose.in_target"
