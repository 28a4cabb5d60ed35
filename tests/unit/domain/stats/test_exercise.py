"""Exercise statistics and the WHO goal against hand-computed fixtures."""

import pytest

from healthapp.domain import stats
from healthapp.domain.exercise import Intensity
from healthapp.domain.stats import ExerciseGroup


def test_exercise_minutes_energy_and_who_goal() -> None:
    groups = [
        ExerciseGroup("walking", "moderate", 1, 30, 140.0, 1),
        ExerciseGroup("running", "vigorous", 2, 20, 0.0, 0),  # no weight
        ExerciseGroup("walking", "light", 1, 40, 130.7, 1),  # light: not counted
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


@pytest.mark.parametrize(
    ("kind", "intensity", "who_minutes"),
    [
        # By the chosen label, not the MET: light cycling is 4.0 MET (a Compendium "moderate"),
        # moderate cycling 6.8 MET (a Compendium "vigorous"), light running 6.0 MET.
        ("cycling", "light", 0),
        ("cycling", "moderate", 30),
        ("cycling", "vigorous", 60),
        ("running", "light", 0),
        ("walking", "vigorous", 60),  # 7.0 MET, but it is the label that counts
        ("strength", "moderate", 30),
        ("other", "light", 0),
    ],
)
def test_who_minutes_follow_the_chosen_intensity(
    kind: str, intensity: str, who_minutes: int
) -> None:
    result = stats.exercise_stats([ExerciseGroup(kind, intensity, 1, 30, 0.0, 0)])
    assert result.who_minutes == who_minutes
    assert result.minutes == 30


def test_who_goal_boundary_by_intensity() -> None:
    def progress(*groups: tuple[str, int]) -> stats.WhoProgress:
        rows = [ExerciseGroup("other", level, 1, minutes, 0.0, 0) for level, minutes in groups]
        return stats.who_progress(stats.exercise_stats(rows))

    assert not progress(("moderate", 149)).met
    assert progress(("moderate", 150)).met
    assert not progress(("vigorous", 74)).met  # 148 moderate-equivalent minutes
    assert progress(("vigorous", 75)).met  # WHO: 75 vigorous minutes are enough
    assert progress(("moderate", 74), ("vigorous", 38)).met  # 74 + 76 = 150: a combination
    assert not progress(("light", 1000)).met
    assert progress(("light", 1000)).who_minutes == 0


def test_who_minute_weights_cover_every_intensity() -> None:
    assert set(stats.WHO_MINUTE_WEIGHTS) == set(Intensity)
