"""The diabetes status and glucose targets of the settings form (services.glucose_targets)."""

import pytest
from sqlmodel import Session

from healthapp.domain.clinical import DiabetesStatus, GlucoseTargets
from healthapp.models import User
from healthapp.services import preferences, settings
from healthapp.services.forms import FormInvalid
from tests.unit.services.conftest import MakeUser

TYPE2 = {"diabetes_status": "type2", "target_pre_meal_low": "80", "target_pre_meal_high": "130",
         "target_after_meal": "180"}  # fmt: skip


def _save(
    db: Session, user_id: int, *forms: dict[str, str], **fields: str
) -> preferences.Preferences:
    """Save the merged `forms`, then `fields` over them, as the preferences form."""
    merged = {k: v for form in forms for k, v in form.items()}
    return preferences.update_preferences(db, user_id=user_id, form={**merged, **fields})


def test_defaults_are_no_diabetes_and_the_ada_targets(db: Session, user_id: int) -> None:
    prefs = preferences.get_preferences(db, user_id=user_id)
    assert prefs.diabetes_status is DiabetesStatus.NONE
    assert prefs.glucose_targets is None  # diagnostic ranges
    form = settings.settings_form(db, user_id=user_id)
    assert form["diabetes_status"] == "none"
    assert (form["target_pre_meal_low"], form["target_pre_meal_high"]) == ("80", "130")
    assert form["target_after_meal"] == "180"
    assert (form["gdm_target_fasting"], form["gdm_target_after_meal"]) == ("95", "140")


@pytest.mark.parametrize(
    ("status", "targets"),
    [
        ("none", None),
        ("prediabetes", None),
        ("type1", GlucoseTargets(80, 130, True, 180)),
        ("type2", GlucoseTargets(80, 130, True, 180)),
        ("gestational", GlucoseTargets(None, 95, False, 140)),
    ],
)
def test_each_status_judges_by_its_targets(
    db: Session, make_user: MakeUser, user_prefs_form: dict[str, str], status: str,
    targets: GlucoseTargets | None,
) -> None:  # fmt: skip
    alice = make_user("alice")
    prefs = _save(db, alice, user_prefs_form, diabetes_status=status)
    assert prefs.glucose_targets == targets


def test_targets_typed_in_mmol_l_are_stored_in_whole_mg_dl(
    db: Session, make_user: MakeUser, user_prefs_form: dict[str, str]
) -> None:
    alice = make_user("alice", glucose_unit="mmol/L")
    form = {**user_prefs_form, "glucose_unit": "mmol/L"}
    prefs = _save(db, alice, form, TYPE2, target_pre_meal_low="4,5", target_pre_meal_high="7.2",
                  target_after_meal="10")  # fmt: skip
    # 4.5 x 18.016 = 81.07 -> 81; 7.2 -> 129.7 -> 130; 10 -> 180.2 -> 180
    assert prefs.glucose_targets == GlucoseTargets(81, 130, True, 180)
    shown = settings.settings_form(db, user_id=alice)
    assert (shown["target_pre_meal_low"], shown["target_pre_meal_high"]) == ("4.5", "7.2")


def test_unchanged_mmol_l_text_keeps_the_stored_mg_dl(
    db: Session, make_user: MakeUser, user_prefs_form: dict[str, str]
) -> None:
    alice = make_user("alice")
    _save(db, alice, user_prefs_form, TYPE2, target_pre_meal_high="129")
    mmol = {**user_prefs_form, "glucose_unit": "mmol/L"}
    _save(db, alice, mmol, diabetes_status="type2")  # switch the unit only
    shown = settings.settings_form(db, user_id=alice)
    assert shown["target_pre_meal_high"] == "7.2"  # 129 / 18.016 = 7.16
    prefs = _save(db, alice, mmol, **{k: shown[k] for k in TYPE2})  # save the form as shown
    assert prefs.target_pre_meal_high_mg_dl == 129  # not 130 (7.2 x 18.016 = 129.7)


def test_targets_are_read_in_the_unit_the_form_showed(
    db: Session, make_user: MakeUser, user_prefs_form: dict[str, str]
) -> None:
    alice = make_user("alice")
    # The form was shown in mg/dL; switching to mmol/L in the same save keeps "140" as mg/dL.
    prefs = _save(db, alice, {**user_prefs_form, "glucose_unit": "mmol/L"}, TYPE2,
                  target_pre_meal_high="140")  # fmt: skip
    assert prefs.target_pre_meal_high_mg_dl == 140


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"target_pre_meal_low": "60"}, {"target_pre_meal_low"}),  # below hypoglycaemia level 1
        ({"target_after_meal": "260"}, {"target_after_meal"}),  # above very high
        (
            {"target_pre_meal_high": "abc", "target_after_meal": ""},
            {"target_pre_meal_high", "target_after_meal"},
        ),
        ({"target_pre_meal_low": "130"}, {"target_pre_meal_low"}),  # not below the highest
        ({"target_pre_meal_low": "140", "target_pre_meal_high": "120"}, {"target_pre_meal_low"}),
        ({"diabetes_status": "type3"}, {"diabetes_status"}),
    ],
)
def test_bad_targets_name_their_fields_and_change_nothing(
    db: Session, make_user: MakeUser, user_prefs_form: dict[str, str], fields: dict[str, str],
    errors: set[str],
) -> None:  # fmt: skip
    alice = make_user("alice")
    with pytest.raises(FormInvalid) as info:
        _save(db, alice, user_prefs_form, TYPE2, fields)
    assert set(info.value.errors) == errors
    user = db.get(User, alice)  # nothing was set before the errors were found
    assert user is not None
    assert (user.diabetes_status, user.target_pre_meal_low_mg_dl) == ("none", 80)


def test_out_of_range_message_is_in_the_persons_unit(
    db: Session, make_user: MakeUser, user_prefs_form: dict[str, str]
) -> None:
    alice = make_user("alice", glucose_unit="mmol/L")
    form = {**user_prefs_form, "glucose_unit": "mmol/L"}
    with pytest.raises(FormInvalid) as info:
        _save(db, alice, form, TYPE2, target_pre_meal_low="3", target_pre_meal_high="7.2",
              target_after_meal="10")  # fmt: skip
    error = info.value.errors["target_pre_meal_low"]
    assert error.key == "error.out_of_range"
    assert error.params == {"min": "3.9", "max": "13.9", "unit": "mmol/L"}


def test_hidden_targets_of_another_status_are_not_read(
    db: Session, make_user: MakeUser, user_prefs_form: dict[str, str]
) -> None:
    alice = make_user("alice")
    prefs = _save(db, alice, user_prefs_form, diabetes_status="gestational",
                  gdm_target_fasting="90", gdm_target_after_meal="120",
                  target_pre_meal_low="junk", target_after_meal="999")  # fmt: skip
    assert prefs.glucose_targets == GlucoseTargets(None, 90, False, 120)
    assert prefs.target_pre_meal_low_mg_dl == 80  # kept
    # No diabetes: no target is read at all.
    prefs = _save(db, alice, user_prefs_form, diabetes_status="none", gdm_target_fasting="x")
    assert prefs.gdm_target_fasting_mg_dl == 90


def test_a_form_without_the_fields_keeps_them(
    db: Session, make_user: MakeUser, user_prefs_form: dict[str, str]
) -> None:
    alice = make_user("alice")
    _save(db, alice, user_prefs_form, TYPE2, target_after_meal="160")
    prefs = _save(db, alice, user_prefs_form)  # an API client changing only other settings
    assert prefs.diabetes_status is DiabetesStatus.TYPE2
    assert prefs.target_after_meal_mg_dl == 160
