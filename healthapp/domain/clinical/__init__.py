"""Classification of blood pressure, blood glucose and HbA1c readings by published standards.

Pure functions, no Reflex and no database. Every threshold is a module constant taken from
shared/CLINICAL.md, with its source next to it. Each result has a detailed `category`, shown with
its catalogue label (`label_key`), and one of the seed's three `Level`s used for colours, summaries
and reports: 정상 normal, 경계 borderline, 위험 danger. The threshold chains are ordered tables
(`levels.Band`) read top down.
"""

from __future__ import annotations

from healthapp.domain.clinical.blood_pressure import (
    BP_CRISIS_ALERT_KEY,
    BP_CRISIS_DIASTOLIC_ABOVE,
    BP_CRISIS_SYSTOLIC_ABOVE,
    BP_ELEVATED_SYSTOLIC_FROM,
    BP_LEVELS,
    BP_STAGE1_DIASTOLIC_FROM,
    BP_STAGE1_SYSTOLIC_FROM,
    BP_STAGE2_DIASTOLIC_FROM,
    BP_STAGE2_SYSTOLIC_FROM,
    KSH_GRADE2_DIASTOLIC_FROM,
    KSH_GRADE2_SYSTOLIC_FROM,
    BPCategory,
    BPResult,
    BPStandard,
    classify_bp,
)
from healthapp.domain.clinical.glucose import (
    FASTING_DIABETES_FROM,
    FASTING_PREDIABETES_FROM,
    HYPO_ALERT_KEY,
    HYPO_LEVEL1_BELOW,
    HYPO_LEVEL2_BELOW,
    POST_MEAL_DIABETES_FROM,
    POST_MEAL_PREDIABETES_FROM,
    POST_MEAL_TARGET_BELOW,
    PRE_MEAL_TARGET_MAX,
    PRE_MEAL_TIMINGS,
    VERY_HIGH_ABOVE,
    VERY_HIGH_ALERT_KEY,
    GlucoseCategory,
    GlucoseResult,
    GlucoseTiming,
    classify_glucose,
)
from healthapp.domain.clinical.hba1c import (
    HBA1C_ABOVE_TARGET_KEY,
    HBA1C_DEFAULT_TARGET,
    HBA1C_DIABETES_FROM,
    HBA1C_PREDIABETES_FROM,
    HbA1cCategory,
    HbA1cResult,
    classify_hba1c,
)
from healthapp.domain.clinical.levels import Level

# Every catalogue key this package hands out; both catalogues must have each one.
ALL_LABEL_KEYS: tuple[str, ...] = (
    *(level.label_key for level in Level),
    *(standard.label_key for standard in BPStandard),
    *(category.label_key for category in BPCategory),
    BP_CRISIS_ALERT_KEY,
    *(timing.label_key for timing in GlucoseTiming),
    *(category.label_key for category in GlucoseCategory),
    HYPO_ALERT_KEY,
    VERY_HIGH_ALERT_KEY,
    *(category.label_key for category in HbA1cCategory),
    HBA1C_ABOVE_TARGET_KEY,
)

__all__ = [
    "ALL_LABEL_KEYS",
    "BP_CRISIS_ALERT_KEY",
    "BP_CRISIS_DIASTOLIC_ABOVE",
    "BP_CRISIS_SYSTOLIC_ABOVE",
    "BP_ELEVATED_SYSTOLIC_FROM",
    "BP_LEVELS",
    "BP_STAGE1_DIASTOLIC_FROM",
    "BP_STAGE1_SYSTOLIC_FROM",
    "BP_STAGE2_DIASTOLIC_FROM",
    "BP_STAGE2_SYSTOLIC_FROM",
    "FASTING_DIABETES_FROM",
    "FASTING_PREDIABETES_FROM",
    "HBA1C_ABOVE_TARGET_KEY",
    "HBA1C_DEFAULT_TARGET",
    "HBA1C_DIABETES_FROM",
    "HBA1C_PREDIABETES_FROM",
    "HYPO_ALERT_KEY",
    "HYPO_LEVEL1_BELOW",
    "HYPO_LEVEL2_BELOW",
    "KSH_GRADE2_DIASTOLIC_FROM",
    "KSH_GRADE2_SYSTOLIC_FROM",
    "POST_MEAL_DIABETES_FROM",
    "POST_MEAL_PREDIABETES_FROM",
    "POST_MEAL_TARGET_BELOW",
    "PRE_MEAL_TARGET_MAX",
    "PRE_MEAL_TIMINGS",
    "VERY_HIGH_ABOVE",
    "VERY_HIGH_ALERT_KEY",
    "BPCategory",
    "BPResult",
    "BPStandard",
    "GlucoseCategory",
    "GlucoseResult",
    "GlucoseTiming",
    "HbA1cCategory",
    "HbA1cResult",
    "Level",
    "classify_bp",
    "classify_glucose",
    "classify_hba1c",
]
