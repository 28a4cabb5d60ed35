"""HbA1c (NGSP %) by the ADA criteria and a treatment target."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from healthapp.domain.clinical.levels import Band, Level, above_all, band_of, below
from healthapp.domain.labels import LabelledEnum


class HbA1cCategory(LabelledEnum, prefix="clinical.hba1c"):
    NORMAL = "normal"
    PREDIABETES = "prediabetes"
    DIABETES = "diabetes"
    # Against the person's target (with diabetes), instead of the diagnostic ranges.
    TARGET_MET = "target_met"
    TARGET_MISSED = "target_missed"


# ADA diagnostic criteria: normal < 5.7, prediabetes 5.7-6.4, diabetes >= 6.5 %.
HBA1C_PREDIABETES_FROM = Decimal("5.7")
HBA1C_DIABETES_FROM = Decimal("6.5")
# ADA glycaemic target for most adults with diabetes: HbA1c < 7 % (Standards of Care, section 6
# "Glycemic Goals and Hypoglycemia"; often < 8 % for older or frail adults). A person's own
# target may differ.
HBA1C_DEFAULT_TARGET = 7.0
_HBA1C_QUANTUM = Decimal("0.1")

HBA1C_ABOVE_TARGET_KEY = "clinical.hba1c.above_target"  # param {target}

# Lowest first (see levels.Band); classify_hba1c adds the rows of the person's own target.
_DIAGNOSTIC_BANDS: tuple[Band[HbA1cCategory], ...] = (
    below(HBA1C_PREDIABETES_FROM, HbA1cCategory.NORMAL, Level.NORMAL),
    below(HBA1C_DIABETES_FROM, HbA1cCategory.PREDIABETES, Level.BORDERLINE),
)


@dataclass(frozen=True, slots=True)
class HbA1cResult:
    category: HbA1cCategory
    level: Level
    above_target: bool  # the goal "HbA1c < target" is not met

    @property
    def label_key(self) -> str:
        return self.category.label_key


def classify_hba1c(
    percent: float, target: float = HBA1C_DEFAULT_TARGET, *, has_diabetes: bool = False
) -> HbA1cResult:
    """Classify an HbA1c result (NGSP %) against the ADA criteria and a treatment target.

    The value is rounded to one decimal (half up), the precision labs report and the app shows,
    so 6.45 counts as 6.5.
    Categories: normal < 5.7, prediabetes 5.7-6.4, diabetes >= 6.5 (ADA).
    `above_target` is True when the goal "HbA1c < target" is not met: ADA writes the goal as
    < 7 %, so with the default target 7.0 % itself is above target and 6.9 % is not.
    Levels: normal -> normal; prediabetes -> borderline; diabetes range -> borderline while the
    target is met (a person with diabetes at goal), danger once it is not.

    With `has_diabetes` the diagnostic ranges are not used (they diagnose; this person already
    has the diagnosis): below the target is "target met" (normal), the target or above is
    "target missed" (borderline: a goal to work on with the care team, not an emergency).
    """
    if isinstance(percent, bool) or not math.isfinite(percent) or percent <= 0:
        raise ValueError(f"HbA1c must be a positive finite percentage, got {percent!r}")
    if isinstance(target, bool) or not math.isfinite(target) or target <= 0:
        raise ValueError(f"the HbA1c target must be a positive finite percentage, got {target!r}")
    value = Decimal(repr(float(percent))).quantize(_HBA1C_QUANTUM, rounding=ROUND_HALF_UP)
    goal = Decimal(repr(float(target)))
    bands: tuple[Band[HbA1cCategory], ...] = (
        (
            below(goal, HbA1cCategory.TARGET_MET, Level.NORMAL),
            above_all(HbA1cCategory.TARGET_MISSED, Level.BORDERLINE),
        )
        if has_diabetes
        else (
            *_DIAGNOSTIC_BANDS,
            below(goal, HbA1cCategory.DIABETES, Level.BORDERLINE),
            above_all(HbA1cCategory.DIABETES, Level.DANGER),
        )
    )
    band = band_of(bands, value)
    return HbA1cResult(category=band.category, level=band.level, above_target=value >= goal)
