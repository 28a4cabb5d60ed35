"""What the statistics share."""

from healthapp.domain import stats
from healthapp.domain.stats import basics


def test_delta() -> None:
    assert stats.delta(5, 3) == 2
    assert stats.delta(None, 3) is None
    assert stats.delta(5, None) is None


def test_share_and_mean_are_none_without_data() -> None:
    assert basics.share_pct(1, 4) == 25
    assert basics.share_pct(0, 0) is None
    assert basics.mean_of(9, 3) == 3
    assert basics.mean_of(0, 0) is None


def test_half_up_rounds_halves_up_not_to_even() -> None:
    assert [basics.half_up(v) for v in (0.5, 1.5, 2.5, 2.49, 142.5)] == [1, 2, 3, 2, 143]
