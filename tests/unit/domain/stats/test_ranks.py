"""Ranks and percentiles against hand-computed fixtures."""

import pytest

from healthapp.domain import stats


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


def rank_among(values: list[float], mine: float) -> tuple[int, int]:
    """(users strictly better, cohort size), by hand: what services.ranking's COUNT queries give."""
    return sum(v > mine for v in values), len(values)


def test_top_percent_with_ties() -> None:
    values = [10, 20, 20, 30]
    assert rank_among(values, 30) == (0, 4)
    assert rank_among(values, 20) == (1, 4)  # both 20s share second place
    assert stats.top_percent(*rank_among(values, 20)) == 50
    assert stats.top_percent(*rank_among(values, 10)) == 100
    assert stats.top_percent(*rank_among([5] * 20, 5)) == 5  # all tied: all best


def test_percentile_by_hand() -> None:
    assert stats.percentile([], 50) is None
    assert stats.percentile([7], 90) == 7
    assert stats.percentile([4, 1, 3, 2], 50) == 2.5
    assert stats.percentile([1, 2, 3, 4], 0) == 1
    assert stats.percentile([1, 2, 3, 4], 100) == 4
    assert stats.percentile([1, 2, 3, 4], 25) == pytest.approx(1.75)
    with pytest.raises(ValueError, match="p must"):
        stats.percentile([1], 101)
