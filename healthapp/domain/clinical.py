"""Classification of blood pressure, blood glucose and HbA1c readings by published standards.

Pure functions, no Reflex and no database. Every threshold is a module constant taken from
shared/CLINICAL.md, with its source next to it. Each result has a detailed `category`, shown with
its catalogue label (`label_key`), and one of the seed's three `Level`s used for colours, summaries
and reports: 정상 normal, 경계 borderline, 위험 danger.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from healthapp.domain.units import round_mg_dl


class Level(StrEnum):
    """The seed's three levels, mildest first."""

    NORMAL = "normal"
    BORDERLINE = "borderline"
    DANGER = "danger"

    @property
    def severity(self) -> int:
        """0, 1 or 2: compare or take the max of levels with this."""
        return _LEVEL_ORDER.index(self)

    @property
    def label_key(self) -> str:
        return f"clinical.level.{self.value}"


_LEVEL_ORDER: tuple[Level, ...] = (Level.NORMAL, Level.BORDERLINE, Level.DANGER)


def worst_level(*levels: Level) -> Level:
    """The most severe of `levels` (NORMAL when there are none)."""
    return max(levels, key=lambda level: level.severity, default=Level.NORMAL)


# ---------------------------------------------------------------------------------------------
# Blood pressure (mmHg)
# ---------------------------------------------------------------------------------------------


class BPStandard(StrEnum):
    ACC_AHA = "acc_aha"  # 2017 ACC/AHA guideline (Whelton et al., Hypertension 2018)
    KSH = "ksh"  # Korean Society of Hypertension 2018 guideline (categories kept in 2022)

    @property
    def label_key(self) -> str:
        return f"clinical.bp_standard.{self.value}"


class BPCategory(StrEnum):
    """Categories of both standards; each standard uses its own subset."""

    NORMAL = "normal"  # both
    ELEVATED = "elevated"  # both
    STAGE1 = "stage1"  # ACC/AHA stage 1 hypertension
    STAGE2 = "stage2"  # ACC/AHA stage 2 hypertension
    CRISIS = "crisis"  # ACC/AHA hypertensive crisis
    PREHYPERTENSION = "prehypertension"  # KSH
    GRADE1 = "grade1"  # KSH hypertension grade 1
    GRADE2 = "grade2"  # KSH hypertension grade 2
    ISOLATED_SYSTOLIC = "isolated_systolic"  # KSH isolated systolic hypertension

    @property
    def label_key(self) -> str:
        return f"clinical.bp.{self.value}"


# Shared by both standards (CLINICAL.md): normal < 120 and < 80; elevated 120-129 and < 80;
# stage 1 / prehypertension 130-139 or 80-89; stage 2 / hypertension >= 140 or >= 90.
BP_ELEVATED_SYSTOLIC_FROM = 120
BP_STAGE1_SYSTOLIC_FROM = 130
BP_STAGE2_SYSTOLIC_FROM = 140
BP_STAGE1_DIASTOLIC_FROM = 80
BP_STAGE2_DIASTOLIC_FROM = 90
# Hypertensive crisis, ACC/AHA: > 180 and/or > 120, i.e. either one is enough. The same numbers
# raise the `crisis` flag under KSH too, where the category stays a hypertension grade.
BP_CRISIS_SYSTOLIC_ABOVE = 180
BP_CRISIS_DIASTOLIC_ABOVE = 120
# KSH hypertension grade 2 (>= 160 or >= 100; grade 1 is 140-159 or 90-99). NOT CONFIRMED from the
# guideline text (CLINICAL.md): configurable defaults, and the UI's help text must say so.
KSH_GRADE2_SYSTOLIC_FROM = 160
KSH_GRADE2_DIASTOLIC_FROM = 100

# Mildest first; "when systolic and diastolic fall in different categories, the higher applies".
_ACC_AHA_ORDER: tuple[BPCategory, ...] = (
    BPCategory.NORMAL,
    BPCategory.ELEVATED,
    BPCategory.STAGE1,
    BPCategory.STAGE2,
    BPCategory.CRISIS,
)
_KSH_ORDER: tuple[BPCategory, ...] = (
    BPCategory.NORMAL,
    BPCategory.ELEVATED,
    BPCategory.PREHYPERTENSION,
    BPCategory.GRADE1,
    BPCategory.GRADE2,
)

# Folding into the seed's levels: below the hypertension threshold but above normal is borderline
# (elevated, ACC/AHA stage 1, KSH prehypertension); hypertension by the 140/90 threshold both
# standards share, and crisis, is danger. ACC/AHA stage 1 (130-139/80-89) is borderline, not
# danger, so that one reading means the same level under either standard: KSH calls that very
# range prehypertension.
BP_LEVELS: dict[BPCategory, Level] = {
    BPCategory.NORMAL: Level.NORMAL,
    BPCategory.ELEVATED: Level.BORDERLINE,
    BPCategory.STAGE1: Level.BORDERLINE,
    BPCategory.PREHYPERTENSION: Level.BORDERLINE,
    BPCategory.STAGE2: Level.DANGER,
    BPCategory.CRISIS: Level.DANGER,
    BPCategory.GRADE1: Level.DANGER,
    BPCategory.GRADE2: Level.DANGER,
    BPCategory.ISOLATED_SYSTOLIC: Level.DANGER,
}

BP_CRISIS_ALERT_KEY = "clinical.bp.crisis_alert"


@dataclass(frozen=True, slots=True)
class BPResult:
    category: BPCategory
    level: Level
    crisis: bool  # > 180 systolic or > 120 diastolic, under either standard

    @property
    def label_key(self) -> str:
        return self.category.label_key

    @property
    def alert_key(self) -> str | None:
        """A message to show prominently with this reading, if any."""
        return BP_CRISIS_ALERT_KEY if self.crisis else None


def _acc_aha_systolic(systolic: int) -> BPCategory:
    if systolic > BP_CRISIS_SYSTOLIC_ABOVE:
        return BPCategory.CRISIS
    if systolic >= BP_STAGE2_SYSTOLIC_FROM:
        return BPCategory.STAGE2
    if systolic >= BP_STAGE1_SYSTOLIC_FROM:
        return BPCategory.STAGE1
    if systolic >= BP_ELEVATED_SYSTOLIC_FROM:
        return BPCategory.ELEVATED
    return BPCategory.NORMAL


def _acc_aha_diastolic(diastolic: int) -> BPCategory:
    # There is no diastolic "elevated": 120-129 systolic counts only with a diastolic < 80.
    if diastolic > BP_CRISIS_DIASTOLIC_ABOVE:
        return BPCategory.CRISIS
    if diastolic >= BP_STAGE2_DIASTOLIC_FROM:
        return BPCategory.STAGE2
    if diastolic >= BP_STAGE1_DIASTOLIC_FROM:
        return BPCategory.STAGE1
    return BPCategory.NORMAL


def _ksh_systolic(systolic: int) -> BPCategory:
    if systolic >= KSH_GRADE2_SYSTOLIC_FROM:
        return BPCategory.GRADE2
    if systolic >= BP_STAGE2_SYSTOLIC_FROM:
        return BPCategory.GRADE1
    if systolic >= BP_STAGE1_SYSTOLIC_FROM:
        return BPCategory.PREHYPERTENSION
    if systolic >= BP_ELEVATED_SYSTOLIC_FROM:
        return BPCategory.ELEVATED
    return BPCategory.NORMAL


def _ksh_diastolic(diastolic: int) -> BPCategory:
    if diastolic >= KSH_GRADE2_DIASTOLIC_FROM:
        return BPCategory.GRADE2
    if diastolic >= BP_STAGE2_DIASTOLIC_FROM:
        return BPCategory.GRADE1
    if diastolic >= BP_STAGE1_DIASTOLIC_FROM:
        return BPCategory.PREHYPERTENSION
    return BPCategory.NORMAL


def _higher(order: tuple[BPCategory, ...], a: BPCategory, b: BPCategory) -> BPCategory:
    return max(a, b, key=order.index)


def classify_bp(systolic: int, diastolic: int, standard: BPStandard | str) -> BPResult:
    """Classify one reading in mmHg by `standard` ("acc_aha" or "ksh").

    ACC/AHA 2017: normal < 120 and < 80; elevated 120-129 and < 80; stage 1 130-139 or 80-89;
    stage 2 >= 140 or >= 90; crisis > 180 and/or > 120.
    KSH 2018: normal and elevated as above; prehypertension 130-139 or 80-89; hypertension grade 1
    140-159 or 90-99, grade 2 >= 160 or >= 100 (grade cut-offs not confirmed); isolated systolic
    hypertension >= 140 and < 90, which takes precedence over the grade because it is the more
    specific diagnosis (the grade can still be read from the systolic value). `crisis` is flagged
    by the ACC/AHA crisis numbers under both standards.
    When systolic and diastolic fall in different categories the higher one applies.
    Levels: see BP_LEVELS.
    """
    standard = BPStandard(standard)
    for name, value in (("systolic", systolic), ("diastolic", diastolic)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int (mmHg)")
        if value <= 0:
            raise ValueError(f"{name} must be positive, got {value}")
    crisis = systolic > BP_CRISIS_SYSTOLIC_ABOVE or diastolic > BP_CRISIS_DIASTOLIC_ABOVE
    if standard is BPStandard.ACC_AHA:
        category = _higher(
            _ACC_AHA_ORDER, _acc_aha_systolic(systolic), _acc_aha_diastolic(diastolic)
        )
    elif systolic >= BP_STAGE2_SYSTOLIC_FROM and diastolic < BP_STAGE2_DIASTOLIC_FROM:
        category = BPCategory.ISOLATED_SYSTOLIC
    else:
        category = _higher(_KSH_ORDER, _ksh_systolic(systolic), _ksh_diastolic(diastolic))
    return BPResult(category=category, level=BP_LEVELS[category], crisis=crisis)


# ---------------------------------------------------------------------------------------------
# Blood glucose (mg/dL)
# ---------------------------------------------------------------------------------------------


class GlucoseTiming(StrEnum):
    """When a reading was taken (after Open mHealth's temporal-relationship-to-meal)."""

    FASTING = "fasting"
    BEFORE_BREAKFAST = "before_breakfast"
    AFTER_BREAKFAST = "after_breakfast"
    BEFORE_LUNCH = "before_lunch"
    AFTER_LUNCH = "after_lunch"
    BEFORE_DINNER = "before_dinner"
    AFTER_DINNER = "after_dinner"
    BEDTIME = "bedtime"
    OTHER = "other"

    @property
    def is_pre_meal(self) -> bool:
        """Judged by the fasting thresholds (fasting and before any meal)."""
        return self in PRE_MEAL_TIMINGS

    @property
    def label_key(self) -> str:
        return f"clinical.glucose_timing.{self.value}"


PRE_MEAL_TIMINGS: frozenset[GlucoseTiming] = frozenset(
    {
        GlucoseTiming.FASTING,
        GlucoseTiming.BEFORE_BREAKFAST,
        GlucoseTiming.BEFORE_LUNCH,
        GlucoseTiming.BEFORE_DINNER,
    }
)


class GlucoseCategory(StrEnum):
    HYPO_LEVEL2 = "hypo_level2"
    HYPO_LEVEL1 = "hypo_level1"
    NORMAL = "normal"
    PREDIABETES_RANGE = "prediabetes_range"
    DIABETES_RANGE = "diabetes_range"
    VERY_HIGH = "very_high"

    @property
    def label_key(self) -> str:
        return f"clinical.glucose.{self.value}"


# Hypoglycaemia (ADA): level 1 < 70, level 2 < 54 mg/dL; level 3 is clinical (needs assistance),
# with no number, so it is never derived from a reading.
HYPO_LEVEL1_BELOW = 70
HYPO_LEVEL2_BELOW = 54
# ADA diagnostic criteria, fasting: normal < 100, prediabetes 100-125, diabetes >= 126.
FASTING_PREDIABETES_FROM = 100
FASTING_DIABETES_FROM = 126
# ADA diagnostic criteria, 2 h after a glucose load / meal: < 140, 140-199, >= 200.
POST_MEAL_PREDIABETES_FROM = 140
POST_MEAL_DIABETES_FROM = 200
# ADA glycaemic targets for most adults with diabetes: before meals 80-130 mg/dL; peak after meals
# < 180 mg/dL.
PRE_MEAL_TARGET_MAX = 130
POST_MEAL_TARGET_BELOW = 180
# Time-in-range consensus (Battelino et al., Diabetes Care 2019): > 250 mg/dL is the very-high band
# (to be under 5 % of readings). Strictly above 250, as the consensus writes it: 250 itself, and
# 13.9 mmol/L (250.4 -> shown as 250 mg/dL), are not very high; 251 mg/dL and 14.0 mmol/L are.
VERY_HIGH_ABOVE = 250

HYPO_ALERT_KEY = "clinical.glucose.hypo_alert"
VERY_HIGH_ALERT_KEY = "clinical.glucose.very_high_alert"


@dataclass(frozen=True, slots=True)
class GlucoseResult:
    category: GlucoseCategory
    level: Level
    hypo_level: int  # 0 (none), 1 (< 70 mg/dL) or 2 (< 54 mg/dL)

    @property
    def label_key(self) -> str:
        return self.category.label_key

    @property
    def alert_key(self) -> str | None:
        """A message to show prominently with this reading, if any."""
        if self.hypo_level:
            return HYPO_ALERT_KEY
        if self.category is GlucoseCategory.VERY_HIGH:
            return VERY_HIGH_ALERT_KEY
        return None


def classify_glucose(mg_dl: float, timing: GlucoseTiming | str) -> GlucoseResult:
    """Classify one blood-glucose reading in mg/dL taken at `timing`.

    The reading is first rounded to whole mg/dL (half up, `units.round_mg_dl`), the precision of
    meters and of the ADA tables and what the app displays. So the shown number and its level always
    agree, and the conventional mmol/L cut-offs land on the right side: 3.0 -> 54, 3.9 -> 70,
    5.6 -> 101, 7.0 -> 126, 7.8 -> 141, 11.1 -> 200, 13.9 -> 250 mg/dL (11.1 x 18.016 = 199.98
    would otherwise miss the >= 200 criterion).

    Categories, by the ADA diagnostic criteria (CLINICAL.md):
    - fasting and before a meal: normal < 100, prediabetes range 100-125, diabetes range >= 126.
      ADA's fasting criterion needs 8 h without food; before lunch or dinner is not strictly
      fasting, but it is the closest criterion and matches the ADA pre-meal target below.
    - after a meal: normal < 140, prediabetes range 140-199, diabetes range >= 200 (the 2-h
      criterion; a reading taken sooner after a meal is judged the same way).
    - bedtime and other: no ADA criterion exists for these, so the after-meal (random glucose)
      thresholds apply: ADA's random-glucose criterion is also >= 200, and a bedtime reading is
      usually 2-4 h after dinner. The stricter fasting thresholds would flag normal evenings.
    - any timing: hypoglycaemia level 2 < 54 and level 1 < 70 (ADA), and very high > 250 (time in
      range consensus) override the above.

    Levels: the range names are diagnostic, but the app's users mostly already have diabetes, so a
    diabetes-range reading that still meets the ADA treatment target is not called danger.
    - danger: hypoglycaemia level 1 or 2 (both need action now, whatever the timing); very high;
      diabetes range above the ADA target for people with diabetes (before meals > 130; after
      meals, bedtime and other >= 180, which every reading >= 200 is).
    - borderline: prediabetes range; diabetes range that still meets the ADA pre-meal target
      (126-130 before a meal).
    - normal: normal range, 70 and up. Values 70-79 before a meal are below ADA's 80-130 pre-meal
      target but are not hypoglycaemia; they stay normal.
    """
    timing = GlucoseTiming(timing)
    if isinstance(mg_dl, bool) or not math.isfinite(mg_dl):
        raise ValueError(f"glucose must be a finite number of mg/dL, got {mg_dl!r}")
    if mg_dl <= 0:
        raise ValueError(f"glucose must be positive, got {mg_dl!r}")
    value = round_mg_dl(mg_dl)

    if value < HYPO_LEVEL2_BELOW:
        return GlucoseResult(GlucoseCategory.HYPO_LEVEL2, Level.DANGER, hypo_level=2)
    if value < HYPO_LEVEL1_BELOW:
        return GlucoseResult(GlucoseCategory.HYPO_LEVEL1, Level.DANGER, hypo_level=1)
    if value > VERY_HIGH_ABOVE:
        return GlucoseResult(GlucoseCategory.VERY_HIGH, Level.DANGER, hypo_level=0)

    if timing.is_pre_meal:
        prediabetes_from, diabetes_from = FASTING_PREDIABETES_FROM, FASTING_DIABETES_FROM
        meets_target = value <= PRE_MEAL_TARGET_MAX
    else:
        prediabetes_from, diabetes_from = POST_MEAL_PREDIABETES_FROM, POST_MEAL_DIABETES_FROM
        meets_target = value < POST_MEAL_TARGET_BELOW

    if value < prediabetes_from:
        return GlucoseResult(GlucoseCategory.NORMAL, Level.NORMAL, hypo_level=0)
    if value < diabetes_from:
        return GlucoseResult(GlucoseCategory.PREDIABETES_RANGE, Level.BORDERLINE, hypo_level=0)
    level = Level.BORDERLINE if meets_target else Level.DANGER
    return GlucoseResult(GlucoseCategory.DIABETES_RANGE, level, hypo_level=0)


# ---------------------------------------------------------------------------------------------
# HbA1c (%)
# ---------------------------------------------------------------------------------------------


class HbA1cCategory(StrEnum):
    NORMAL = "normal"
    PREDIABETES = "prediabetes"
    DIABETES = "diabetes"

    @property
    def label_key(self) -> str:
        return f"clinical.hba1c.{self.value}"


# ADA diagnostic criteria: normal < 5.7, prediabetes 5.7-6.4, diabetes >= 6.5 %.
HBA1C_PREDIABETES_FROM = Decimal("5.7")
HBA1C_DIABETES_FROM = Decimal("6.5")
# ADA glycaemic target for most adults with diabetes: HbA1c < 7 %. A person's own target may differ.
HBA1C_DEFAULT_TARGET = 7.0
_HBA1C_QUANTUM = Decimal("0.1")

HBA1C_ABOVE_TARGET_KEY = "clinical.hba1c.above_target"  # param {target}


@dataclass(frozen=True, slots=True)
class HbA1cResult:
    category: HbA1cCategory
    level: Level
    above_target: bool  # the goal "HbA1c < target" is not met

    @property
    def label_key(self) -> str:
        return self.category.label_key


def classify_hba1c(percent: float, target: float = HBA1C_DEFAULT_TARGET) -> HbA1cResult:
    """Classify an HbA1c result (NGSP %) against the ADA criteria and a treatment target.

    The value is rounded to one decimal (half up), the precision labs report and the app shows,
    so 6.45 counts as 6.5.
    Categories: normal < 5.7, prediabetes 5.7-6.4, diabetes >= 6.5 (ADA).
    `above_target` is True when the goal "HbA1c < target" is not met: ADA writes the goal as
    < 7 %, so with the default target 7.0 % itself is above target and 6.9 % is not.
    Levels: normal -> normal; prediabetes -> borderline; diabetes range -> borderline while the
    target is met (a person with diabetes at goal), danger once it is not.
    """
    if isinstance(percent, bool) or not math.isfinite(percent) or percent <= 0:
        raise ValueError(f"HbA1c must be a positive finite percentage, got {percent!r}")
    if isinstance(target, bool) or not math.isfinite(target) or target <= 0:
        raise ValueError(f"the HbA1c target must be a positive finite percentage, got {target!r}")
    value = Decimal(repr(float(percent))).quantize(_HBA1C_QUANTUM, rounding=ROUND_HALF_UP)
    goal = Decimal(repr(float(target)))
    above_target = value >= goal
    if value < HBA1C_PREDIABETES_FROM:
        category, level = HbA1cCategory.NORMAL, Level.NORMAL
    elif value < HBA1C_DIABETES_FROM:
        category, level = HbA1cCategory.PREDIABETES, Level.BORDERLINE
    else:
        category = HbA1cCategory.DIABETES
        level = Level.DANGER if above_target else Level.BORDERLINE
    return HbA1cResult(category=category, level=level, above_target=above_target)


# Every catalogue key this module hands out; both catalogues must have each one.
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
