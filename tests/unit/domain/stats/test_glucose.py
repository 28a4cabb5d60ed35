"""Glucose statistics against hand-computed fixtures."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from healthapp.domain import stats
from healthapp.domain.clinical import GlucoseCategory, classify_glucose
from healthapp.domain.stats import GlucoseReading, GlucoseSums

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
