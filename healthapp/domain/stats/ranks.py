"""Percentiles and the "top n %" rank among a cohort of users."""

from __future__ import annotations

import math
from collections.abc import Sequence


def top_percent(better: int, cohort: int) -> int:
    """The "top n %" for a user with `better` users strictly above them in a cohort of `cohort`
    (the user included): ceil(100 x (better + 1) / cohort). Tied users share the best place
    among them. The best user of 20 is in the top 5 %, the worst of any cohort in the top 100 %,
    and a cohort of 1 gives 100."""
    if cohort < 1 or not 0 <= better < cohort:
        raise ValueError(f"need 0 <= better < cohort, got better={better}, cohort={cohort}")
    return -(-100 * (better + 1) // cohort)


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0-100) by linear interpolation between closest ranks (the default
    of NumPy and R type 7); None for no values."""
    if not 0 <= p <= 100:
        raise ValueError(f"p must be within 0-100, got {p}")
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * p / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
