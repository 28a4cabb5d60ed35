"""Boundary tests for judging readings against a person's targets (domain.clinical.targets)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from healthapp.domain.clinical import (
    HYPO_LEVEL1_BELOW,
    TARGET_MAX_MG_DL,
    TARGET_MIN_MG_DL,
    VERY_HIGH_ABOVE,
    DiabetesStatus,
    GlucoseCategory,
    GlucoseTargets,
    GlucoseTiming,
    HbA1cCategory,
    Level,
    ada_targets,
    classify_glucose,
    classify_hba1c,
    gestational_targets,
)
from healthapp.domain.units import GlucoseUnit, to_mg_dl

G, H = GlucoseCategory, HbA1cCategory
N, B, D = Level.NORMAL, Level.BORDERLINE, Level.DANGER
PRE_MEAL = [t for t in GlucoseTiming if t.is_pre_meal]
AFTER = [t for t in GlucoseTiming if not t.is_pre_meal]  # after meals, bedtime, other

# mg/dL; (category, level) before a meal; (category, level) after a meal / bedtime / other.
ADA_TABLE = [
    (53, (G.HYPO_LEVEL2, D), (G.HYPO_LEVEL2, D)),
    (54, (G.HYPO_LEVEL1, D), (G.HYPO_LEVEL1, D)),
    (65, (G.HYPO_LEVEL1, D), (G.HYPO_LEVEL1, D)),
    (69, (G.HYPO_LEVEL1, D), (G.HYPO_LEVEL1, D)),
    (70, (G.BELOW_TARGET, B), (G.IN_TARGET, N)),
    (79, (G.BELOW_TARGET, B), (G.IN_TARGET, N)),
    (80, (G.IN_TARGET, N), (G.IN_TARGET, N)),  # ADA 80-130: 80 is in target
    (126, (G.IN_TARGET, N), (G.IN_TARGET, N)),  # not "diabetes range" for a person with diabetes
    (130, (G.IN_TARGET, N), (G.IN_TARGET, N)),  # ... and 130 too
    (131, (G.ABOVE_TARGET, B), (G.IN_TARGET, N)),
    (150, (G.ABOVE_TARGET, B), (G.IN_TARGET, N)),  # not "prediabetes range" after dinner
    (179, (G.ABOVE_TARGET, B), (G.IN_TARGET, N)),
    (180, (G.ABOVE_TARGET, B), (G.ABOVE_TARGET, B)),  # ADA < 180 after meals
    (250, (G.ABOVE_TARGET, B), (G.ABOVE_TARGET, B)),
    (251, (G.VERY_HIGH, D), (G.VERY_HIGH, D)),  # > 250: very high (time in ranges consensus)
    (600, (G.VERY_HIGH, D), (G.VERY_HIGH, D)),
]
GESTATIONAL_TABLE = [
    (53, (G.HYPO_LEVEL2, D), (G.HYPO_LEVEL2, D)),
    (69, (G.HYPO_LEVEL1, D), (G.HYPO_LEVEL1, D)),
    (70, (G.IN_TARGET, N), (G.IN_TARGET, N)),  # no lower target in pregnancy but hypoglycaemia
    (94, (G.IN_TARGET, N), (G.IN_TARGET, N)),
    (95, (G.ABOVE_TARGET, B), (G.IN_TARGET, N)),  # fasting < 95
    (139, (G.ABOVE_TARGET, B), (G.IN_TARGET, N)),
    (140, (G.ABOVE_TARGET, B), (G.ABOVE_TARGET, B)),  # 1 h after < 140
    (250, (G.ABOVE_TARGET, B), (G.ABOVE_TARGET, B)),
    (251, (G.VERY_HIGH, D), (G.VERY_HIGH, D)),
]


def _cases(table):
    return [
        (timing, mg_dl, *(before if timing.is_pre_meal else after))
        for mg_dl, before, after in table
        for timing in PRE_MEAL + AFTER
    ]


@pytest.mark.parametrize(("timing", "mg_dl", "category", "level"), _cases(ADA_TABLE))
def test_ada_targets(timing, mg_dl, category, level):
    result = classify_glucose(mg_dl, timing, ada_targets())
    assert (result.category, result.level) == (category, level)


@pytest.mark.parametrize(("timing", "mg_dl", "category", "level"), _cases(GESTATIONAL_TABLE))
def test_gestational_targets(timing, mg_dl, category, level):
    result = classify_glucose(mg_dl, timing, gestational_targets())
    assert (result.category, result.level) == (category, level)


def test_gestational_two_hour_target():
    targets = gestational_targets(after_meal_below=120)
    assert classify_glucose(119, "after_lunch", targets).category is G.IN_TARGET
    assert classify_glucose(120, "after_lunch", targets).category is G.ABOVE_TARGET


def test_hypoglycaemia_and_alerts_stay_with_targets():
    low = classify_glucose(65, "fasting", ada_targets())
    assert (low.hypo_level, low.alert_key) == (1, "clinical.glucose.hypo_alert")
    assert classify_glucose(53, "after_dinner", ada_targets()).hypo_level == 2
    assert classify_glucose(251, "fasting", ada_targets()).alert_key == (
        "clinical.glucose.very_high_alert"
    )
    assert classify_glucose(200, "fasting", ada_targets()).alert_key is None


def test_targets_of_ones_own():
    targets = ada_targets(pre_meal_low=90, pre_meal_high=150, after_meal_below=200)
    assert classify_glucose(89, "fasting", targets).category is G.BELOW_TARGET
    assert classify_glucose(90, "fasting", targets).category is G.IN_TARGET
    assert classify_glucose(150, "fasting", targets).category is G.IN_TARGET
    assert classify_glucose(151, "fasting", targets).category is G.ABOVE_TARGET
    assert classify_glucose(199, "after_breakfast", targets).category is G.IN_TARGET
    assert classify_glucose(200, "after_breakfast", targets).category is G.ABOVE_TARGET


@pytest.mark.parametrize(
    ("mg_dl", "category"),
    [(79.49, G.BELOW_TARGET), (79.5, G.IN_TARGET), (130.49, G.IN_TARGET), (130.5, G.ABOVE_TARGET)],
)
def test_readings_are_judged_by_the_whole_mg_dl_shown(mg_dl, category):
    assert classify_glucose(mg_dl, "before_dinner", ada_targets()).category is category


def test_mmol_l_readings_against_mmol_l_targets():
    # 7.2 mmol/L (129.7 -> 130 mg/dL) is the ADA 130 target; 7.3 (131.5 -> 132) is above it.
    targets = ada_targets(pre_meal_high=130)
    at_target = to_mg_dl(Decimal("7.2"), GlucoseUnit.MMOL_L)
    above = to_mg_dl(Decimal("7.3"), GlucoseUnit.MMOL_L)
    assert classify_glucose(at_target, "fasting", targets).category is G.IN_TARGET
    assert classify_glucose(above, "fasting", targets).category is G.ABOVE_TARGET


@pytest.mark.parametrize(
    ("low", "high", "after"),
    [
        (69, 130, 180),  # below hypoglycaemia level 1
        (80, 251, 180),  # above very high
        (80, 130, 251),
        (80, 130, 69),
        (130, 130, 180),  # low must be below high
        (140, 130, 180),
    ],
)
def test_targets_outside_their_range_are_refused(low, high, after):
    with pytest.raises(ValueError, match="target"):
        ada_targets(low, high, after)


def test_targets_must_be_whole_mg_dl():
    with pytest.raises(ValueError, match="whole mg/dL"):
        GlucoseTargets(80, 130.5, True, 180)  # type: ignore[arg-type]
    assert ada_targets(70, 250, 250).pre_meal_high == 250  # both ends allowed


# percent; target; category, level (has_diabetes=True)
HBA1C_TARGET_CASES = [
    (5.0, 7.0, H.TARGET_MET, N),
    (6.8, 7.0, H.TARGET_MET, N),  # the example: 6.8 % under a 7 % target
    (6.9, 7.0, H.TARGET_MET, N),
    (6.94, 7.0, H.TARGET_MET, N),
    (6.95, 7.0, H.TARGET_MISSED, B),  # rounds to 7.0: ADA writes the goal as < 7 %
    (7.0, 7.0, H.TARGET_MISSED, B),
    (9.5, 7.0, H.TARGET_MISSED, B),
    (7.9, 8.0, H.TARGET_MET, N),  # older or frail adults: often < 8 %
    (8.0, 8.0, H.TARGET_MISSED, B),
    (6.4, 6.5, H.TARGET_MET, N),
    (6.5, 6.5, H.TARGET_MISSED, B),
]


@pytest.mark.parametrize(("percent", "target", "category", "level"), HBA1C_TARGET_CASES)
def test_hba1c_against_a_target(percent, target, category, level):
    result = classify_hba1c(percent, target, has_diabetes=True)
    assert (result.category, result.level) == (category, level)
    assert result.above_target is (category is H.TARGET_MISSED)


def test_hba1c_without_diabetes_keeps_the_diagnostic_ranges():
    assert classify_hba1c(6.8, 7.0).category is H.DIABETES
    assert classify_hba1c(5.8, 7.0).category is H.PREDIABETES


def test_which_statuses_use_targets():
    assert [s.value for s in DiabetesStatus] == [
        "none", "prediabetes", "type1", "type2", "gestational"
    ]  # fmt: skip
    assert {s for s in DiabetesStatus if s.has_diabetes} == {
        DiabetesStatus.TYPE1, DiabetesStatus.TYPE2, DiabetesStatus.GESTATIONAL
    }  # fmt: skip


def test_targets_range_is_between_hypoglycaemia_and_very_high():
    # targets.py cannot import glucose.py (which imports it): the bounds are restated there.
    assert (TARGET_MIN_MG_DL, TARGET_MAX_MG_DL) == (HYPO_LEVEL1_BELOW, VERY_HIGH_ABOVE)
