"""Exercise statistics and the WHO goal against hand-computed fixtures."""

import pytest

from healthapp.domain import stats
from healthapp.domain.stats import ExerciseGroup


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
