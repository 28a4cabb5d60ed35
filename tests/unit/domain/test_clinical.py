"""Boundary tests for healthapp.domain.clinical: every threshold, on both sides."""

from __future__ import annotations

import string

import pytest

from healthapp.domain import clinical
from healthapp.domain.clinical import (
    ALL_LABEL_KEYS,
    BP_LEVELS,
    BPCategory,
    BPStandard,
    GlucoseCategory,
    GlucoseTiming,
    HbA1cCategory,
    Level,
    classify_bp,
    classify_glucose,
    classify_hba1c,
)
from healthapp.domain.units import GlucoseUnit, to_mg_dl
from healthapp.i18n.en import MESSAGES as EN_CATALOGUE
from healthapp.i18n.ko import MESSAGES as KO_CATALOGUE

N, B, D = Level.NORMAL, Level.BORDERLINE, Level.DANGER

# --------------------------------------------------------------------------------------------
# Levels
# --------------------------------------------------------------------------------------------


def test_level_values_and_order():
    assert [level.value for level in Level] == ["normal", "borderline", "danger"]
    assert [level.severity for level in Level] == [0, 1, 2]


# --------------------------------------------------------------------------------------------
# Blood pressure
# --------------------------------------------------------------------------------------------

C = BPCategory

# systolic, diastolic; (category, level) by ACC/AHA; (category, level) by KSH; crisis, which is
# the same in both.
BP_TABLE = [
    # systolic thresholds, diastolic kept normal
    (119, 79, (C.NORMAL, N), (C.NORMAL, N), False),
    (120, 79, (C.ELEVATED, B), (C.ELEVATED, B), False),
    (129, 79, (C.ELEVATED, B), (C.ELEVATED, B), False),
    (130, 79, (C.STAGE1, B), (C.PREHYPERTENSION, B), False),
    (139, 79, (C.STAGE1, B), (C.PREHYPERTENSION, B), False),
    (140, 79, (C.STAGE2, D), (C.ISOLATED_SYSTOLIC, D), False),
    (159, 79, (C.STAGE2, D), (C.ISOLATED_SYSTOLIC, D), False),
    (160, 79, (C.STAGE2, D), (C.ISOLATED_SYSTOLIC, D), False),
    (180, 79, (C.STAGE2, D), (C.ISOLATED_SYSTOLIC, D), False),
    (181, 79, (C.CRISIS, D), (C.ISOLATED_SYSTOLIC, D), True),
    # diastolic thresholds, systolic kept normal
    (119, 80, (C.STAGE1, B), (C.PREHYPERTENSION, B), False),
    (119, 89, (C.STAGE1, B), (C.PREHYPERTENSION, B), False),
    (119, 90, (C.STAGE2, D), (C.GRADE1, D), False),
    (119, 99, (C.STAGE2, D), (C.GRADE1, D), False),
    (119, 100, (C.STAGE2, D), (C.GRADE2, D), False),
    (119, 120, (C.STAGE2, D), (C.GRADE2, D), False),
    (119, 121, (C.CRISIS, D), (C.GRADE2, D), True),
    # KSH isolated systolic hypertension: >= 140 and < 90 (ACC/AHA has no such category)
    (139, 89, (C.STAGE1, B), (C.PREHYPERTENSION, B), False),
    (140, 89, (C.STAGE2, D), (C.ISOLATED_SYSTOLIC, D), False),
    (140, 90, (C.STAGE2, D), (C.GRADE1, D), False),
    (145, 70, (C.STAGE2, D), (C.ISOLATED_SYSTOLIC, D), False),
    (165, 85, (C.STAGE2, D), (C.ISOLATED_SYSTOLIC, D), False),
    (181, 89, (C.CRISIS, D), (C.ISOLATED_SYSTOLIC, D), True),
    # both values raised: the higher applies
    (125, 80, (C.STAGE1, B), (C.PREHYPERTENSION, B), False),  # ACC/AHA elevated needs d < 80
    (125, 85, (C.STAGE1, B), (C.PREHYPERTENSION, B), False),
    (135, 95, (C.STAGE2, D), (C.GRADE1, D), False),
    (150, 95, (C.STAGE2, D), (C.GRADE1, D), False),
    (159, 99, (C.STAGE2, D), (C.GRADE1, D), False),
    (160, 99, (C.STAGE2, D), (C.GRADE2, D), False),
    (159, 100, (C.STAGE2, D), (C.GRADE2, D), False),
    (181, 90, (C.CRISIS, D), (C.GRADE2, D), True),
    (150, 125, (C.CRISIS, D), (C.GRADE2, D), True),
    (170, 125, (C.CRISIS, D), (C.GRADE2, D), True),
    (185, 85, (C.CRISIS, D), (C.ISOLATED_SYSTOLIC, D), True),
    (200, 130, (C.CRISIS, D), (C.GRADE2, D), True),
    (90, 60, (C.NORMAL, N), (C.NORMAL, N), False),
]
BP_CASES = [
    (standard, systolic, diastolic, *expected, crisis)
    for systolic, diastolic, acc_aha, ksh, crisis in BP_TABLE
    for standard, expected in [(BPStandard.ACC_AHA, acc_aha), (BPStandard.KSH, ksh)]
]


@pytest.mark.parametrize(
    ("standard", "systolic", "diastolic", "category", "level", "crisis"), BP_CASES
)
def test_classify_bp(standard, systolic, diastolic, category, level, crisis):
    result = classify_bp(systolic, diastolic, standard)
    assert (result.category, result.level, result.crisis) == (category, level, crisis)


# Each standard's table read row by row, worst first: the first row that holds gives the
# category, NORMAL when none does.
BP_TABLES = {
    BPStandard.ACC_AHA: [
        (lambda s, d: s > 180 or d > 120, C.CRISIS),
        (lambda s, d: s >= 140 or d >= 90, C.STAGE2),
        (lambda s, d: s >= 130 or d >= 80, C.STAGE1),
        (lambda s, d: s >= 120, C.ELEVATED),
    ],
    BPStandard.KSH: [
        (lambda s, d: s >= 140 and d < 90, C.ISOLATED_SYSTOLIC),
        (lambda s, d: s >= 160 or d >= 100, C.GRADE2),
        (lambda s, d: s >= 140 or d >= 90, C.GRADE1),
        (lambda s, d: s >= 130 or d >= 80, C.PREHYPERTENSION),
        (lambda s, d: s >= 120, C.ELEVATED),
    ],
}


def _oracle(standard: BPStandard, s: int, d: int) -> BPCategory:
    return next((category for holds, category in BP_TABLES[standard] if holds(s, d)), C.NORMAL)


GRID = [(s, d) for s in range(60, 261) for d in range(30, 161)]


def test_classify_bp_matches_the_tables_on_a_full_grid():
    for s, d in GRID:
        acc = classify_bp(s, d, "acc_aha")
        ksh = classify_bp(s, d, "ksh")
        assert acc.category is _oracle(BPStandard.ACC_AHA, s, d), (s, d)
        assert ksh.category is _oracle(BPStandard.KSH, s, d), (s, d)
        assert acc.crisis is ksh.crisis is (s > 180 or d > 120), (s, d)


def test_bp_levels_agree_between_standards():
    # The level mapping folds both standards onto the same three levels for every reading.
    for s, d in GRID:
        assert classify_bp(s, d, "acc_aha").level is classify_bp(s, d, "ksh").level, (s, d)


@pytest.mark.parametrize("standard", list(BPStandard))
def test_bp_level_never_drops_when_a_value_rises(standard):
    for s, d in GRID:
        here = classify_bp(s, d, standard).level.severity
        if s < 260:
            assert classify_bp(s + 1, d, standard).level.severity >= here, (s, d)
        if d < 160:
            assert classify_bp(s, d + 1, standard).level.severity >= here, (s, d)


def test_bp_level_mapping_is_documented_for_every_category():
    assert set(BP_LEVELS) == set(BPCategory)
    assert {c for c, level in BP_LEVELS.items() if level is N} == {C.NORMAL}
    assert {c for c, level in BP_LEVELS.items() if level is B} == {
        C.ELEVATED,
        C.STAGE1,
        C.PREHYPERTENSION,
    }
    assert {c for c, level in BP_LEVELS.items() if level is D} == {
        C.STAGE2,
        C.CRISIS,
        C.GRADE1,
        C.GRADE2,
        C.ISOLATED_SYSTOLIC,
    }


def test_ksh_grade_cutoffs_are_module_constants():
    assert clinical.KSH_GRADE2_SYSTOLIC_FROM == 160
    assert clinical.KSH_GRADE2_DIASTOLIC_FROM == 100


@pytest.mark.parametrize("standard", ["acc_aha", "ksh", BPStandard.ACC_AHA, BPStandard.KSH])
def test_classify_bp_accepts_enum_or_string(standard):
    assert classify_bp(135, 85, standard).level is B


def test_classify_bp_rejects_an_unknown_standard():
    with pytest.raises(ValueError, match="esh"):
        classify_bp(120, 80, "esh")


@pytest.mark.parametrize(("systolic", "diastolic"), [(0, 80), (120, 0), (-120, 80), (120, -1)])
def test_classify_bp_rejects_non_positive_values(systolic, diastolic):
    with pytest.raises(ValueError, match="positive"):
        classify_bp(systolic, diastolic, "acc_aha")


@pytest.mark.parametrize(("systolic", "diastolic"), [(120.5, 80), (120, 80.0), (True, 80)])
def test_classify_bp_requires_ints(systolic, diastolic):
    with pytest.raises(TypeError):
        classify_bp(systolic, diastolic, "acc_aha")


@pytest.mark.parametrize(
    ("systolic", "diastolic", "alert"),
    [
        (180, 120, None),
        (181, 80, "clinical.bp.crisis_alert"),
        (120, 121, "clinical.bp.crisis_alert"),
    ],
)
@pytest.mark.parametrize("standard", list(BPStandard))
def test_bp_alert_key(systolic, diastolic, alert, standard):
    assert classify_bp(systolic, diastolic, standard).alert_key == alert


def test_bp_result_label_key():
    assert classify_bp(135, 70, "acc_aha").label_key == "clinical.bp.stage1"
    assert classify_bp(135, 70, "ksh").label_key == "clinical.bp.prehypertension"
    assert classify_bp(150, 70, "ksh").label_key == "clinical.bp.isolated_systolic"


# --------------------------------------------------------------------------------------------
# Blood glucose
# --------------------------------------------------------------------------------------------

G = GlucoseCategory
PRE_MEAL = [
    GlucoseTiming.FASTING,
    GlucoseTiming.BEFORE_BREAKFAST,
    GlucoseTiming.BEFORE_LUNCH,
    GlucoseTiming.BEFORE_DINNER,
]
POST_MEAL = [
    GlucoseTiming.AFTER_BREAKFAST,
    GlucoseTiming.AFTER_LUNCH,
    GlucoseTiming.AFTER_DINNER,
    GlucoseTiming.BEDTIME,  # random-glucose thresholds, documented in classify_glucose
    GlucoseTiming.OTHER,
]

# mg/dL; (category, level) at a pre-meal timing; (category, level) after a meal, at bedtime or
# at any other time; the hypoglycaemia level, which does not depend on the timing.
GLUCOSE_TABLE = [
    (1, (G.HYPO_LEVEL2, D), (G.HYPO_LEVEL2, D), 2),
    (53, (G.HYPO_LEVEL2, D), (G.HYPO_LEVEL2, D), 2),
    (54, (G.HYPO_LEVEL1, D), (G.HYPO_LEVEL1, D), 1),
    (69, (G.HYPO_LEVEL1, D), (G.HYPO_LEVEL1, D), 1),
    (70, (G.NORMAL, N), (G.NORMAL, N), 0),
    (79, (G.NORMAL, N), (G.NORMAL, N), 0),
    (80, (G.NORMAL, N), (G.NORMAL, N), 0),
    (99, (G.NORMAL, N), (G.NORMAL, N), 0),
    (100, (G.PREDIABETES_RANGE, B), (G.NORMAL, N), 0),
    (125, (G.PREDIABETES_RANGE, B), (G.NORMAL, N), 0),
    (126, (G.DIABETES_RANGE, B), (G.NORMAL, N), 0),  # still within the ADA pre-meal target 80-130
    (130, (G.DIABETES_RANGE, B), (G.NORMAL, N), 0),
    (131, (G.DIABETES_RANGE, D), (G.NORMAL, N), 0),
    (139, (G.DIABETES_RANGE, D), (G.NORMAL, N), 0),
    (140, (G.DIABETES_RANGE, D), (G.PREDIABETES_RANGE, B), 0),
    (179, (G.DIABETES_RANGE, D), (G.PREDIABETES_RANGE, B), 0),
    (180, (G.DIABETES_RANGE, D), (G.PREDIABETES_RANGE, B), 0),
    (199, (G.DIABETES_RANGE, D), (G.PREDIABETES_RANGE, B), 0),
    (200, (G.DIABETES_RANGE, D), (G.DIABETES_RANGE, D), 0),
    (249, (G.DIABETES_RANGE, D), (G.DIABETES_RANGE, D), 0),
    (250, (G.DIABETES_RANGE, D), (G.DIABETES_RANGE, D), 0),
    (251, (G.VERY_HIGH, D), (G.VERY_HIGH, D), 0),
    (600, (G.VERY_HIGH, D), (G.VERY_HIGH, D), 0),
]
GLUCOSE_CASES = [
    (timing, mg_dl, *(before if timing in PRE_MEAL else after), hypo)
    for mg_dl, before, after, hypo in GLUCOSE_TABLE
    for timing in PRE_MEAL + POST_MEAL
]


@pytest.mark.parametrize(("timing", "mg_dl", "category", "level", "hypo"), GLUCOSE_CASES)
def test_classify_glucose(mg_dl, category, level, hypo, timing):
    for value in (mg_dl, float(mg_dl)):
        result = classify_glucose(value, timing)
        assert (result.category, result.level, result.hypo_level) == (category, level, hypo)


def test_every_timing_is_pre_or_post_meal():
    assert set(PRE_MEAL) | set(POST_MEAL) == set(GlucoseTiming)
    assert not set(PRE_MEAL) & set(POST_MEAL)
    assert all(t.is_pre_meal for t in PRE_MEAL)
    assert not any(t.is_pre_meal for t in POST_MEAL)


@pytest.mark.parametrize(
    ("mg_dl", "timing", "category"),
    [
        # classification uses the whole mg/dL shown (half up)
        (53.4, "fasting", G.HYPO_LEVEL2),
        (53.5, "fasting", G.HYPO_LEVEL1),
        (69.49, "fasting", G.HYPO_LEVEL1),
        (69.5, "fasting", G.NORMAL),
        (99.49, "fasting", G.NORMAL),
        (99.5, "fasting", G.PREDIABETES_RANGE),
        (125.49, "fasting", G.PREDIABETES_RANGE),
        (125.5, "fasting", G.DIABETES_RANGE),
        (139.49, "after_lunch", G.NORMAL),
        (139.5, "after_lunch", G.PREDIABETES_RANGE),
        (199.49, "after_lunch", G.PREDIABETES_RANGE),
        (199.5, "after_lunch", G.DIABETES_RANGE),
        (250.49, "other", G.DIABETES_RANGE),
        (250.5, "other", G.VERY_HIGH),
    ],
)
def test_classify_glucose_rounds_to_whole_mg_dl(mg_dl, timing, category):
    assert classify_glucose(mg_dl, timing).category is category


@pytest.mark.parametrize(
    ("mmol_l", "timing", "category"),
    [
        # the conventional mmol/L cut-offs land on the same side as their mg/dL twins
        ("2.9", "fasting", G.HYPO_LEVEL2),
        ("3.0", "fasting", G.HYPO_LEVEL1),  # level 2 is < 3.0 mmol/L
        ("3.8", "fasting", G.HYPO_LEVEL1),
        ("3.9", "fasting", G.NORMAL),  # level 1 is < 3.9 mmol/L
        ("5.5", "fasting", G.NORMAL),
        ("5.6", "fasting", G.PREDIABETES_RANGE),
        ("6.9", "fasting", G.PREDIABETES_RANGE),
        ("7.0", "fasting", G.DIABETES_RANGE),
        ("7.7", "after_dinner", G.NORMAL),
        ("7.8", "after_dinner", G.PREDIABETES_RANGE),
        ("11.0", "after_dinner", G.PREDIABETES_RANGE),
        ("11.1", "after_dinner", G.DIABETES_RANGE),  # 199.98 mg/dL, shown and judged as 200
        ("13.9", "after_dinner", G.DIABETES_RANGE),  # very high is > 13.9 mmol/L
        ("14.0", "after_dinner", G.VERY_HIGH),
    ],
)
def test_classify_glucose_entered_in_mmol_l(mmol_l, timing, category):
    from decimal import Decimal

    assert classify_glucose(to_mg_dl(Decimal(mmol_l), GlucoseUnit.MMOL_L), timing).category is (
        category
    )


_CATEGORY_ORDER = list(GlucoseCategory)  # declared from lowest to highest glucose


@pytest.mark.parametrize("timing", list(GlucoseTiming))
def test_glucose_category_never_drops_as_glucose_rises(timing):
    previous = 0
    for tenth in range(10, 10_001):
        result = classify_glucose(tenth / 10, timing)
        rank = _CATEGORY_ORDER.index(result.category)
        assert rank >= previous, tenth / 10
        previous = rank
        assert result.hypo_level == {G.HYPO_LEVEL2: 2, G.HYPO_LEVEL1: 1}.get(result.category, 0)
        if result.hypo_level or result.category is G.VERY_HIGH:
            assert result.level is D


def test_glucose_timing_accepts_strings():
    assert classify_glucose(110, "before_lunch").category is G.PREDIABETES_RANGE
    assert classify_glucose(110, "after_lunch").category is G.NORMAL


def test_glucose_rejects_an_unknown_timing():
    with pytest.raises(ValueError, match="brunch"):
        classify_glucose(100, "brunch")


@pytest.mark.parametrize("mg_dl", [0, -5, 0.0, float("nan"), float("inf"), float("-inf"), True])
def test_glucose_rejects_impossible_values(mg_dl):
    with pytest.raises(ValueError, match="glucose must be"):
        classify_glucose(mg_dl, "fasting")


@pytest.mark.parametrize(
    ("mg_dl", "alert"),
    [
        (53, "clinical.glucose.hypo_alert"),
        (69, "clinical.glucose.hypo_alert"),
        (70, None),
        (250, None),
        (251, "clinical.glucose.very_high_alert"),
    ],
)
@pytest.mark.parametrize("timing", list(GlucoseTiming))
def test_glucose_alert_key(mg_dl, alert, timing):
    assert classify_glucose(mg_dl, timing).alert_key == alert


def test_glucose_result_label_key():
    assert classify_glucose(60, "fasting").label_key == "clinical.glucose.hypo_level1"
    assert classify_glucose(110, "fasting").label_key == "clinical.glucose.prediabetes_range"


# --------------------------------------------------------------------------------------------
# HbA1c
# --------------------------------------------------------------------------------------------

H = HbA1cCategory


# percent; the target (None: the default, the ADA's 7 %); category, level, above the target.
HBA1C_CASES = [
    (4.0, None, H.NORMAL, N, False),
    (5.6, None, H.NORMAL, N, False),
    (5.7, None, H.PREDIABETES, B, False),
    (6.4, None, H.PREDIABETES, B, False),
    (6.5, None, H.DIABETES, B, False),
    (6.9, None, H.DIABETES, B, False),
    (7.0, None, H.DIABETES, D, True),  # ADA goal is < 7 %: 7.0 does not meet it
    (7.1, None, H.DIABETES, D, True),
    (12.0, None, H.DIABETES, D, True),
    # rounded to one decimal, half up, as labs report and the app shows
    (5.64, None, H.NORMAL, N, False),
    (5.65, None, H.PREDIABETES, B, False),
    (6.44, None, H.PREDIABETES, B, False),
    (6.45, None, H.DIABETES, B, False),
    (6.94, None, H.DIABETES, B, False),
    (6.95, None, H.DIABETES, D, True),
    # a target of its own
    (7.9, 8.0, H.DIABETES, B, False),
    (8.0, 8.0, H.DIABETES, D, True),
    (7.5, 8, H.DIABETES, B, False),
    (6.4, 6.5, H.PREDIABETES, B, False),
    (6.5, 6.5, H.DIABETES, D, True),
    (5.9, 6.0, H.PREDIABETES, B, False),
    (6.2, 6.0, H.PREDIABETES, B, True),  # above a strict target, but not diabetes range
    (5.5, 5.0, H.NORMAL, N, True),
    (6.9, 7, H.DIABETES, B, False),
    (7.0, 7, H.DIABETES, D, True),
]


@pytest.mark.parametrize(("percent", "target", "category", "level", "above_target"), HBA1C_CASES)
def test_classify_hba1c(percent, target, category, level, above_target):
    result = classify_hba1c(percent) if target is None else classify_hba1c(percent, target)
    assert (result.category, result.level, result.above_target) == (category, level, above_target)


@pytest.mark.parametrize("percent", [0, -1.0, float("nan"), float("inf"), True])
def test_hba1c_rejects_impossible_values(percent):
    with pytest.raises(ValueError, match="HbA1c must be"):
        classify_hba1c(percent)


@pytest.mark.parametrize("target", [0, -7.0, float("nan"), float("inf")])
def test_hba1c_rejects_impossible_targets(target):
    with pytest.raises(ValueError, match="target must be"):
        classify_hba1c(7.0, target)


def test_hba1c_result_label_key():
    assert classify_hba1c(6.0).label_key == "clinical.hba1c.prediabetes"


# --------------------------------------------------------------------------------------------
# Catalogue keys
# --------------------------------------------------------------------------------------------


def _result_label_keys() -> set[str]:
    keys: set[str] = set()
    for standard in BPStandard:
        for s, d in GRID[::7]:
            result = classify_bp(s, d, standard)
            keys |= {result.label_key, result.level.label_key, standard.label_key}
            keys |= {result.alert_key} - {None}
    for timing in GlucoseTiming:
        keys.add(timing.label_key)
        for targets in (None, clinical.ada_targets(), clinical.gestational_targets()):
            for mg in range(1, 700):
                result = classify_glucose(mg, timing, targets)
                keys |= {result.label_key, result.level.label_key} | ({result.alert_key} - {None})
    for tenth in range(30, 200):
        for has_diabetes in (False, True):
            result = classify_hba1c(tenth / 10, has_diabetes=has_diabetes)
            keys |= {result.label_key, result.level.label_key}
    keys |= {status.label_key for status in clinical.DiabetesStatus}
    return keys


def test_all_label_keys_lists_every_key_handed_out():
    assert len(ALL_LABEL_KEYS) == len(set(ALL_LABEL_KEYS))
    assert all(key.startswith("clinical.") for key in ALL_LABEL_KEYS)
    handed_out = _result_label_keys()
    assert handed_out <= set(ALL_LABEL_KEYS)
    # every category of every enum is reachable, except what no reading can give
    assert set(ALL_LABEL_KEYS) - handed_out == {clinical.HBA1C_ABOVE_TARGET_KEY}


def _catalogues() -> dict[str, dict[str, str]]:
    en, ko = dict(EN_CATALOGUE), dict(KO_CATALOGUE)
    return {"en": en, "ko": ko}


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_label_key_has_english_and_korean_text():
    catalogues = _catalogues()
    for key in ALL_LABEL_KEYS:
        assert catalogues["en"].get(key), key
        assert catalogues["ko"].get(key), key
        assert _placeholders(catalogues["en"][key]) == _placeholders(catalogues["ko"][key]), key
    assert _placeholders(catalogues["en"][clinical.HBA1C_ABOVE_TARGET_KEY]) == {"target"}
