"""Tests for healthapp.domain.exercise: the MET table and the kcal estimate."""

from __future__ import annotations

import pytest

from healthapp.domain.exercise import (
    ALL_LABEL_KEYS,
    MET_TABLE,
    ExerciseKind,
    Intensity,
    energy_kcal,
    met_value,
)
from healthapp.i18n.en import MESSAGES as EN_CATALOGUE
from healthapp.i18n.ko import MESSAGES as KO_CATALOGUE

K, It = ExerciseKind, Intensity

# (kind, intensity, MET, 2011 Compendium code)
EXPECTED = [
    (K.WALKING, It.LIGHT, 2.8, "17152"),
    (K.WALKING, It.MODERATE, 3.5, "17190"),
    (K.WALKING, It.VIGOROUS, 7.0, "17230"),
    (K.RUNNING, It.LIGHT, 6.0, "12029"),
    (K.RUNNING, It.MODERATE, 7.0, "12020"),
    (K.RUNNING, It.VIGOROUS, 9.8, "12050"),
    (K.CYCLING, It.LIGHT, 4.0, "01010"),
    (K.CYCLING, It.MODERATE, 6.8, "01020"),
    (K.CYCLING, It.VIGOROUS, 10.0, "01040"),
    (K.SWIMMING, It.LIGHT, 5.8, "18240"),
    (K.SWIMMING, It.MODERATE, 8.3, "18290"),
    (K.SWIMMING, It.VIGOROUS, 9.8, "18230"),
    (K.STRENGTH, It.LIGHT, 2.8, "02024"),
    (K.STRENGTH, It.MODERATE, 3.5, "02054"),
    (K.STRENGTH, It.VIGOROUS, 6.0, "02050"),
    (K.OTHER, It.LIGHT, 2.3, "02140"),
    (K.OTHER, It.MODERATE, 4.0, "02143"),
    (K.OTHER, It.VIGOROUS, 6.0, "02146"),
]


def test_enum_values():
    assert [k.value for k in ExerciseKind] == [
        "walking",
        "running",
        "cycling",
        "swimming",
        "strength",
        "other",
    ]
    assert [i.value for i in Intensity] == ["light", "moderate", "vigorous"]


def test_table_covers_every_kind_and_intensity_once():
    assert set(MET_TABLE) == {(k, i) for k in ExerciseKind for i in Intensity}
    assert len(EXPECTED) == len(MET_TABLE)


@pytest.mark.parametrize(("kind", "intensity", "met", "code"), EXPECTED)
def test_met_values_and_codes(kind, intensity, met, code):
    entry = MET_TABLE[kind, intensity]
    assert (entry.met, entry.code) == (met, code)
    assert met_value(kind, intensity) == met
    assert met_value(kind.value, intensity.value) == met


@pytest.mark.parametrize("kind", list(ExerciseKind))
def test_met_rises_with_intensity(kind):
    light, moderate, vigorous = (MET_TABLE[kind, i].met for i in Intensity)
    assert light < moderate < vigorous


def test_codes_are_distinct_five_digit_compendium_codes():
    codes = [entry.code for entry in MET_TABLE.values()]
    assert all(len(code) == 5 and code.isdigit() for code in codes)
    assert len(set(codes)) == len(codes)


def test_entries_sit_in_the_compendium_intensity_classes_where_possible():
    # light < 3.0, moderate 3.0-5.9, vigorous >= 6.0 MET; running and swimming start above 5.8
    for (kind, intensity), entry in MET_TABLE.items():
        if intensity is It.VIGOROUS:
            assert entry.met >= 6.0
        elif kind in {K.WALKING, K.STRENGTH, K.OTHER}:
            assert (entry.met < 3.0) if intensity is It.LIGHT else (3.0 <= entry.met < 6.0)


@pytest.mark.parametrize(
    ("kind", "intensity", "minutes", "weight_kg", "kcal"),
    [
        (K.WALKING, It.MODERATE, 60, 70, 245.0),  # 3.5 x 70 x 1
        (K.WALKING, It.LIGHT, 30, 60.0, 84.0),  # 2.8 x 60 x 0.5
        (K.RUNNING, It.VIGOROUS, 30, 80, 392.0),  # 9.8 x 80 x 0.5
        (K.CYCLING, It.VIGOROUS, 90, 75.5, 1132.5),  # 10 x 75.5 x 1.5
        (K.SWIMMING, It.MODERATE, 45, 68, 423.3),  # 8.3 x 68 x 0.75
        (K.STRENGTH, It.VIGOROUS, 20, 90, 180.0),  # 6 x 90 x 1/3
        (K.OTHER, It.LIGHT, 10, 50, 2.3 * 50 / 6),
        (K.WALKING, It.MODERATE, 0, 70, 0.0),
        (K.WALKING, It.MODERATE, 0.5, 70, 3.5 * 70 * 0.5 / 60),
        ("walking", "moderate", 60, 70, 245.0),
    ],
)
def test_energy_kcal(kind, intensity, minutes, weight_kg, kcal):
    assert energy_kcal(kind, intensity, minutes, weight_kg) == pytest.approx(kcal)


@pytest.mark.parametrize(("kind", "intensity", "met", "code"), EXPECTED)
def test_energy_is_met_times_kg_times_hours_for_every_entry(kind, intensity, met, code):
    assert energy_kcal(kind, intensity, 120, 50) == pytest.approx(met * 50 * 2)


@pytest.mark.parametrize(("kind", "intensity", "met", "code"), EXPECTED)
def test_energy_unknown_weight_is_none(kind, intensity, met, code):
    assert energy_kcal(kind, intensity, 30, None) is None


@pytest.mark.parametrize("minutes", [-1, -0.1, float("nan"), float("inf"), True])
def test_energy_rejects_bad_minutes(minutes):
    with pytest.raises(ValueError, match="minutes"):
        energy_kcal(K.WALKING, It.MODERATE, minutes, 70)
    with pytest.raises(ValueError, match="minutes"):
        energy_kcal(K.WALKING, It.MODERATE, minutes, None)


@pytest.mark.parametrize("weight", [0, -70, 0.0, float("nan"), float("inf"), True])
def test_energy_rejects_bad_weight(weight):
    with pytest.raises(ValueError, match="weight_kg"):
        energy_kcal(K.WALKING, It.MODERATE, 30, weight)


@pytest.mark.parametrize(("kind", "intensity"), [("yoga", "light"), ("walking", "extreme")])
def test_unknown_kind_or_intensity(kind, intensity):
    with pytest.raises(ValueError, match=r"yoga|extreme"):
        energy_kcal(kind, intensity, 30, 70)


def test_label_keys():
    expected = (
        *(f"exercise.kind.{k.value}" for k in ExerciseKind),
        *(f"exercise.intensity.{i.value}" for i in Intensity),
    )
    assert expected == ALL_LABEL_KEYS
    assert K.SWIMMING.label_key == "exercise.kind.swimming"
    assert It.VIGOROUS.label_key == "exercise.intensity.vigorous"


def test_label_keys_have_english_and_korean_text():
    en, ko = dict(EN_CATALOGUE), dict(KO_CATALOGUE)
    for key in ALL_LABEL_KEYS:
        assert en.get(key), key
        assert ko.get(key), key
