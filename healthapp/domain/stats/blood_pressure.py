"""Blood pressure statistics: means, and readings per category and level of a standard."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from healthapp.domain.clinical import BPCategory, BPStandard, Level, classify_bp
from healthapp.domain.stats.basics import half_up, mean_of

BP_CATEGORY_ORDER: dict[BPStandard, tuple[BPCategory, ...]] = {
    BPStandard.ACC_AHA: (
        BPCategory.NORMAL,
        BPCategory.ELEVATED,
        BPCategory.STAGE1,
        BPCategory.STAGE2,
        BPCategory.CRISIS,
    ),
    BPStandard.KSH: (
        BPCategory.NORMAL,
        BPCategory.ELEVATED,
        BPCategory.PREHYPERTENSION,
        BPCategory.GRADE1,
        BPCategory.GRADE2,
        BPCategory.ISOLATED_SYSTOLIC,
    ),
}


@dataclass(frozen=True)
class BPSums:
    count: int = 0
    systolic_total: float = 0.0
    diastolic_total: float = 0.0
    pulse_count: int = 0
    pulse_total: float = 0.0
    # (systolic, diastolic, number of readings) for each distinct pair: SQL groups by the pair,
    # so every category comes from clinical.classify_bp itself.
    pairs: tuple[tuple[int, int, int], ...] = ()


def bp_sums(readings: Iterable[tuple[int, int, int | None]]) -> BPSums:
    """The sums of (systolic, diastolic, pulse or None) readings."""
    rows = list(readings)
    pairs: dict[tuple[int, int], int] = {}
    for systolic, diastolic, _ in rows:
        pairs[systolic, diastolic] = pairs.get((systolic, diastolic), 0) + 1
    pulses = [p for _, _, p in rows if p is not None]
    return BPSums(
        count=len(rows),
        systolic_total=sum(r[0] for r in rows),
        diastolic_total=sum(r[1] for r in rows),
        pulse_count=len(pulses),
        pulse_total=sum(pulses),
        pairs=tuple((s, d, n) for (s, d), n in sorted(pairs.items())),
    )


@dataclass(frozen=True)
class BPStats:
    count: int
    systolic_mean: float | None
    diastolic_mean: float | None
    pulse_mean: float | None
    standard: str  # BPStandard value
    # Every category of the standard, mildest first, with its number of readings (0 included).
    categories: dict[str, int]
    levels: dict[str, int]  # normal / borderline / danger
    crisis_count: int  # > 180 systolic or > 120 diastolic
    mean_category: str  # category of the rounded mean reading; "" without readings


def bp_stats(sums: BPSums, standard: BPStandard | str) -> BPStats:
    standard = BPStandard(standard)
    categories = {category.value: 0 for category in BP_CATEGORY_ORDER[standard]}
    levels = {level.value: 0 for level in Level}
    crisis = 0
    for systolic, diastolic, n in sums.pairs:
        result = classify_bp(int(systolic), int(diastolic), standard)
        categories[result.category.value] += n
        levels[result.level.value] += n
        crisis += n if result.crisis else 0
    systolic_mean = mean_of(sums.systolic_total, sums.count)
    diastolic_mean = mean_of(sums.diastolic_total, sums.count)
    mean_category = ""
    if systolic_mean is not None and diastolic_mean is not None:
        mean_category = classify_bp(
            half_up(systolic_mean), half_up(diastolic_mean), standard
        ).category.value
    return BPStats(
        count=sums.count,
        systolic_mean=systolic_mean,
        diastolic_mean=diastolic_mean,
        pulse_mean=mean_of(sums.pulse_total, sums.pulse_count),
        standard=standard.value,
        categories=categories,
        levels=levels,
        crisis_count=crisis,
        mean_category=mean_category,
    )
