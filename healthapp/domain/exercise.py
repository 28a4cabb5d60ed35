"""Exercise energy estimate: MET x body mass (kg) x hours (Compendium of Physical Activities).

Pure functions, no Reflex and no database.

MET values and codes are those of the 2011 Compendium (Ainsworth et al., Med Sci Sports Exerc
2011;43(8):1575-81). The 2024 Adult Compendium (Herrmann et al., J Sport Health Sci 2024) uses
the same five-digit coding scheme, but these codes and values have not been checked against it:
moving to that edition means re-reading each code below.

Each kind offers three intensities the person picks; the entries are chosen so that MET rises
with intensity, and, where the Compendium allows, fall in its own intensity classes
(light < 3.0, moderate 3.0-5.9, vigorous >= 6.0 MET). Running and swimming have no entry below
6.0 MET, so all three of theirs are vigorous by that class.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from healthapp.domain.labels import LabelledEnum


class ExerciseKind(LabelledEnum, prefix="exercise.kind"):
    WALKING = "walking"
    RUNNING = "running"
    CYCLING = "cycling"
    SWIMMING = "swimming"
    STRENGTH = "strength"
    OTHER = "other"


class Intensity(LabelledEnum, prefix="exercise.intensity"):
    LIGHT = "light"
    MODERATE = "moderate"
    VIGOROUS = "vigorous"


@dataclass(frozen=True, slots=True)
class MetEntry:
    met: float
    code: str  # 2011 Compendium code
    activity: str  # the Compendium's description, abridged


_K = ExerciseKind
_I = Intensity

MET_TABLE: dict[tuple[ExerciseKind, Intensity], MetEntry] = {
    # Walking (heading 17): 2.0 mph slow / 2.8-3.2 mph moderate / 4.5 mph very, very brisk.
    (_K.WALKING, _I.LIGHT): MetEntry(2.8, "17152", "walking, 2.0 mph, level, slow pace"),
    (_K.WALKING, _I.MODERATE): MetEntry(3.5, "17190", "walking, 2.8-3.2 mph, level, moderate"),
    (_K.WALKING, _I.VIGOROUS): MetEntry(7.0, "17230", "walking, 4.5 mph, level, very brisk"),
    # Running (heading 12).
    (_K.RUNNING, _I.LIGHT): MetEntry(6.0, "12029", "running, 4 mph (15 min/mile)"),
    (_K.RUNNING, _I.MODERATE): MetEntry(7.0, "12020", "jogging, general"),
    (_K.RUNNING, _I.VIGOROUS): MetEntry(9.8, "12050", "running, 6 mph (10 min/mile)"),
    # Cycling (heading 01), by speed band: < 10 mph leisure / 10-11.9 mph / 14-15.9 mph. 01020 is
    # labelled "light effort" in the Compendium, but at 6.8 MET it is the middle of these three;
    # 01010 fits a leisurely ride better as "light".
    (_K.CYCLING, _I.LIGHT): MetEntry(4.0, "01010", "bicycling, < 10 mph, leisure"),
    (_K.CYCLING, _I.MODERATE): MetEntry(6.8, "01020", "bicycling, 10-11.9 mph, leisure"),
    (_K.CYCLING, _I.VIGOROUS): MetEntry(10.0, "01040", "bicycling, 14-15.9 mph, vigorous"),
    # Swimming (heading 18). The 2011 Compendium has no lap-swimming entry between 5.8 and 8.3 MET;
    # 18290 (crawl at ~50 yards/min, which it calls "vigorous effort") is the middle speed.
    (_K.SWIMMING, _I.LIGHT): MetEntry(5.8, "18240", "swimming laps, freestyle, slow, light/mod."),
    (_K.SWIMMING, _I.MODERATE): MetEntry(8.3, "18290", "swimming, crawl, medium speed"),
    (_K.SWIMMING, _I.VIGOROUS): MetEntry(9.8, "18230", "swimming laps, freestyle, fast, vigorous"),
    # Strength (heading 02, conditioning exercise).
    (_K.STRENGTH, _I.LIGHT): MetEntry(2.8, "02024", "calisthenics, light effort"),
    (_K.STRENGTH, _I.MODERATE): MetEntry(3.5, "02054", "resistance training, 8-15 repetitions"),
    (_K.STRENGTH, _I.VIGOROUS): MetEntry(6.0, "02050", "resistance training, vigorous effort"),
    # Other: the Compendium's generic exercise-by-effort triple (heading 02, video workouts).
    (_K.OTHER, _I.LIGHT): MetEntry(2.3, "02140", "exercise workout, light effort"),
    (_K.OTHER, _I.MODERATE): MetEntry(4.0, "02143", "exercise workout, moderate effort"),
    (_K.OTHER, _I.VIGOROUS): MetEntry(6.0, "02146", "exercise workout, vigorous effort"),
}

# Every catalogue key this module hands out; both catalogues must have each one.
ALL_LABEL_KEYS: tuple[str, ...] = (
    *(kind.label_key for kind in ExerciseKind),
    *(intensity.label_key for intensity in Intensity),
)


def met_value(kind: ExerciseKind | str, intensity: Intensity | str) -> float:
    """The MET of `kind` at `intensity` (see MET_TABLE)."""
    return MET_TABLE[ExerciseKind(kind), Intensity(intensity)].met


def energy_kcal(
    kind: ExerciseKind | str,
    intensity: Intensity | str,
    minutes: float,
    weight_kg: float | None,
) -> float | None:
    """Estimated energy in kcal: MET x body mass (kg) x hours; None when the weight is unknown.

    Unrounded; round for display. Raises ValueError for negative or non-finite minutes and for a
    weight that is not a positive finite number.
    """
    met = met_value(kind, intensity)
    if isinstance(minutes, bool) or not math.isfinite(minutes) or minutes < 0:
        raise ValueError(f"minutes must be a non-negative finite number, got {minutes!r}")
    if weight_kg is None:
        return None
    if isinstance(weight_kg, bool) or not math.isfinite(weight_kg) or weight_kg <= 0:
        raise ValueError(f"weight_kg must be a positive finite number, got {weight_kg!r}")
    return met * weight_kg * minutes / 60
