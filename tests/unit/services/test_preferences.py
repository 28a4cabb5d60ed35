import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.domain.clinical import BPStandard
from healthapp.domain.units import GlucoseUnit
from healthapp.services import preferences
from healthapp.services.forms import FormInvalid

VALID = {
    "glucose_unit": "mmol/L",
    "bp_standard": "ksh",
    "timezone": "Asia/Seoul",
    "weight_kg": "72,5",
    "hba1c_target": "6.5",
    "language": "ko",
}


def test_defaults(engine: Engine, user_id: int) -> None:
    with Session(engine) as db:
        prefs = preferences.get_preferences(db, user_id=user_id)
    assert prefs.glucose_unit is GlucoseUnit.MG_DL
    assert prefs.bp_standard is BPStandard.ACC_AHA  # follows English
    assert prefs.tz.key == "UTC"
    assert prefs.weight_kg is None
    assert prefs.hba1c_target == 7.0


def test_update_and_read_back(engine: Engine, user_id: int) -> None:
    with Session(engine) as db:
        prefs = preferences.update_preferences(db, user_id=user_id, form=VALID)
        db.commit()
    assert prefs.glucose_unit is GlucoseUnit.MMOL_L
    assert prefs.bp_standard is BPStandard.KSH
    assert prefs.weight_kg == 72.5
    assert prefs.hba1c_target == 6.5
    assert prefs.language == "ko"


def test_automatic_bp_standard_follows_language(engine: Engine, user_id: int) -> None:
    with Session(engine) as db:
        prefs = preferences.update_preferences(
            db, user_id=user_id, form={**VALID, "bp_standard": "auto", "language": "ko"}
        )
        assert prefs.bp_standard is BPStandard.KSH
        prefs = preferences.update_preferences(
            db, user_id=user_id, form={**VALID, "bp_standard": "auto", "language": "en"}
        )
        assert prefs.bp_standard is BPStandard.ACC_AHA


def test_every_bad_field_is_named_and_nothing_changes(engine: Engine, user_id: int) -> None:
    bad = {**VALID, "glucose_unit": "g/L", "timezone": "Mars/Base", "weight_kg": "5",
           "hba1c_target": "x"}  # fmt: skip
    with Session(engine) as db:
        with pytest.raises(FormInvalid) as info:
            preferences.update_preferences(db, user_id=user_id, form=bad)
        assert sorted(info.value.errors) == [
            "glucose_unit",
            "hba1c_target",
            "timezone",
            "weight_kg",
        ]
        assert preferences.get_preferences(db, user_id=user_id).glucose_unit is GlucoseUnit.MG_DL


def test_browser_zone_is_learned_once(engine: Engine, user_id: int) -> None:
    with Session(engine) as db:
        preferences.learn_timezone(db, user_id=user_id, name="Not/AZone")
        assert preferences.get_preferences(db, user_id=user_id).timezone == ""
        preferences.learn_timezone(db, user_id=user_id, name="Europe/Berlin")
        preferences.learn_timezone(db, user_id=user_id, name="Asia/Seoul")
        assert preferences.get_preferences(db, user_id=user_id).timezone == "Europe/Berlin"
