"""Score the evaluation set through the served model and judge the app's displayed answer.

For each photo the app shows one of: a confident food (filled in for the person to confirm),
three choices, or "no food recognised" (healthapp.services.analysis.decision). Judged against
labels.csv:

  known food    right | roughly right (a look-alike with similar nutrients) | wrong |
                offered (choices that hold the right food) | choices without it | not recognised
  unknown food  confident right-ish (a look-alike named in `ok`) | confident wrong | choices | none
  non-food      confident | choices | none
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bench import common
from bench.food_eval.dataset import Photo
from healthapp.inference import triton_server
from healthapp.inference.preprocess import preprocess_bytes
from healthapp.inference.triton_client import FoodModelClient
from healthapp.services.analysis.decision import RULES, Rules, Verdict, decide
from healthapp.services.analysis.recognition import CONTEXT_CLASSES, food_classes

CONTEXT = frozenset(CONTEXT_CLASSES)
KINDS = ("known", "unknown", "nonfood")


@contextlib.contextmanager
def serving(url: str | None, models: Sequence[str]) -> Iterator[str]:
    """The gRPC address of Triton: `url`, or one started on free ports with `models` loaded."""
    if url:
        yield url
        return
    grpc, http, metrics = (common.free_port() for _ in range(3))
    with tempfile.TemporaryDirectory() as log_dir:
        argv, env = triton_server.triton_command(
            triton_server.DEFAULT_MODEL_REPOSITORY, grpc, http, metrics, models=tuple(models)
        )
        process = triton_server.start_server(argv, env, log_path=Path(log_dir) / "triton.log")
        try:
            triton_server.wait_until_ready(http, models=tuple(models), process=process)
            yield f"127.0.0.1:{grpc}"
        finally:
            triton_server.stop_server(process, grpc)


def food_keys() -> dict[int, str]:
    return {index: food.food_key for index, food in food_classes().items()}


async def scores_async(
    photos: Sequence[Photo], url: str, model: str = "food_classifier", concurrency: int = 8
) -> np.ndarray:
    client = FoodModelClient(url, model)
    await client.connect(timeout_s=30)
    gate = asyncio.Semaphore(concurrency)

    async def one(photo: Photo) -> np.ndarray:
        async with gate:
            tensor = await asyncio.to_thread(preprocess_bytes, photo.path.read_bytes())
            return (await client.infer(tensor, request_id=photo.photo, timeout_s=60))[0]

    try:
        return np.stack(await asyncio.gather(*(one(photo) for photo in photos)))
    finally:
        await client.close()


def scores(photos: Sequence[Photo], url: str, model: str = "food_classifier") -> np.ndarray:
    """[N, 1000] probabilities from the model served at `url` (gRPC)."""
    return asyncio.run(scores_async(photos, url, model))


def judge(photo: Photo, verdict: Verdict, keys: dict[int, str]) -> str:
    """The category of one displayed answer (see the module docstring)."""
    if verdict.kind == "none":
        return "none"
    if verdict.kind == "choices":
        if photo.kind == "known":
            offered = {keys[index] for index in verdict.choices}
            return "offered" if photo.truth in offered or offered & photo.ok else "choices_missed"
        return "choices"
    assert verdict.food_index is not None
    shown = keys[verdict.food_index]
    if photo.kind == "known":
        return "right" if shown == photo.truth else "roughly" if shown in photo.ok else "wrong"
    if photo.kind == "unknown":
        return "confident_ok" if shown in photo.ok else "confident_wrong"
    return "confident"


@dataclass(frozen=True)
class Report:
    counts: dict[str, Counter[str]]  # kind -> category -> photos
    totals: Counter[str]  # kind -> photos

    def share(self, kind: str, *categories: str) -> float:
        total = self.totals[kind]
        return sum(self.counts[kind][c] for c in categories) / total if total else 0.0

    @property
    def known_right(self) -> float:
        return self.share("known", "right", "roughly")

    @property
    def known_helped(self) -> float:
        """Right or roughly right, filled in or among the three choices."""
        return self.share("known", "right", "roughly", "offered")

    @property
    def unknown_wrong(self) -> float:
        return self.share("unknown", "confident_wrong")

    @property
    def nonfood_confident(self) -> float:
        return self.share("nonfood", "confident")

    def meets_targets(self) -> bool:
        return self.unknown_wrong < 0.05 and self.known_helped >= 0.85


def report(photos: Sequence[Photo], probabilities: np.ndarray, rules: Rules = RULES) -> Report:
    keys = food_keys()
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    totals: Counter[str] = Counter()
    for photo, row in zip(photos, probabilities, strict=True):
        counts[photo.kind][judge(photo, decide(row, keys, CONTEXT, rules), keys)] += 1
        totals[photo.kind] += 1
    return Report(counts, totals)


def old_rule(photos: Sequence[Photo], probabilities: np.ndarray) -> Report:
    """Round 1's rule for comparison: the top food above 0.30, no groups, no choices."""
    return report(photos, probabilities, Rules(0.30, 0.0, 0.30, 1.01, frozenset()))


def absorbing_classes(
    photos: Sequence[Photo], probabilities: np.ndarray, base: Rules
) -> frozenset[str]:
    """Food classes that, with no absorbing rule, are shown confidently for unknown foods or
    non-food more often than for the known foods they are."""
    keys = food_keys()
    plain = replace(base, absorbing_keys=frozenset())
    wrong: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for photo, row in zip(photos, probabilities, strict=True):
        verdict = decide(row, keys, CONTEXT, plain)
        if verdict.kind != "confident" or verdict.food_index is None:
            continue
        shown = keys[verdict.food_index]
        if photo.kind == "known" and (shown == photo.truth or shown in photo.ok):
            right[shown] += 1
        elif shown not in photo.ok:
            wrong[shown] += 1
    return frozenset(key for key, count in wrong.items() if count > right[key])


GRID_CONFIDENT = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
GRID_MARGIN = (0.0, 0.1, 0.2, 0.3, 0.4)
GRID_ABSORBING = (0.9, 0.95, 0.97, 0.99, 1.01)
GRID_CHOICES = (0.1, 0.15, 0.2, 0.3)


def _objective(result: Report) -> tuple[bool, float, float, float]:
    return (result.meets_targets(), result.known_helped, result.known_right, -result.unknown_wrong)


def tune(photos: Sequence[Photo], probabilities: np.ndarray) -> tuple[Rules, Report]:
    """The grid's best rules: targets met first, then most known foods helped, then most
    filled in right, then fewest confident wrong on unknown foods."""
    best: tuple[Rules, Report] | None = None
    for confident, margin in itertools.product(GRID_CONFIDENT, GRID_MARGIN):
        base = Rules(confident, margin, 1.01, 1.01, frozenset())
        absorbing = absorbing_classes(photos, probabilities, base)
        for strict, choices in itertools.product(GRID_ABSORBING, GRID_CHOICES):
            rules = Rules(confident, margin, max(strict, confident), choices, absorbing)
            result = report(photos, probabilities, rules)
            if best is None or _objective(result) > _objective(best[1]):
                best = (rules, result)
    assert best is not None
    return best


def folds(photos: Sequence[Photo]) -> tuple[list[int], list[int]]:
    """Two halves, fixed by a hash of each photo's name, for a held-out check of the tuning."""
    first = [i for i, p in enumerate(photos) if zlib.crc32(p.photo.encode()) % 2 == 0]
    second = [i for i, p in enumerate(photos) if zlib.crc32(p.photo.encode()) % 2 == 1]
    return first, second


def held_out(photos: Sequence[Photo], probabilities: np.ndarray) -> Report:
    """Tune on one half, judge the other, both ways round, and add up the judgements."""
    counts: dict[str, Counter[str]] = {kind: Counter() for kind in KINDS}
    totals: Counter[str] = Counter()
    halves = folds(photos)
    for train, test in (halves, halves[::-1]):
        rules, _ = tune([photos[i] for i in train], probabilities[train])
        result = report([photos[i] for i in test], probabilities[test], rules)
        for kind, counter in result.counts.items():
            counts[kind].update(counter)
        totals.update(result.totals)
    return Report(counts, totals)


def wrong_answers(
    photos: Sequence[Photo], probabilities: np.ndarray, rules: Rules
) -> Iterable[tuple[Photo, str, float]]:
    """The confident wrong answers on unknown foods: photo, food shown, confidence."""
    keys = food_keys()
    for photo, row in zip(photos, probabilities, strict=True):
        verdict = decide(row, keys, CONTEXT, rules)
        if photo.kind == "unknown" and judge(photo, verdict, keys) == "confident_wrong":
            assert verdict.food_index is not None
            yield photo, keys[verdict.food_index], verdict.confidence
