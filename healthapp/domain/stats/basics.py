"""Arithmetic every statistic shares: shares, means and differences that are None without data."""

from __future__ import annotations

import math


def share_pct(part: int, whole: int) -> float | None:
    """`part` as a percentage of `whole`; None when there is nothing to take a share of."""
    return None if whole == 0 else 100 * part / whole


def mean_of(total: float, count: int) -> float | None:
    """The mean of `count` values adding up to `total`; None for no values."""
    return None if count == 0 else total / count


def delta(current: float | None, previous: float | None) -> float | None:
    """current - previous, or None when either is unknown."""
    if current is None or previous is None:
        return None
    return current - previous


def half_up(value: float) -> int:
    """`value` to a whole number, halves up (round() would take halves to the even number)."""
    return math.floor(value + 0.5)


def sample_sd(count: int, total: float, total_sq: float) -> float | None:
    """Sample standard deviation from n, sum and sum of squares; None for fewer than 2 values."""
    if count < 2:
        return None
    variance = (total_sq - total * total / count) / (count - 1)
    # Sums of squares can lose the last bits: identical values must give exactly 0, never NaN.
    scale = total_sq / count
    return 0.0 if variance <= scale * 1e-12 else math.sqrt(variance)
