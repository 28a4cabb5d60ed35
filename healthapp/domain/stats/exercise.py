"""Exercise statistics and progress towards the WHO weekly goal.

WHO 2020 asks adults for 150-300 min of moderate or 75-150 min of vigorous aerobic activity a
week, or an equivalent combination. `who_minutes` counts moderate minutes once and vigorous
minutes twice, by the MET of each session's kind and intensity (domain.exercise; Compendium
classes: light < 3.0, moderate 3.0-5.9, vigorous >= 6.0 MET); light minutes do not count. The
goal is met at 150.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from healthapp.domain.exercise import met_value

WHO_WEEKLY_GOAL_MIN = 150
MODERATE_MET_FROM = 3.0
VIGOROUS_MET_FROM = 6.0


@dataclass(frozen=True)
class ExerciseGroup:
    """The sessions of one kind at one intensity (SQL groups by the pair)."""

    kind: str
    intensity: str
    sessions: int
    minutes: int
    energy_kcal: float  # sum over the sessions with a known energy
    energy_sessions: int  # sessions with a known energy (a body weight was set when saved)


@dataclass(frozen=True)
class ExerciseStats:
    sessions: int = 0
    minutes: int = 0
    energy_kcal: float = 0.0
    energy_unknown_sessions: int = 0  # saved without a body weight: not in energy_kcal
    light_minutes: int = 0
    moderate_minutes: int = 0
    vigorous_minutes: int = 0
    who_minutes: int = 0  # moderate + 2 x vigorous (WHO equivalent combination)


def intensity_class(kind: str, intensity: str) -> str:
    """light / moderate / vigorous by the session's MET (Compendium classes)."""
    met = met_value(kind, intensity)
    if met >= VIGOROUS_MET_FROM:
        return "vigorous"
    if met >= MODERATE_MET_FROM:
        return "moderate"
    return "light"


def exercise_stats(groups: Iterable[ExerciseGroup]) -> ExerciseStats:
    by_class = {"light": 0, "moderate": 0, "vigorous": 0}
    sessions = minutes = unknown = 0
    energy = 0.0
    for group in groups:
        sessions += group.sessions
        minutes += group.minutes
        energy += group.energy_kcal
        unknown += group.sessions - group.energy_sessions
        by_class[intensity_class(group.kind, group.intensity)] += group.minutes
    return ExerciseStats(
        sessions=sessions,
        minutes=minutes,
        energy_kcal=energy,
        energy_unknown_sessions=unknown,
        light_minutes=by_class["light"],
        moderate_minutes=by_class["moderate"],
        vigorous_minutes=by_class["vigorous"],
        who_minutes=by_class["moderate"] + 2 * by_class["vigorous"],
    )


@dataclass(frozen=True)
class WhoProgress:
    who_minutes: int  # moderate-equivalent minutes so far
    goal_minutes: int
    percent: int  # of the goal, whole, not capped at 100
    met: bool


def who_progress(stats: ExerciseStats, goal: int = WHO_WEEKLY_GOAL_MIN) -> WhoProgress:
    return WhoProgress(
        who_minutes=stats.who_minutes,
        goal_minutes=goal,
        percent=math.floor(100 * stats.who_minutes / goal),
        met=stats.who_minutes >= goal,
    )
