"""The seed's three levels, and the ordered threshold tables that map a reading onto one.

A table lists bands from the lowest values up; a value belongs to the first band whose upper
bound it stays under (or reaches, for an inclusive bound), so each row states one threshold
exactly as CLINICAL.md writes it ("< 100", "<= 130") and no row repeats its neighbour's bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from healthapp.domain.labels import LabelledEnum


class Level(LabelledEnum, prefix="clinical.level"):
    """The seed's three levels, mildest first."""

    NORMAL = "normal"
    BORDERLINE = "borderline"
    DANGER = "danger"

    @property
    def severity(self) -> int:
        """0, 1 or 2: compare or take the max of levels with this."""
        return _LEVEL_ORDER.index(self)


_LEVEL_ORDER: tuple[Level, ...] = (Level.NORMAL, Level.BORDERLINE, Level.DANGER)


CategoryT = TypeVar("CategoryT")


@dataclass(frozen=True, slots=True)
class Band(Generic[CategoryT]):
    """One row of a threshold table: values under `bound` (up to it when `inclusive`); `bound`
    None takes every value, for the last row."""

    bound: int | Decimal | None
    inclusive: bool
    category: CategoryT
    level: Level

    def holds(self, value: int | Decimal) -> bool:
        if self.bound is None:
            return True
        return value <= self.bound if self.inclusive else value < self.bound


def below(bound: int | Decimal, category: CategoryT, level: Level) -> Band[CategoryT]:
    """The band of values < `bound`."""
    return Band(bound, False, category, level)


def up_to(bound: int | Decimal, category: CategoryT, level: Level) -> Band[CategoryT]:
    """The band of values <= `bound`."""
    return Band(bound, True, category, level)


def above_all(category: CategoryT, level: Level) -> Band[CategoryT]:
    """The band of every value the rows before it left over."""
    return Band(None, False, category, level)


def band_of(table: Sequence[Band[CategoryT]], value: int | Decimal) -> Band[CategoryT]:
    """The first band of `table` that holds `value`; every table ends with `above_all`."""
    return next(band for band in table if band.holds(value))
