"""Blood glucose (mg/dL) by the ADA criteria, or a person's targets, and the time-in-range
consensus.

Without diabetes (and with prediabetes) a reading is placed in the ADA diagnostic ranges; with
diabetes it is judged against the person's targets (targets.py: ADA Standards of Care, section 6
"Glycemic Goals and Hypoglycemia", and section 15 for gestational diabetes). Hypoglycaemia and
very high are dangers either way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from healthapp.domain.clinical.levels import Band, Level, above_all, band_of, below, up_to
from healthapp.domain.clinical.targets import GlucoseTargets
from healthapp.domain.labels import LabelledEnum
from healthapp.domain.units import round_mg_dl


class GlucoseTiming(LabelledEnum, prefix="clinical.glucose_timing"):
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


PRE_MEAL_TIMINGS: frozenset[GlucoseTiming] = frozenset(
    {
        GlucoseTiming.FASTING,
        GlucoseTiming.BEFORE_BREAKFAST,
        GlucoseTiming.BEFORE_LUNCH,
        GlucoseTiming.BEFORE_DINNER,
    }
)


class GlucoseCategory(LabelledEnum, prefix="clinical.glucose"):
    HYPO_LEVEL2 = "hypo_level2"
    HYPO_LEVEL1 = "hypo_level1"
    NORMAL = "normal"
    PREDIABETES_RANGE = "prediabetes_range"
    DIABETES_RANGE = "diabetes_range"
    # Against a person's targets (with diabetes), instead of the three diagnostic ranges.
    BELOW_TARGET = "below_target"
    IN_TARGET = "in_target"
    ABOVE_TARGET = "above_target"
    VERY_HIGH = "very_high"


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

_G = GlucoseCategory
# Whole mg/dL, lowest first (see levels.Band). Hypoglycaemia and very high apply at any timing;
# they override the diagnostic ranges because every range's bound lies between 70 and 250.
_HYPO_BANDS: tuple[Band[GlucoseCategory], ...] = (
    below(HYPO_LEVEL2_BELOW, _G.HYPO_LEVEL2, Level.DANGER),
    below(HYPO_LEVEL1_BELOW, _G.HYPO_LEVEL1, Level.DANGER),
)
_HIGH_BANDS: tuple[Band[GlucoseCategory], ...] = (
    up_to(VERY_HIGH_ABOVE, _G.DIABETES_RANGE, Level.DANGER),
    above_all(_G.VERY_HIGH, Level.DANGER),
)
_PRE_MEAL_BANDS: tuple[Band[GlucoseCategory], ...] = (
    *_HYPO_BANDS,
    below(FASTING_PREDIABETES_FROM, _G.NORMAL, Level.NORMAL),
    below(FASTING_DIABETES_FROM, _G.PREDIABETES_RANGE, Level.BORDERLINE),
    up_to(PRE_MEAL_TARGET_MAX, _G.DIABETES_RANGE, Level.BORDERLINE),  # still meets the target
    *_HIGH_BANDS,
)
# After a meal the diabetes range (>= 200) always misses the < 180 target
# (POST_MEAL_TARGET_BELOW), so it has no borderline row.
_POST_MEAL_BANDS: tuple[Band[GlucoseCategory], ...] = (
    *_HYPO_BANDS,
    below(POST_MEAL_PREDIABETES_FROM, _G.NORMAL, Level.NORMAL),
    below(POST_MEAL_DIABETES_FROM, _G.PREDIABETES_RANGE, Level.BORDERLINE),
    *_HIGH_BANDS,
)
# With diabetes: the person's targets between hypoglycaemia and very high. Above target is
# borderline (act on the pattern with the care team), not danger: danger stays with level 1/2
# hypoglycaemia and > 250 mg/dL, which need action now. Below target but not below 70 (e.g.
# 70-79 before a meal under ADA's 80-130) is borderline too.
_ABOVE_TARGET_BANDS: tuple[Band[GlucoseCategory], ...] = (
    up_to(VERY_HIGH_ABOVE, _G.ABOVE_TARGET, Level.BORDERLINE),
    above_all(_G.VERY_HIGH, Level.DANGER),
)


def _target_bands(targets: GlucoseTargets, pre_meal: bool) -> tuple[Band[GlucoseCategory], ...]:
    if not pre_meal:
        in_target = (below(targets.after_meal_below, _G.IN_TARGET, Level.NORMAL),)
    else:
        bound = up_to if targets.pre_meal_high_inclusive else below
        in_target = (
            *(
                (below(targets.pre_meal_low, _G.BELOW_TARGET, Level.BORDERLINE),)
                if targets.pre_meal_low is not None
                else ()
            ),
            bound(targets.pre_meal_high, _G.IN_TARGET, Level.NORMAL),
        )
    return (*_HYPO_BANDS, *in_target, *_ABOVE_TARGET_BANDS)


_HYPO_LEVELS: dict[GlucoseCategory, int] = {_G.HYPO_LEVEL1: 1, _G.HYPO_LEVEL2: 2}


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


def classify_glucose(
    mg_dl: float, timing: GlucoseTiming | str, targets: GlucoseTargets | None = None
) -> GlucoseResult:
    """Classify one blood-glucose reading in mg/dL taken at `timing`, against the diagnostic
    ranges (`targets` None: no diabetes, or prediabetes) or a person's `targets` (diabetes).

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

    With `targets` (a person with diabetes) the diagnostic ranges are not used. Categories and
    levels: hypoglycaemia level 2 / level 1 and very high (> 250) as above, danger; below target
    (70 up to the pre-meal lower target, before meals only), borderline; in target, normal;
    above target (up to 250), borderline. Before a meal the pre-meal targets apply (ADA 80-130,
    both in target; gestational < 95); after a meal, at bedtime and at other times the after-meal
    target (ADA < 180; gestational < 140 at 1 h), see GlucoseTargets.
    """
    timing = GlucoseTiming(timing)
    if isinstance(mg_dl, bool) or not math.isfinite(mg_dl):
        raise ValueError(f"glucose must be a finite number of mg/dL, got {mg_dl!r}")
    if mg_dl <= 0:
        raise ValueError(f"glucose must be positive, got {mg_dl!r}")
    if targets is not None:
        bands = _target_bands(targets, timing.is_pre_meal)
    else:
        bands = _PRE_MEAL_BANDS if timing.is_pre_meal else _POST_MEAL_BANDS
    band = band_of(bands, round_mg_dl(mg_dl))
    return GlucoseResult(band.category, band.level, hypo_level=_HYPO_LEVELS.get(band.category, 0))
