"""Blood pressure (mmHg) by the 2017 ACC/AHA and the 2018 KSH guidelines (CLINICAL.md)."""

from __future__ import annotations

from dataclasses import dataclass

from healthapp.domain.clinical.levels import Level
from healthapp.domain.labels import LabelledEnum


class BPStandard(LabelledEnum, prefix="clinical.bp_standard"):
    ACC_AHA = "acc_aha"  # 2017 ACC/AHA guideline (Whelton et al., Hypertension 2018)
    KSH = "ksh"  # Korean Society of Hypertension 2018 guideline (categories kept in 2022)


class BPCategory(LabelledEnum, prefix="clinical.bp"):
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

# (category, systolic from, diastolic from), most severe first. A reading takes the first row that
# its systolic or its diastolic value reaches: that is "when systolic and diastolic fall in
# different categories, the higher applies". Below every row a reading is normal. There is no
# diastolic "elevated" (None): 120-129 systolic counts only with a diastolic < 80. The ACC/AHA
# crisis is not a row because its bounds are strict ("> 180"); classify_bp checks it first.
_BPBand = tuple[BPCategory, int, int | None]
_ACC_AHA_BANDS: tuple[_BPBand, ...] = (
    (BPCategory.STAGE2, BP_STAGE2_SYSTOLIC_FROM, BP_STAGE2_DIASTOLIC_FROM),
    (BPCategory.STAGE1, BP_STAGE1_SYSTOLIC_FROM, BP_STAGE1_DIASTOLIC_FROM),
    (BPCategory.ELEVATED, BP_ELEVATED_SYSTOLIC_FROM, None),
)
_KSH_BANDS: tuple[_BPBand, ...] = (
    (BPCategory.GRADE2, KSH_GRADE2_SYSTOLIC_FROM, KSH_GRADE2_DIASTOLIC_FROM),
    (BPCategory.GRADE1, BP_STAGE2_SYSTOLIC_FROM, BP_STAGE2_DIASTOLIC_FROM),
    (BPCategory.PREHYPERTENSION, BP_STAGE1_SYSTOLIC_FROM, BP_STAGE1_DIASTOLIC_FROM),
    (BPCategory.ELEVATED, BP_ELEVATED_SYSTOLIC_FROM, None),
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


def _band_of(bands: tuple[_BPBand, ...], systolic: int, diastolic: int) -> BPCategory:
    for category, systolic_from, diastolic_from in bands:
        if systolic >= systolic_from:
            return category
        if diastolic_from is not None and diastolic >= diastolic_from:
            return category
    return BPCategory.NORMAL


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
        category = BPCategory.CRISIS if crisis else _band_of(_ACC_AHA_BANDS, systolic, diastolic)
    elif systolic >= BP_STAGE2_SYSTOLIC_FROM and diastolic < BP_STAGE2_DIASTOLIC_FROM:
        category = BPCategory.ISOLATED_SYSTOLIC
    else:
        category = _band_of(_KSH_BANDS, systolic, diastolic)
    return BPResult(category=category, level=BP_LEVELS[category], crisis=crisis)
