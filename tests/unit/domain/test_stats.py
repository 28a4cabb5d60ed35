"""Statistics against hand-computed fixtures."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from healthapp.domain import stats
from healthapp.domain.clinical import GlucoseCategory, classify_glucose
from healthapp.domain.stats import ExerciseGroup, GlucoseReading, GlucoseSums, Goals, NutrientTotals

NY = ZoneInfo("America/New_York")
SEOUL = ZoneInfo("Asia/Seoul")
T0 = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def readings(*values: float, timing: str = "other", step: timedelta = timedelta(hours=1)) -> list:
    return [GlucoseReading(T0 + i * step, v, timing) for i, v in enumerate(values)]


def glucose(*values: float, **kwargs: object) -> stats.GlucoseStats:
    return stats.glucose_stats(stats.glucose_sums(readings(*values, **kwargs), UTC))


def test_no_readings() -> None:
    result = stats.glucose_stats(GlucoseSums())
    assert result.count == 0
    assert result.mean_mg_dl is None
    assert result.sd_mg_dl is None
    assert result.cv_pct is None
    assert result.in_range_pct is None
    assert result.below_54_pct is None
    assert result.in_range_count == 0
    assert result.span_days == 0
    assert (result.gmi_pct, result.gmi_reason) == (None, "too_few_readings")
    assert result.pre_meal_mean_mg_dl is None
    assert result.post_meal_mean_mg_dl is None
    assert stats.glucose_sums([], UTC) == GlucoseSums()


def test_one_reading() -> None:
    result = glucose(100)
    assert (result.count, result.mean_mg_dl, result.min_mg_dl, result.max_mg_dl) == (
        1,
        100,
        100,
        100,
    )
    assert result.sd_mg_dl is None
    assert result.cv_pct is None
    assert result.in_range_pct == 100
    assert result.below_70_pct == 0
    assert result.span_days == 1
    assert result.gmi_pct is None


def test_mean_sd_cv_by_hand() -> None:
    # 100, 150, 200: mean 150; deviations -50, 0, 50; 5000 / (3 - 1) = 2500; SD 50; CV 33.3 %.
    result = glucose(100, 150, 200)
    assert result.mean_mg_dl == 150
    assert result.sd_mg_dl == pytest.approx(50)
    assert result.cv_pct == pytest.approx(100 / 3)
    # 90, 110: mean 100, SD sqrt(200) = 14.142
    assert glucose(90, 110).sd_mg_dl == pytest.approx(14.1421356, abs=1e-6)


def test_identical_readings_have_zero_sd_not_rounding_noise() -> None:
    result = glucose(*[99.088] * 7)
    assert result.sd_mg_dl == 0.0
    assert result.cv_pct == 0.0


def test_bands_follow_the_shown_whole_mg_dl() -> None:
    values = [53.4, 53.5, 69.4, 69.5, 180.4, 180.5, 250.4, 250.5, 120, 300]
    result = glucose(*values)
    assert result.below_54_count == 1  # 53.4 (53.5 is shown as 54)
    assert result.below_70_count == 3  # 53.4, 53.5, 69.4
    assert result.above_180_count == 4  # 180.5, 250.4, 250.5, 300
    assert result.above_250_count == 2  # 250.5, 300
    assert result.in_range_count == 3  # 69.5, 180.4, 120
    assert result.in_range_pct == 30
    assert result.below_70_pct == 30
    assert result.below_54_pct == 10
    assert result.above_180_pct == 40
    assert result.above_250_pct == 20
    # The same reading is never "below 54" here while the classifier calls it something else.
    for value in values:
        category = classify_glucose(value, "other").category
        sums = stats.glucose_sums(readings(value), UTC)
        assert (sums.below_54 == 1) == (category is GlucoseCategory.HYPO_LEVEL2)
        assert (sums.below_70 == 1) == (
            category in {GlucoseCategory.HYPO_LEVEL1, GlucoseCategory.HYPO_LEVEL2}
        )
        assert (sums.above_250 == 1) == (category is GlucoseCategory.VERY_HIGH)


def test_gmi_needs_14_readings_over_7_local_days() -> None:
    every_11h = timedelta(hours=11)
    enough = glucose(*[154] * 14, step=every_11h)  # Nov 2 12:00 ... Nov 8 11:00 (143 h)
    assert enough.span_days == 7
    assert enough.gmi_reason == ""
    assert enough.gmi_pct == pytest.approx(3.31 + 0.02392 * 154)  # 6.99368
    assert enough.gmi_pct == pytest.approx(6.99368)
    too_few = glucose(*[154] * 13, step=every_11h)
    assert (too_few.gmi_pct, too_few.gmi_reason) == (None, "too_few_readings")
    too_short = glucose(*[154] * 14, step=timedelta(hours=10))  # Nov 2 12:00 ... Nov 7 22:00
    assert too_short.span_days == 6
    assert (too_short.gmi_pct, too_short.gmi_reason) == (None, "too_short_span")
    assert stats.gmi_percent(100) == pytest.approx(5.702)


def test_span_is_counted_in_local_days() -> None:
    first = datetime(2026, 11, 1, 3, 30, tzinfo=UTC)  # New York: Oct 31 23:30 EDT
    last = datetime(2026, 11, 7, 5, 30, tzinfo=UTC)  # New York: Nov 7 00:30 EST
    rows = [GlucoseReading(first, 100), GlucoseReading(last, 100)]
    assert stats.glucose_sums(rows, NY).first_day == date(2026, 10, 31)
    assert stats.glucose_stats(stats.glucose_sums(rows, NY)).span_days == 8
    assert stats.glucose_stats(stats.glucose_sums(rows, UTC)).span_days == 7
    assert stats.glucose_stats(stats.glucose_sums(rows, SEOUL)).span_days == 7


def test_pre_and_post_meal_averages() -> None:
    rows = [
        GlucoseReading(T0, 100, "fasting"),
        GlucoseReading(T0, 120, "before_lunch"),
        GlucoseReading(T0, 180, "after_dinner"),
        GlucoseReading(T0, 160, "after_breakfast"),
        GlucoseReading(T0, 140, "bedtime"),  # neither
        GlucoseReading(T0, 90, "other"),  # neither
    ]
    result = stats.glucose_stats(stats.glucose_sums(rows, UTC))
    assert (result.pre_meal_count, result.pre_meal_mean_mg_dl) == (2, 110)
    assert (result.post_meal_count, result.post_meal_mean_mg_dl) == (2, 170)
    assert result.mean_mg_dl == pytest.approx(790 / 6)


def test_eag_from_hba1c() -> None:
    assert stats.eag_mg_dl(7.0) == pytest.approx(154.2)  # 28.7 x 7 - 46.7
    assert stats.eag_mg_dl(6.0) == pytest.approx(125.5)
    assert stats.eag_mg_dl(5.7) == pytest.approx(116.89)


def test_bp_stats_under_both_standards() -> None:
    rows = [
        (118, 76, 60),
        (125, 78, None),
        (135, 85, 70),
        (142, 92, None),
        (185, 100, 80),
        (150, 85, None),
    ]
    sums = stats.bp_sums(rows)
    acc = stats.bp_stats(sums, "acc_aha")
    assert acc.count == 6
    assert acc.systolic_mean == pytest.approx(142.5)  # 855 / 6
    assert acc.diastolic_mean == pytest.approx(86)  # 516 / 6
    assert acc.pulse_mean == pytest.approx(70)
    assert acc.categories == {"normal": 1, "elevated": 1, "stage1": 1, "stage2": 2, "crisis": 1}
    assert acc.levels == {"normal": 1, "borderline": 2, "danger": 3}
    assert acc.crisis_count == 1
    assert acc.mean_category == "stage2"  # 143/86
    ksh = stats.bp_stats(sums, "ksh")
    assert ksh.categories == {
        "normal": 1,
        "elevated": 1,
        "prehypertension": 1,
        "grade1": 1,
        "grade2": 1,
        "isolated_systolic": 1,
    }
    empty = stats.bp_stats(stats.bp_sums([]), "ksh")
    assert empty.count == 0
    assert empty.systolic_mean is None
    assert empty.mean_category == ""
    assert sum(empty.categories.values()) == 0


def test_exercise_minutes_energy_and_who_goal() -> None:
    groups = [
        ExerciseGroup("walking", "moderate", 1, 30, 140.0, 1),  # 3.5 MET: moderate
        ExerciseGroup("running", "light", 2, 20, 0.0, 0),  # 6.0 MET: vigorous, no weight
        ExerciseGroup("walking", "light", 1, 40, 130.7, 1),  # 2.8 MET: light, not counted
    ]
    result = stats.exercise_stats(groups)
    assert (result.sessions, result.minutes) == (4, 90)
    assert result.energy_kcal == pytest.approx(270.7)
    assert result.energy_unknown_sessions == 2
    assert (result.light_minutes, result.moderate_minutes, result.vigorous_minutes) == (40, 30, 20)
    assert result.who_minutes == 70  # 30 + 2 x 20
    progress = stats.who_progress(result)
    assert (progress.percent, progress.met, progress.goal_minutes) == (46, False, 150)
    assert stats.who_progress(stats.ExerciseStats(who_minutes=150)).met
    assert stats.who_progress(stats.ExerciseStats(who_minutes=200)).percent == 133
    assert stats.exercise_stats([]) == stats.ExerciseStats()


def test_nutrition_split_and_goals() -> None:
    totals = NutrientTotals(kcal=1500, carb_g=50, protein_g=25, fat_g=20)
    split = stats.macro_split(totals)
    assert split is not None
    # 200 + 100 + 180 = 480 kcal from macros
    assert split.carb_pct == pytest.approx(41.6667, abs=1e-4)
    assert split.protein_pct == pytest.approx(20.8333, abs=1e-4)
    assert split.fat_pct == pytest.approx(37.5)
    assert stats.macro_split(NutrientTotals()) is None
    progress = stats.goal_progress(totals, Goals(kcal=2000, carb_g=250, protein_g=75, fat_g=65))
    assert (progress.kcal_pct, progress.carb_pct, progress.protein_pct, progress.fat_pct) == (
        75,
        20,
        33,
        31,
    )


@pytest.mark.parametrize(
    ("better", "cohort", "top"),
    [
        (0, 20, 5),  # best of 20
        (19, 20, 100),  # worst of 20
        (9, 20, 50),
        (0, 1, 100),  # alone
        (1, 3, 67),  # ceil(66.7)
        (0, 200, 1),  # ceil(0.5)
        (0, 1_000_000, 1),
        (999_999, 1_000_000, 100),
    ],
)
def test_top_percent(better: int, cohort: int, top: int) -> None:
    assert stats.top_percent(better, cohort) == top


@pytest.mark.parametrize(("better", "cohort"), [(0, 0), (-1, 5), (5, 5)])
def test_top_percent_refuses_impossible_counts(better: int, cohort: int) -> None:
    with pytest.raises(ValueError, match="better"):
        stats.top_percent(better, cohort)


def test_rank_among_with_ties() -> None:
    values = [10, 20, 20, 30]
    assert stats.rank_among(values, 30) == (0, 4)
    assert stats.rank_among(values, 20) == (1, 4)  # both 20s share second place
    assert stats.top_percent(*stats.rank_among(values, 20)) == 50
    assert stats.top_percent(*stats.rank_among(values, 10)) == 100
    assert stats.top_percent(*stats.rank_among([5] * 20, 5)) == 5  # all tied: all best


def test_percentile_by_hand() -> None:
    assert stats.percentile([], 50) is None
    assert stats.percentile([7], 90) == 7
    assert stats.percentile([4, 1, 3, 2], 50) == 2.5
    assert stats.percentile([1, 2, 3, 4], 0) == 1
    assert stats.percentile([1, 2, 3, 4], 100) == 4
    assert stats.percentile([1, 2, 3, 4], 25) == pytest.approx(1.75)
    with pytest.raises(ValueError, match="p must"):
        stats.percentile([1], 101)


def test_delta() -> None:
    assert stats.delta(5, 3) == 2
    assert stats.delta(None, 3) is None
    assert stats.delta(5, None) is None
