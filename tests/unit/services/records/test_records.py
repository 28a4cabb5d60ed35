from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from healthapp.domain.errors import NotFound
from healthapp.i18n import translate
from healthapp.models import BloodPressure, Glucose
from healthapp.services import preferences, records
from healthapp.services.forms import FormInvalid

MakeUser = Callable[..., int]  # the make_user fixture of tests/unit/services/conftest.py

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def add(db: Session, user_id: int, kind: str, /, **form: str) -> int:
    prefs = preferences.get_preferences(db, user_id=user_id)
    row = records.create_record(db, user_id=user_id, kind=kind, form=form, prefs=prefs, now=NOW)
    return row.id


def listing(db: Session, user_id: int, kind: str, **kwargs: object) -> records.RecordPage:
    prefs = preferences.get_preferences(db, user_id=user_id)
    return records.list_records(db, user_id=user_id, kind=kind, prefs=prefs, **kwargs)  # type: ignore[arg-type]


def value(row: dict[str, str]) -> str:
    """The list's value column as the English page shows it."""
    return translate("en", row["value_key"], **row)


def test_blood_pressure_is_classified_by_the_users_standard(
    db: Session, make_user: MakeUser, user_prefs_form: dict[str, str]
) -> None:
    alice = make_user("alice")
    add(db, alice, "bp", measured_at="2026-11-29T08:00", systolic="135", diastolic="85", pulse="70")
    row = listing(db, alice, "bp").rows[0]
    assert value(row) == "135/85 mmHg · 70 /min"
    assert translate("ko", row["value_key"], **row) == "135/85 mmHg · 맥박 70회/분"
    assert (row["level"], row["label_key"]) == ("borderline", "clinical.bp.stage1")
    assert row["context_key"] == "clinical.bp_standard.acc_aha"
    preferences.update_preferences(
        db, user_id=alice, form={**user_prefs_form, "bp_standard": "ksh"}
    )
    row = listing(db, alice, "bp").rows[0]
    assert row["label_key"] == "clinical.bp.prehypertension"


def test_crisis_and_hypoglycaemia_are_flagged(db: Session, make_user: MakeUser) -> None:
    alice = make_user("alice")
    add(db, alice, "bp", measured_at="2026-11-29T08:00", systolic="185", diastolic="100")
    add(db, alice, "glucose", measured_at="2026-11-29T08:00", value="52", timing="fasting")
    bp = listing(db, alice, "bp").rows[0]
    glucose = listing(db, alice, "glucose").rows[0]
    assert (bp["level"], bp["alert_key"]) == ("danger", "clinical.bp.crisis_alert")
    assert (glucose["level"], glucose["label_key"]) == ("danger", "clinical.glucose.hypo_level2")


@pytest.mark.parametrize(
    ("form", "fields"),
    [
        ({"systolic": "400", "diastolic": "20"}, {"systolic", "diastolic"}),
        ({"systolic": "120", "diastolic": "125"}, {"diastolic"}),
        ({"systolic": "", "diastolic": "abc", "pulse": "5"}, {"systolic", "diastolic", "pulse"}),
    ],
)
def test_bad_values_name_their_fields_and_save_nothing(
    db: Session, form: dict[str, str], fields: set[str], make_user: MakeUser
) -> None:
    alice = make_user("alice")
    with pytest.raises(FormInvalid) as info:
        add(db, alice, "bp", measured_at="2026-11-29T08:00", **form)
    assert set(info.value.errors) == fields
    assert db.exec(select(func.count()).select_from(BloodPressure)).one() == 0


@pytest.mark.parametrize(
    ("kind", "form", "field"),
    [
        ("glucose", {"measured_at": "2026-11-29T08:00", "value": "5", "timing": "fasting"},
         "value"),
        ("glucose", {"measured_at": "2026-11-30T08:00", "value": "95", "timing": "fasting"},
         "measured_at"),
        ("glucose", {"measured_at": "2026-11-29T08:00", "value": "95", "timing": "brunch"},
         "timing"),
        ("hba1c", {"measured_on": "2026-11-29", "percent": "21"}, "percent"),
        ("hba1c", {"measured_on": "2026-12-01", "percent": "6"}, "measured_on"),
        ("exercise", {"started_at": "2026-11-29T08:00", "kind": "walking", "duration_min": "0",
                      "intensity": "light"}, "duration_min"),
        ("exercise", {"started_at": "2026-11-29T08:00", "kind": "walking", "duration_min": "1441",
                      "intensity": "light"}, "duration_min"),
        ("exercise", {"started_at": "2026-11-29T08:00", "kind": "yoga", "duration_min": "30",
                      "intensity": "light"}, "kind"),
    ],
)  # fmt: skip
def test_ranges_per_type(
    db: Session, kind: str, form: dict[str, str], field: str, make_user: MakeUser
) -> None:
    alice = make_user("alice")
    with pytest.raises(FormInvalid) as info:
        add(db, alice, kind, **form)
    assert list(info.value.errors) == [field]


def test_edit_keeps_identity_and_adds_no_duplicate(db: Session, make_user: MakeUser) -> None:
    alice = make_user("alice")
    record_id = add(db, alice, "bp", measured_at="2026-11-29T08:00", systolic="150",
                    diastolic="95")  # fmt: skip
    prefs = preferences.get_preferences(db, user_id=alice)
    form = records.edit_form(db, user_id=alice, kind="bp", record_id=record_id, prefs=prefs)
    assert form["measured_at"] == "2026-11-29T08:00"
    records.update_record(db, user_id=alice, kind="bp", record_id=record_id, prefs=prefs,
                          form={**form, "systolic": "118", "diastolic": "76"}, now=NOW)  # fmt: skip
    page = listing(db, alice, "bp")
    assert page.total == 1
    assert page.rows[0]["id"] == str(record_id)
    assert page.rows[0]["level"] == "normal"


def test_failed_edit_leaves_the_record_as_it_was(db: Session, make_user: MakeUser) -> None:
    alice = make_user("alice")
    record_id = add(db, alice, "bp", measured_at="2026-11-29T08:00", systolic="150",
                    diastolic="95")  # fmt: skip
    prefs = preferences.get_preferences(db, user_id=alice)
    with pytest.raises(FormInvalid):
        records.update_record(db, user_id=alice, kind="bp", record_id=record_id, prefs=prefs,
                              form={"measured_at": "2026-11-29T08:00", "systolic": "150",
                                    "diastolic": "999"}, now=NOW)  # fmt: skip
    assert db.get(BloodPressure, record_id).diastolic == 95  # type: ignore[union-attr]


def test_mmol_entry_survives_edit_without_drift(db: Session, make_user: MakeUser) -> None:
    alice = make_user("alice", glucose_unit="mmol/L")
    record_id = add(db, alice, "glucose", measured_at="2026-11-29T08:00", value="5,5",
                    timing="fasting")  # fmt: skip
    stored = db.get(Glucose, record_id).mg_dl  # type: ignore[union-attr]
    prefs = preferences.get_preferences(db, user_id=alice)
    for _ in range(3):  # open the edit form and save it unchanged, three times
        form = records.edit_form(db, user_id=alice, kind="glucose", record_id=record_id,
                                 prefs=prefs)  # fmt: skip
        assert form["value"] == "5.5"
        records.update_record(db, user_id=alice, kind="glucose", record_id=record_id,
                              prefs=prefs, form=form, now=NOW)  # fmt: skip
    assert db.get(Glucose, record_id).mg_dl == stored  # type: ignore[union-attr]
    assert value(listing(db, alice, "glucose").rows[0]) == "5.5 mmol/L"


def test_a_late_evening_reading_belongs_to_its_local_day(db: Session, make_user: MakeUser) -> None:
    alice = make_user("alice")  # Asia/Seoul, UTC+9
    add(db, alice, "glucose", measured_at="2026-11-28T23:30", value="110", timing="bedtime")
    on_28 = listing(db, alice, "glucose", start=date(2026, 11, 28), end=date(2026, 11, 28))
    on_29 = listing(db, alice, "glucose", start=date(2026, 11, 29), end=date(2026, 11, 29))
    assert on_28.total == 1
    assert on_29.total == 0
    assert (on_28.rows[0]["day"], on_28.rows[0]["time"]) == ("2026-11-28", "23:30")


def test_newest_first_and_pagination(db: Session, make_user: MakeUser) -> None:
    alice = make_user("alice")
    start = datetime(2026, 11, 1, 8, 0)
    for i in range(25):
        when = (start + timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M")
        add(db, alice, "bp", measured_at=when, systolic=str(100 + i), diastolic="70")
    first = listing(db, alice, "bp", page=1)
    second = listing(db, alice, "bp", page=2)
    beyond = listing(db, alice, "bp", page=9)
    assert (first.total, first.pages, len(first.rows), len(second.rows)) == (25, 2, 20, 5)
    assert value(first.rows[0]).startswith("124/")
    assert value(second.rows[-1]).startswith("100/")
    assert beyond.page == 2


def test_exercise_energy_uses_weight_when_set(
    db: Session, make_user: MakeUser, user_prefs_form: dict[str, str]
) -> None:
    alice = make_user("alice")
    form = {"started_at": "2026-11-29T07:00", "kind": "walking", "duration_min": "60",
            "intensity": "moderate"}  # fmt: skip
    add(db, alice, "exercise", **form)
    preferences.update_preferences(db, user_id=alice, form={**user_prefs_form, "weight_kg": "70"})
    add(db, alice, "exercise", **{**form, "started_at": "2026-11-29T08:00"})
    newest, oldest = listing(db, alice, "exercise").rows
    assert value(newest) == "60 min · 245 kcal"  # 3.5 MET x 70 kg x 1 h
    assert value(oldest) == "60 min"


def test_other_users_records_are_invisible_and_untouchable(
    db: Session, make_user: MakeUser
) -> None:
    alice = make_user("alice")
    mallory = make_user("mallory")
    record_id = add(db, alice, "bp", measured_at="2026-11-29T08:00", systolic="120",
                    diastolic="80")  # fmt: skip
    prefs = preferences.get_preferences(db, user_id=mallory)
    assert listing(db, mallory, "bp").total == 0
    with pytest.raises(NotFound):
        records.edit_form(db, user_id=mallory, kind="bp", record_id=record_id, prefs=prefs)
    with pytest.raises(NotFound):
        records.update_record(db, user_id=mallory, kind="bp", record_id=record_id, prefs=prefs,
                              form={"measured_at": "2026-11-29T08:00", "systolic": "200",
                                    "diastolic": "100"}, now=NOW)  # fmt: skip
    with pytest.raises(NotFound):
        records.delete_record(db, user_id=mallory, kind="bp", record_id=record_id)
    # nor by guessing the kind: the id of a BP row is not a glucose row of anyone's
    with pytest.raises(NotFound):
        records.delete_record(db, user_id=alice, kind="glucose", record_id=record_id)
    assert value(listing(db, alice, "bp").rows[0]) == "120/80 mmHg"


def test_delete_removes_only_that_record(db: Session, make_user: MakeUser) -> None:
    alice = make_user("alice")
    first = add(db, alice, "hba1c", measured_on="2026-10-01", percent="7.4")
    add(db, alice, "hba1c", measured_on="2026-11-01", percent="6.9")
    records.delete_record(db, user_id=alice, kind="hba1c", record_id=first)
    rows = listing(db, alice, "hba1c").rows
    assert [(value(r), r["level"]) for r in rows] == [("6.9 %", "borderline")]


@pytest.mark.parametrize(("kind", "field", "form"), [
    ("bp", "measured_at", {"systolic": "120", "diastolic": "80"}),
    ("glucose", "measured_at", {"value": "99", "timing": "fasting"}),
    ("exercise", "started_at", {"kind": "walking", "duration_min": "30", "intensity": "moderate"}),
])  # fmt: skip
def test_a_fall_back_reading_saved_unchanged_keeps_its_instant(
    db: Session, make_user: MakeUser, kind: str, field: str, form: dict[str, str]
) -> None:
    alice = make_user("alice", timezone="America/New_York")
    record_id = add(db, alice, kind, **{field: "2026-11-01T01:00"}, **form)
    row = db.get(records.KINDS[kind].model, record_id)
    second_0130 = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST, after the fall-back
    setattr(row, field, second_0130)  # as an import or the API would store it
    db.flush()
    prefs = preferences.get_preferences(db, user_id=alice)
    for _ in range(3):  # open the edit form and save it unchanged, three times
        shown = records.edit_form(db, user_id=alice, kind=kind, record_id=record_id, prefs=prefs)
        assert shown[field] == "2026-11-01T01:30"
        records.update_record(db, user_id=alice, kind=kind, record_id=record_id, prefs=prefs,
                              form=shown, now=NOW)  # fmt: skip
    db.refresh(row)
    assert getattr(row, field) == second_0130


def test_a_time_left_as_the_form_showed_it_is_the_moment_of_saving(
    db: Session, make_user: MakeUser
) -> None:
    alice = make_user("alice")  # Asia/Seoul
    prefs = preferences.get_preferences(db, user_id=alice)
    shown = {"measured_at": "2026-11-29T19:00", "systolic": "120", "diastolic": "80"}
    row = records.create_record(db, user_id=alice, kind="bp", form=shown, prefs=prefs, now=NOW,
                                at_now=True)  # fmt: skip
    assert row.measured_at == NOW
    day = {"measured_on": "2026-11-28", "percent": "6.8"}
    late = NOW.replace(hour=16)  # 01:00 on the 30th in Seoul
    row = records.create_record(db, user_id=alice, kind="hba1c", form=day, prefs=prefs,
                                now=late, at_now=True)  # fmt: skip
    assert row.measured_on == date(2026, 11, 30)


# --- glucose source: meter or CGM -----------------------------------------------------------


def glucose_form(**extra: str) -> dict[str, str]:
    return {"measured_at": "2026-11-29T08:00", "value": "142", "timing": "after_lunch", **extra}


def test_a_glucose_reading_is_a_meter_reading_unless_the_form_says_cgm(
    db: Session, make_user: MakeUser
) -> None:
    alice = make_user("alice")
    meter = add(db, alice, "glucose", **glucose_form())  # no field at all (REST API, CSV)
    chosen = add(db, alice, "glucose", **glucose_form(source="meter"))
    cgm = add(db, alice, "glucose", **glucose_form(source="cgm"))
    upper = add(db, alice, "glucose", **glucose_form(source=" CGM "))
    stored = {i: db.get(Glucose, i).source for i in (meter, chosen, cgm, upper)}  # type: ignore[union-attr]
    assert stored == {meter: "meter", chosen: "meter", cgm: "cgm", upper: "cgm"}
    shown = {row["id"]: row for row in listing(db, alice, "glucose").rows}
    assert (shown[str(cgm)]["source"], shown[str(cgm)]["source_key"]) == (
        "cgm",
        "glucose.source.cgm",
    )
    assert shown[str(meter)]["source_key"] == "glucose.source.meter"
    assert translate("en", shown[str(cgm)]["source_key"]) == "CGM"
    assert translate("ko", shown[str(cgm)]["source_key"]) == "연속혈당측정기(CGM)"
    assert translate("ko", shown[str(meter)]["source_key"]) == "혈당측정기"


@pytest.mark.parametrize("sent", ["", "sensor", "libre", "meter,cgm"])
def test_a_source_that_is_not_meter_or_cgm_is_refused(
    db: Session, make_user: MakeUser, sent: str
) -> None:
    alice = make_user("alice")
    with pytest.raises(FormInvalid) as info:
        add(db, alice, "glucose", **glucose_form(source=sent))
    assert list(info.value.errors) == ["source"]
    assert info.value.errors["source"].key == "error.glucose_source_invalid"
    assert translate("en", "error.glucose_source_invalid") != "error.glucose_source_invalid"
    assert db.exec(select(func.count()).select_from(Glucose)).one() == 0


def test_editing_shows_and_keeps_the_source(db: Session, make_user: MakeUser) -> None:
    alice = make_user("alice")
    record_id = add(db, alice, "glucose", **glucose_form(source="cgm"))
    prefs = preferences.get_preferences(db, user_id=alice)

    def edit(form: dict[str, str]) -> str:
        records.update_record(db, user_id=alice, kind="glucose", record_id=record_id,
                              prefs=prefs, form=form, now=NOW)  # fmt: skip
        return db.get(Glucose, record_id).source  # type: ignore[union-attr]

    form = records.edit_form(db, user_id=alice, kind="glucose", record_id=record_id, prefs=prefs)
    assert form["source"] == "cgm"
    assert edit({**form, "value": "150"}) == "cgm"  # the form sends it back as shown
    assert edit({k: v for k, v in form.items() if k != "source"}) == "cgm"  # not sent: kept
    assert edit({**form, "source": "meter"}) == "meter"
    with pytest.raises(FormInvalid):
        edit({**form, "source": "pump"})
    assert db.get(Glucose, record_id).source == "meter"  # type: ignore[union-attr]


def test_the_list_shows_an_edit_and_a_new_unit_at_once(
    db: Session, make_user: MakeUser, user_prefs_form: dict[str, str]
) -> None:
    """The rows' views are kept between reads (services/records/listing.py): by the row's values
    and the preferences, so neither an edit nor a changed setting is shown stale."""
    alice = make_user("alice")
    record_id = add(db, alice, "glucose", measured_at="2026-11-29T08:00", value="99",
                    timing="fasting", note="before")  # fmt: skip
    before = listing(db, alice, "glucose").rows[0]
    assert (value(before), before["note"], before["level"]) == ("99 mg/dL", "before", "normal")
    prefs = preferences.get_preferences(db, user_id=alice)
    records.update_record(db, user_id=alice, kind="glucose", record_id=record_id, prefs=prefs,
                          form={"measured_at": "2026-11-29T08:00", "value": "140",
                                "timing": "fasting", "note": "after"}, now=NOW)  # fmt: skip
    (row,) = listing(db, alice, "glucose").rows
    assert (value(row), row["note"], row["level"]) == ("140 mg/dL", "after", "danger")
    preferences.update_preferences(
        db, user_id=alice, form={**user_prefs_form, "glucose_unit": "mmol/L"}
    )
    assert value(listing(db, alice, "glucose").rows[0]) == "7.8 mmol/L"


def test_a_new_record_is_returned_as_stored(db: Session, make_user: MakeUser) -> None:
    alice = make_user("alice")
    prefs = preferences.get_preferences(db, user_id=alice)
    form = {"measured_at": "2026-11-29T08:00", "value": "104", "timing": "fasting"}
    row = records.create_record(db, user_id=alice, kind="glucose", form=form, prefs=prefs, now=NOW)
    # the model's defaults (note, source, timestamps) filled in, as the ORM would have
    assert (row.note, row.source, row.user_id) == ("", "meter", alice)
    assert row.created_at is not None
    assert row.updated_at is not None
    # held by the session as a row it has read: clean, found by id, changed like any other
    assert db.get(Glucose, row.id) is row
    assert not db.dirty
    assert not db.new
    stored = db.execute(select(Glucose.__table__).where(Glucose.__table__.c.id == row.id)).one()
    for name in Glucose.model_fields:
        assert getattr(stored, name) == getattr(row, name), name
    row.note = "after the run"
    db.flush()
    note = db.execute(select(Glucose.__table__.c.note).where(Glucose.__table__.c.id == row.id))
    assert note.scalar_one() == "after the run"
