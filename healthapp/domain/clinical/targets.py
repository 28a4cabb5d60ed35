"""A person's diabetes status and glycaemic targets: what their readings are judged against.

Sources (shared/CLINICAL.md, "Judging readings for people who have diabetes"):
- American Diabetes Association, Standards of Care in Diabetes (2025 and 2026), section 6
  "Glycemic Goals and Hypoglycemia": for most nonpregnant adults with diabetes, before meals
  80-130 mg/dL and 1-2 h after the start of a meal < 180 mg/dL; HbA1c < 7 % (individualised).
- Same Standards, section 15 "Management of Diabetes in Pregnancy" (gestational diabetes):
  fasting < 95 mg/dL and either 1 h after a meal < 140 mg/dL or 2 h after < 120 mg/dL.
- Hypoglycaemia level 1 < 70 and level 2 < 54 mg/dL (section 6), and > 250 mg/dL "very high"
  (international consensus on time in ranges, Battelino et al., Diabetes Care 2019): dangers
  whatever the targets; they live in glucose.py.

Each default is a starting point; the person's own targets (set with their care team in
Settings) replace them. Targets are whole mg/dL, like the readings they are compared with
(glucose.classify_glucose rounds each reading to whole mg/dL).
"""

from __future__ import annotations

from dataclasses import dataclass

from healthapp.domain.labels import LabelledEnum

# Every target lies between the hypoglycaemia and very-high thresholds (glucose.py), so the
# threshold table of classify_glucose stays ordered whatever the person sets.
TARGET_MIN_MG_DL = 70  # = HYPO_LEVEL1_BELOW
TARGET_MAX_MG_DL = 250  # = VERY_HIGH_ABOVE

# ADA, section 6, most nonpregnant adults: before meals 80-130 (both in target), after < 180.
ADA_PRE_MEAL_LOW = 80
ADA_PRE_MEAL_HIGH = 130
ADA_AFTER_MEAL_BELOW = 180
# ADA, section 15, gestational diabetes: fasting < 95; 1 h after < 140, or 2 h after < 120.
# A reading's timing says "after a meal", not how long after, so one after-meal target is used:
# the 1-h value by default; a person who checks at 2 h sets 120 (the Settings help says so).
GDM_FASTING_BELOW = 95
GDM_ONE_HOUR_BELOW = 140
GDM_TWO_HOURS_BELOW = 120


class DiabetesStatus(LabelledEnum, prefix="clinical.diabetes_status"):
    """The profile setting that decides between diagnostic ranges and personal targets."""

    NONE = "none"
    PREDIABETES = "prediabetes"
    TYPE1 = "type1"
    TYPE2 = "type2"
    GESTATIONAL = "gestational"

    @property
    def has_diabetes(self) -> bool:
        """Readings are judged against targets (True) or the diagnostic ranges (False: none and
        prediabetes, which the diagnostic ranges describe)."""
        return self in {DiabetesStatus.TYPE1, DiabetesStatus.TYPE2, DiabetesStatus.GESTATIONAL}


@dataclass(frozen=True, slots=True)
class GlucoseTargets:
    """Whole mg/dL bounds of "in target".

    Before a meal (fasting, before breakfast/lunch/dinner) a reading is in target from
    `pre_meal_low` (None: no lower target, only hypoglycaemia is below) up to `pre_meal_high`,
    which is itself in target when `pre_meal_high_inclusive` (ADA "80-130") and not when it is
    not (gestational "< 95"). After a meal, at bedtime and at other times a reading is in target
    below `after_meal_below` (ADA "< 180"): no target exists for bedtime, and a bedtime reading
    is usually 2-4 h after dinner.
    """

    pre_meal_low: int | None
    pre_meal_high: int
    pre_meal_high_inclusive: bool
    after_meal_below: int

    def __post_init__(self) -> None:
        bounds = [self.pre_meal_high, self.after_meal_below]
        if self.pre_meal_low is not None:
            bounds.append(self.pre_meal_low)
            if self.pre_meal_low >= self.pre_meal_high:
                raise ValueError("the lowest pre-meal target must be below the highest")
        for bound in bounds:
            if isinstance(bound, bool) or not isinstance(bound, int):
                raise ValueError(f"a glucose target must be whole mg/dL, got {bound!r}")
            if not TARGET_MIN_MG_DL <= bound <= TARGET_MAX_MG_DL:
                raise ValueError(
                    f"a glucose target must lie in {TARGET_MIN_MG_DL}-{TARGET_MAX_MG_DL} mg/dL, "
                    f"got {bound}"
                )


def ada_targets(
    pre_meal_low: int = ADA_PRE_MEAL_LOW,
    pre_meal_high: int = ADA_PRE_MEAL_HIGH,
    after_meal_below: int = ADA_AFTER_MEAL_BELOW,
) -> GlucoseTargets:
    """Targets for type 1 and type 2 diabetes (ADA section 6 by default)."""
    return GlucoseTargets(pre_meal_low, pre_meal_high, True, after_meal_below)


def gestational_targets(
    fasting_below: int = GDM_FASTING_BELOW, after_meal_below: int = GDM_ONE_HOUR_BELOW
) -> GlucoseTargets:
    """Targets for gestational diabetes (ADA section 15 by default): fasting and before meals
    below `fasting_below`, after meals below `after_meal_below`."""
    return GlucoseTargets(None, fasting_below, False, after_meal_below)
