"""Tests for healthapp.domain.units: conversion, no drift on edit, parsing of typed numbers."""

from __future__ import annotations

import string
from decimal import Decimal

import pytest

from healthapp.domain.errors import ValidationError
from healthapp.domain.units import (
    ERROR_KEYS,
    MG_DL_PER_MMOL_L,
    GlucoseUnit,
    display_glucose,
    format_glucose,
    mg_dl_to_mmol_l,
    parse_glucose,
    parse_number,
    resolve_glucose_edit,
    round_mg_dl,
    to_mg_dl,
)
from healthapp.i18n.en import MESSAGES as EN_CATALOGUE
from healthapp.i18n.ko import MESSAGES as KO_CATALOGUE

MG, MMOL = GlucoseUnit.MG_DL, GlucoseUnit.MMOL_L
# Every value a person can type in each unit at display precision, within the accepted range.
MMOL_TENTHS = [Decimal(n).scaleb(-1) for n in range(6, 556)]  # 0.6 .. 55.5 mmol/L
MG_WHOLE = list(range(10, 1001))  # 10 .. 1000 mg/dL


def test_factor_is_the_clinical_one():
    assert Decimal("18.016") == MG_DL_PER_MMOL_L


def test_unit_values_are_ucum_codes():
    assert [unit.value for unit in GlucoseUnit] == ["mg/dL", "mmol/L"]
    assert GlucoseUnit("mmol/L") is MMOL


@pytest.mark.parametrize(
    ("value", "unit", "stored"),
    [
        (Decimal("5.5"), MMOL, 99.088),
        (5.5, MMOL, 99.088),
        ("7.0", MMOL, 126.112),
        (1, MMOL, 18.016),
        (Decimal("0.6"), MMOL, 10.81),
        (Decimal("55.5"), MMOL, 999.888),
        (Decimal("5.55"), MMOL, 99.989),  # 99.9888 rounded to 3 decimals, half up
        (100, MG, 100.0),
        (99.5, MG, 99.5),
        (1 / 3, MG, 0.333),
        (Decimal("99.0005"), MG, 99.001),
    ],
)
def test_to_mg_dl(value, unit, stored):
    if isinstance(value, str):
        value = Decimal(value)
    assert to_mg_dl(value, unit) == stored
    assert to_mg_dl(value, unit.value) == stored


def test_helpers_agree_with_to_mg_dl():
    assert to_mg_dl(5.5, MMOL) == 99.088
    assert mg_dl_to_mmol_l(18.016) == 1.0
    assert mg_dl_to_mmol_l(99.088) == 5.5
    assert mg_dl_to_mmol_l(100) == pytest.approx(5.5506, abs=1e-4)


@pytest.mark.parametrize(
    ("value", "error"),
    [(True, TypeError), ("5.5", TypeError), (None, TypeError), (float("nan"), ValueError)],
)
def test_to_mg_dl_rejects_non_numbers(value, error):
    with pytest.raises(error):
        to_mg_dl(value, MG)


def test_to_mg_dl_rejects_unknown_unit():
    with pytest.raises(ValueError, match="mg/l"):
        to_mg_dl(5, "mg/l")


@pytest.mark.parametrize(
    ("mg_dl", "whole"),
    [
        (53.4, 53),
        (53.5, 54),
        (69.49, 69),
        (69.5, 70),
        (99.5, 100),
        (100.5, 101),  # half up, not to even
        (125.5, 126),
        (199.978, 200),
        (250.42, 250),
        (0.4, 0),
    ],
)
def test_round_mg_dl(mg_dl, whole):
    assert round_mg_dl(mg_dl) == whole


@pytest.mark.parametrize(
    ("mg_dl", "unit", "shown"),
    [
        (99.088, MMOL, "5.5"),
        (99.0, MMOL, "5.5"),
        (100, MMOL, "5.6"),  # 5.5506
        (99.9888, MMOL, "5.6"),  # exactly 5.55: half up
        (99.9887, MMOL, "5.5"),
        (18.016, MMOL, "1.0"),
        (99.088, MG, "99"),
        (99.5, MG, "100"),
        (100.5, MG, "101"),
        (100.49, MG, "100"),
        (1000, MG, "1000"),
    ],
)
def test_display_and_format(mg_dl, unit, shown):
    assert display_glucose(mg_dl, unit) == Decimal(shown)
    assert format_glucose(mg_dl, unit) == shown


# --- no drift ---------------------------------------------------------------------------------


@pytest.mark.parametrize("separator", [".", ","])
def test_every_mmol_l_value_round_trips(separator):
    for mmol in MMOL_TENTHS:
        text = str(mmol).replace(".", separator)
        stored = parse_glucose(text, MMOL)
        assert format_glucose(stored, MMOL) == str(mmol)
        # edit and save without change, three times over: same stored value
        for _ in range(3):
            assert parse_glucose(format_glucose(stored, MMOL), MMOL) == stored
            assert resolve_glucose_edit(format_glucose(stored, MMOL), MMOL, stored) == stored
        # and an edit form opened in the other unit keeps it too
        assert resolve_glucose_edit(format_glucose(stored, MG), MG, stored) == stored


def test_every_mg_dl_value_round_trips():
    for mg in MG_WHOLE:
        stored = parse_glucose(str(mg), MG)
        assert stored == float(mg)
        assert format_glucose(stored, MG) == str(mg)
        for _ in range(3):
            assert parse_glucose(format_glucose(stored, MG), MG) == stored
            assert resolve_glucose_edit(format_glucose(stored, MG), MG, stored) == stored
        # 0.1 mmol/L is ~1.8 mg/dL, so the mmol/L text cannot give the value back; the edit
        # resolver keeps the stored value when that text is submitted unchanged
        shown = format_glucose(stored, MMOL)
        assert resolve_glucose_edit(shown, MMOL, stored) == stored
        assert resolve_glucose_edit(shown.replace(".", ","), MMOL, stored) == stored


def test_fractional_mg_dl_entries_are_kept_to_three_decimals():
    for tenths in range(100, 10_001):
        text = f"{tenths // 10}.{tenths % 10}"
        stored = parse_glucose(text, MG)
        assert stored == float(Decimal(text))
        assert parse_glucose(format_glucose(stored, MG), MG) == round_mg_dl(stored)
        assert resolve_glucose_edit(format_glucose(stored, MG), MG, stored) == stored


def test_cross_unit_display_is_stable():
    # mmol/L -> stored -> mg/dL shown -> stored (as mg/dL) -> mmol/L shown: within one tenth
    for mmol in MMOL_TENTHS:
        stored = parse_glucose(str(mmol), MMOL)
        again = parse_glucose(format_glucose(stored, MG), MG)
        assert abs(display_glucose(again, MMOL) - mmol) <= Decimal("0.1")


def test_changed_text_is_stored():
    stored = parse_glucose("5.5", MMOL)
    assert resolve_glucose_edit("5.6", MMOL, stored) == to_mg_dl(Decimal("5.6"), MMOL)
    assert resolve_glucose_edit("5,50", MMOL, stored) == stored
    assert resolve_glucose_edit("5.55", MMOL, stored) == 99.989
    assert resolve_glucose_edit("100", MG, stored) == 100.0
    assert resolve_glucose_edit("99", MG, stored) == stored


@pytest.mark.parametrize(
    ("text", "key"), [("abc", "error.number_invalid"), ("", "error.value_required")]
)
def test_edit_with_bad_text_raises(text, key):
    with pytest.raises(ValidationError) as caught:
        resolve_glucose_edit(text, MMOL, 99.088, field="reading")
    assert (caught.value.key, caught.value.field) == (key, "reading")


def test_edit_with_changed_text_is_range_checked():
    with pytest.raises(ValidationError) as caught:
        resolve_glucose_edit("9", MG, 99.088)
    assert caught.value.key == "error.glucose_out_of_range"


# --- parsing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5.5", "5.5"),
        ("5,5", "5.5"),
        ("  5.5\t", "5.5"),
        ("5.50", "5.5"),
        ("120", "120"),
        ("0120", "120"),
        ("5.", "5"),
        ("5,", "5"),
        (".5", "0.5"),
        (",5", "0.5"),
        ("0", "0"),
        ("５.５", "5.5"),  # full-width digits from a Korean/Japanese input method
        ("１２０", "120"),
        ("5，5", "5.5"),  # full-width comma
        ("99.0005", "99.0005"),
    ],
)
def test_parse_number_accepts(text, value):
    assert parse_number(text, field="x") == Decimal(value)


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "5.5.5",
        "5,5,5",
        "5.5,5",
        "1,000.5",
        "-5",
        "+5",
        "1e3",
        "1E3",
        "nan",
        "NaN",
        "inf",
        "Infinity",
        "5 5",
        "5..",
        ".",
        ",",
        "0x10",
        "5mg",
        "5.5 mmol/L",
        "٥",  # Arabic-Indic digit: Decimal() would accept it, we do not
        "1" * 21,
        "½",
    ],
)
def test_parse_number_rejects(text):
    with pytest.raises(ValidationError) as caught:
        parse_number(text, field="glucose")
    assert caught.value.key == "error.number_invalid"
    assert caught.value.field == "glucose"


@pytest.mark.parametrize("text", ["", "   ", "\t\n", "\u3000"])
def test_parse_number_blank(text):
    with pytest.raises(ValidationError) as caught:
        parse_number(text, field="weight")
    assert (caught.value.key, caught.value.field) == ("error.value_required", "weight")


def test_parse_number_accepts_twenty_characters():
    assert parse_number("1" * 20, field="x") == Decimal("1" * 20)


@pytest.mark.parametrize(
    ("text", "unit", "stored"),
    [
        ("10", MG, 10.0),
        ("1000", MG, 1000.0),
        ("99,5", MG, 99.5),
        ("0.6", MMOL, 10.81),
        ("0,6", MMOL, 10.81),
        ("55.5", MMOL, 999.888),
        ("5.5", "mmol/L", 99.088),
    ],
)
def test_parse_glucose_accepts_the_range_edges(text, unit, stored):
    assert parse_glucose(text, unit) == stored


@pytest.mark.parametrize(
    ("text", "unit", "params"),
    [
        ("9", MG, {"min": "10", "max": "1000", "unit": "mg/dL"}),
        ("9.999", MG, {"min": "10", "max": "1000", "unit": "mg/dL"}),
        ("1000.001", MG, {"min": "10", "max": "1000", "unit": "mg/dL"}),
        ("1001", MG, {"min": "10", "max": "1000", "unit": "mg/dL"}),
        ("0", MG, {"min": "10", "max": "1000", "unit": "mg/dL"}),
        ("0.5", MMOL, {"min": "0.6", "max": "55.5", "unit": "mmol/L"}),
        ("0.55", MMOL, {"min": "0.6", "max": "55.5", "unit": "mmol/L"}),
        ("55.6", MMOL, {"min": "0.6", "max": "55.5", "unit": "mmol/L"}),
        ("0", MMOL, {"min": "0.6", "max": "55.5", "unit": "mmol/L"}),
    ],
)
def test_parse_glucose_out_of_range(text, unit, params):
    with pytest.raises(ValidationError) as caught:
        parse_glucose(text, unit, field="reading")
    error = caught.value
    assert (error.key, error.field, error.params) == (
        "error.glucose_out_of_range",
        "reading",
        params,
    )


@pytest.mark.parametrize(
    ("text", "key"), [("x", "error.number_invalid"), (" ", "error.value_required")]
)
def test_parse_glucose_default_field(text, key):
    with pytest.raises(ValidationError) as caught:
        parse_glucose(text, MG)
    assert (caught.value.key, caught.value.field) == (key, "glucose")


def test_parse_glucose_rejects_unknown_unit():
    with pytest.raises(ValueError, match="mg"):
        parse_glucose("5", "mg")


# --- catalogue keys ---------------------------------------------------------------------------


def test_error_keys_have_english_and_korean_text():
    en, ko = dict(EN_CATALOGUE), dict(KO_CATALOGUE)

    def placeholders(template: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name}

    for key in ERROR_KEYS:
        assert en.get(key), key
        assert ko.get(key), key
        assert placeholders(en[key]) == placeholders(ko[key]), key
    assert placeholders(en["error.glucose_out_of_range"]) == {"min", "max", "unit"}
