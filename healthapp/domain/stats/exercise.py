"""Exercise statistics and progress towards the WHO weekly goal.

WHO 2020 asks adults for 150-300 min of moderate or 75-150 min of vigorous aerobic activity a
week, or an equivalent combination. `who_minutes` counts each session by the intensity the
person chose for it, as the form says: light minutes do not count, moderate minutes count once
and vigorous minutes twice (75 vigorous minutes equal 150 moderate ones). The MET of a session
(domain.exercise) estimates its energy only: the Compendium's MET classes (moderate from 3.0,
vigorous from 6.0) would count a leisurely ride (4.0 MET) as moderate and a moderate ride
(6.8 MET) as vigorous, which is not what the person said. The goal is met at 150.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from healthapp.domain.exercise import Intensity

WHO_WEEKLY_GOAL_MIN = 150
# Moderate-equivalent minutes per minute at each intensity (WHO 2020: 150-300 moderate or 75-150
# vigorous minutes, "or an equivalent combination").
WHO_MINUTE_WEIGHTS: dict[Intensity, int] = {
    Intensity.LIGHT: 0,
    Intensity.MODERATE: 1,
    Intensity.VIGOROUS: 2,
}


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
    who_minutes: int = 0  # moderate + 2 x vigorous minutes, by the chosen intensity (WHO)


def exercise_stats(groups: Iterable[ExerciseGroup]) -> ExerciseStats:
    by_class = dict.fromkeys(Intensity, 0)
    sessions = minutes = unknown = 0
    energy = 0.0
    for group in groups:
        sessions += group.sessions
        minutes += group.minutes
        energy += group.energy_kcal
        unknown += group.sessions - group.energy_sessions
        by_class[Intensity(group.intensity)] += group.minutes
    return ExerciseStats(
        sessions=sessions,
        minutes=minutes,
        energy_kcal=energy,
        energy_unknown_sessions=unknown,
        light_minutes=by_class[Intensity.LIGHT],
        moderate_minutes=by_class[Intensity.MODERATE],
        vigorous_minutes=by_class[Intensity.VIGOROUS],
        who_minutes=sum(WHO_MINUTE_WEIGHTS[level] * n for level, n in by_class.items()),
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
