"""The AGP math: percentiles per hourly bin, the five bands adding to 100, local clock bins
across daylight-saving changes."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from healthapp.domain.stats import Band, hourly_profile, local_hour, time_in_ranges, whole_percents


def test_percentiles_per_bin_match_numpy() -> None:
    eight = [float(v) for v in (70, 95, 101, 110, 120, 133, 150, 210, 260)]
    three_am = [60.0, 65.0, 90.0, 91.0, 180.0]
    readings = [(8, v) for v in eight] + [(3, v) for v in three_am] + [(23, 100.0)] * 4
    bins = hourly_profile(readings)
    assert [b.hour for b in bins] == list(range(24))
    for hour, values in ((8, eight), (3, three_am)):
        b = bins[hour]
        expected = np.percentile(values, [5, 25, 50, 75, 95])
        assert [b.p5, b.p25, b.p50, b.p75, b.p95] == pytest.approx(list(expected))
        assert b.readings == len(values)
    assert bins[8].p50 == 120  # the median of nine
    # Four readings are too few for a band: a gap, with the count kept.
    assert (bins[23].readings, bins[23].p50, bins[23].p5) == (4, None, None)
    assert (bins[0].readings, bins[0].p95) == (0, None)


def test_percentiles_are_ordered_and_the_bin_rule_is_adjustable() -> None:
    bins = hourly_profile([(12, float(v)) for v in range(40, 400, 7)], min_per_bin=1)
    b = bins[12]
    assert b.p5 is not None
    assert b.p95 is not None
    assert b.p5 < b.p25 < b.p50 < b.p75 < b.p95  # type: ignore[operator]
    assert hourly_profile([(5, 100.0)], min_per_bin=1)[5].p50 == 100
    with pytest.raises(ValueError, match="0-23"):
        hourly_profile([(24, 100.0)])


def test_five_bands_by_the_whole_mg_dl_shown() -> None:
    values = [53.4, 53.5, 69.4, 69.5, 180.4, 180.5, 250.4, 250.5, 40, 400]
    shares = {s.band: s.readings for s in time_in_ranges(values)}
    assert shares == {
        Band.VERY_LOW: 2,  # 53.4 (shown 53) and 40
        Band.LOW: 2,  # 53.5 (54) and 69.4 (69)
        Band.IN_RANGE: 2,  # 69.5 (70) and 180.4 (180)
        Band.HIGH: 2,  # 180.5 (181) and 250.4 (250)
        Band.VERY_HIGH: 2,  # 250.5 (251) and 400
    }
    assert [s.band for s in time_in_ranges(values)] == list(Band)  # lowest first


@pytest.mark.parametrize(
    "counts", [[1, 1, 1, 0, 0], [1, 2, 3, 4, 5], [0, 0, 7, 0, 0], [333, 333, 334, 1, 0], [0] * 5]
)
def test_band_percents_add_up_to_100(counts: list[int]) -> None:
    values = [v for v, n in zip((40, 60, 120, 200, 300), counts, strict=True) for _ in range(n)]
    shares = time_in_ranges(values)
    assert [s.readings for s in shares] == counts
    if sum(counts):
        assert sum(s.percent for s in shares) == 100
        assert sum(s.share for s in shares) == pytest.approx(100)
        for s in shares:
            assert abs(s.percent - s.share) < 1
    else:
        assert [s.percent for s in shares] == [0] * 5


def test_largest_remainder_rounding() -> None:
    assert whole_percents([1, 1, 1]) == [34, 33, 33]  # 33.3 each: the first gets the spare 1
    assert whole_percents([2, 1]) == [67, 33]
    assert whole_percents([1, 0, 0, 0, 199]) == [1, 0, 0, 0, 99]  # 0.5 -> 1, 99.5 -> 99
    assert whole_percents([]) == []


def test_bins_follow_the_local_wall_clock_across_dst() -> None:
    ny = ZoneInfo("America/New_York")
    # Autumn, 2026-11-01: 01:30 happens twice (EDT then EST), both in the 01:00 bin.
    first, second = (
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC),
        datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
    )
    assert (local_hour(first, ny), local_hour(second, ny)) == (1, 1)
    # Spring, 2026-03-08: 02:00-03:00 does not exist; an hour after 01:30 EST is 03:30 EDT.
    before, after = datetime(2026, 3, 8, 6, 30, tzinfo=UTC), datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert (local_hour(before, ny), local_hour(after, ny)) == (1, 3)
    # The same instant is in a different bin in another zone.
    seoul = ZoneInfo("Asia/Seoul")
    assert local_hour(first, seoul) == 14
    bins = hourly_profile(
        [(local_hour(at, ny), 100.0) for at in (first, second, before, after)], min_per_bin=1
    )
    assert [b.readings for b in bins][:4] == [0, 3, 0, 1]
