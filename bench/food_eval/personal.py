"""How well a person's own examples are recognised (services/analysis/examples.py), and where
its similarity threshold comes from.

The evaluation set has one photo per IFCT food and no second photo of the same plate, so two
kinds of "another photo of the same dish" are measured:

- views: another shot of the same plate, made from each photo (`view`: a crop of 75-95 %, a
  turn of up to 12 degrees, a mirror image half the time, brightness and contrast within
  20 %, JPEG quality 70-92). The person's examples are k views of each of their dishes; the
  new photo is a further view.
- varieties: another IFCT photo with the same name before the comma ("Rice, parboiled" and
  "Rice, raw, milled"): a different photo of a similar food, a much harder case.

A simulated person has DISHES dishes with k examples each (k = 1, 2, 3, 5); their new photos are
one more photo of each of their dishes (it should be offered its dish) and photos of foods
they have no example of (nothing should be offered). The threshold is the lowest one at which
photos without an example are offered a dish at most MAX_FALSE_OFFERS of the time with the
largest gallery (k = 5), so that a person's growing history does not make it guess more.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageEnhance

from bench import common
from bench.food_eval import dataset, evaluate
from bench.food_eval.dataset import Photo
from healthapp.inference.compact import compact_jpeg
from healthapp.inference.triton_client import FoodModelClient
from healthapp.services.analysis.examples import SIMILARITY, nearest, pack, unpack

EXAMPLE_COUNTS = (1, 2, 3, 5)
VIEWS = max(EXAMPLE_COUNTS) + 1  # k examples and one new photo per dish
DISHES = 20  # a person's own dishes
PEOPLE = 40  # simulated people per example count
MAX_FALSE_OFFERS = 0.01
THRESHOLDS = tuple(round(0.60 + 0.01 * step, 2) for step in range(36))  # 0.60 .. 0.95


def view(data: bytes, seed: int) -> bytes:
    """Another shot of the same plate (see the module docstring), reproducible by `seed`."""
    rng = np.random.default_rng(seed)
    with Image.open(io.BytesIO(data)) as opened:
        image = opened.convert("RGB")
    width, height = image.size
    scale = rng.uniform(0.75, 0.95)
    crop_w, crop_h = int(width * scale), int(height * scale)
    left = int(rng.integers(0, width - crop_w + 1))
    top = int(rng.integers(0, height - crop_h + 1))
    image = image.crop((left, top, left + crop_w, top + crop_h))
    image = image.rotate(rng.uniform(-12, 12), resample=Image.Resampling.BILINEAR)
    if rng.random() < 0.5:
        image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.8, 1.2))
    image = ImageEnhance.Contrast(image).enhance(rng.uniform(0.85, 1.15))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=int(rng.integers(70, 93)))
    return out.getvalue()


def distinct(photos: Sequence[Photo]) -> list[Photo]:
    """IFCT photos, each picture once (IFCT shows one picture for several of its foods)."""
    seen: set[str] = set()
    out = []
    for photo in photos:
        if not photo.photo.startswith("ifct:"):
            continue
        digest = hashlib.sha256(photo.path.read_bytes()).hexdigest()
        if digest not in seen:
            seen.add(digest)
            out.append(photo)
    return out


def dish_name(photo: Photo) -> str:
    return photo.name.split(",")[0].strip().lower()


async def embeddings_async(
    photos: Sequence[bytes], url: str, model: str = "food_recognizer", concurrency: int = 8
) -> np.ndarray:
    """Unit-length float16-rounded embeddings [N, 1280], as the worker stores them (the photo
    re-encoded small, through the ensemble)."""
    client = FoodModelClient(url, model)
    await client.connect(timeout_s=30)
    gate = asyncio.Semaphore(concurrency)

    async def one(data: bytes) -> np.ndarray:
        async with gate:
            small = await asyncio.to_thread(compact_jpeg, data)
            output = await client.infer_jpeg([small], timeout_s=60)
            packed = pack(output.embedding[0])
            assert packed is not None
            return unpack(packed)

    try:
        return np.stack(await asyncio.gather(*(one(data) for data in photos)))
    finally:
        await client.close()


@dataclass(frozen=True)
class Outcome:
    """Shares of new photos: of the person's dishes offered right or wrong, and of foods without
    an example offered anything (a false offer)."""

    right: float
    wrong: float
    false_offer: float
    queries: int


def _offers(
    gallery: np.ndarray, labels: Sequence[int], queries: np.ndarray
) -> list[tuple[int, float]]:
    out = []
    for query in queries:
        index, similarity = nearest(gallery, query)
        out.append((labels[index] if index >= 0 else -1, similarity))
    return out


def simulate(
    examples: np.ndarray,
    new: np.ndarray,
    strangers: np.ndarray,
    *,
    k: int,
    threshold: float,
    dishes: int = DISHES,
    people: int = PEOPLE,
    seed: int = 0,
) -> Outcome:
    """examples [D, >=k, 1280]: each dish's example photos; new [D, 1280]: each dish's new
    photo; strangers [S, 1280]: photos of foods without examples (S > D allowed). Each person
    holds `dishes` random dishes (k examples each) and gets their new photos and `dishes`
    random strangers' photos."""
    rng = np.random.default_rng(seed)
    right = wrong = false = 0
    for _ in range(people):
        mine = rng.choice(examples.shape[0], size=min(dishes, examples.shape[0]), replace=False)
        gallery = examples[mine, :k].reshape(-1, examples.shape[-1])
        labels = [int(d) for d in mine for _ in range(k)]
        for dish, (offered, similarity) in zip(
            mine, _offers(gallery, labels, new[mine]), strict=True
        ):
            if similarity >= threshold:
                right += offered == dish
                wrong += offered != dish
        others = strangers[rng.choice(strangers.shape[0], size=len(mine), replace=False)]
        false += sum(similarity >= threshold for _, similarity in _offers(gallery, labels, others))
    asked = people * min(dishes, examples.shape[0])
    return Outcome(right / asked, wrong / asked, false / asked, asked)


def calibrate(examples: np.ndarray, new: np.ndarray, strangers: np.ndarray) -> float:
    """The lowest threshold whose false offers stay within MAX_FALSE_OFFERS at k = 5."""
    for threshold in THRESHOLDS:
        outcome = simulate(examples, new, strangers, k=max(EXAMPLE_COUNTS), threshold=threshold)
        if outcome.false_offer <= MAX_FALSE_OFFERS:
            return threshold
    return THRESHOLDS[-1]


@dataclass(frozen=True)
class Scenario:
    """One kind of "another photo of the dish": per example count k, the dishes' examples
    [D, k, 1280] and new photos [D, 1280]; and photos of foods without examples."""

    name: str
    examples: dict[int, np.ndarray]
    new: dict[int, np.ndarray]
    strangers: np.ndarray


def _split(photos: Sequence[Photo], seed: int = 14) -> tuple[list[Photo], list[Photo]]:
    """The distinct IFCT photos in two halves: the people's dishes, and strangers."""
    pictures = distinct(photos)
    pictures = [pictures[i] for i in np.random.default_rng(seed).permutation(len(pictures))]
    half = len(pictures) // 2
    return pictures[:half], pictures[half:]


async def scenarios(
    photos: Sequence[Photo], url: str, *, limit: int | None = None, varieties: bool = True
) -> list[Scenario]:
    """The scenarios' embeddings through the served ensemble: views (of `limit` dishes and
    strangers for a quick run) and, with `varieties`, varieties."""
    dishes, strangers = _split(photos)
    dishes = dishes[:limit] if limit else dishes
    others = [p for p in photos if not p.photo.startswith("ifct:")]
    strangers = [*(strangers[:limit] if limit else strangers), *others]
    shots = [view(p.path.read_bytes(), seed * 7919 + i) for i, p in enumerate(dishes)
             for seed in range(VIEWS)]  # fmt: skip
    groups: dict[str, list[Photo]] = {}
    for photo in distinct(photos):
        groups.setdefault(dish_name(photo), []).append(photo)
    named = [group for group in groups.values() if len(group) >= 2] if varieties else []
    singles = [group[0] for group in groups.values() if len(group) == 1] if varieties else []
    flat = [p for group in named for p in group]
    data = [*shots, *(p.path.read_bytes() for p in [*strangers, *flat, *singles, *others])]
    vectors = await embeddings_async(data, url)
    views_end = len(shots)
    shot = vectors[:views_end].reshape(len(dishes), VIEWS, -1)
    stranger = vectors[views_end : views_end + len(strangers)]
    rest = vectors[views_end + len(strangers) :]
    by_photo = dict(zip((p.photo for p in flat), rest[: len(flat)], strict=True))
    lonely = rest[len(flat) :]
    counts = [k for k in EXAMPLE_COUNTS if k < VIEWS]
    variety_examples, variety_new = {}, {}
    for k in counts if varieties else ():
        enough = [group for group in named if len(group) > k]
        variety_examples[k] = np.stack([[by_photo[p.photo] for p in g[:k]] for g in enough])
        variety_new[k] = np.stack([by_photo[g[k].photo] for g in enough])
    found = [Scenario("views", {k: shot[:, :k] for k in counts},
                      {k: shot[:, -1] for k in counts}, stranger)]  # fmt: skip
    if varieties:
        found.append(Scenario("varieties", variety_examples, variety_new, lonely))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description="Personal examples: accuracy per example count")
    parser.add_argument("--triton", help="gRPC address of a running Triton (default: start one)")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    machine = common.machine_info()
    photos = dataset.photos()
    with evaluate.serving(args.triton, ("food_recognizer",)) as url:
        found = asyncio.run(scenarios(photos, url))
    views = found[0]
    calibrated = calibrate(views.examples[5], views.new[5], views.strangers)
    rows = []
    for scenario in found:
        for threshold in sorted({SIMILARITY, calibrated}):
            for k, examples in scenario.examples.items():
                result = simulate(examples, scenario.new[k], scenario.strangers, k=k,
                                  threshold=threshold)  # fmt: skip
                rows.append([scenario.name, f"{threshold:.2f}", k, examples.shape[0],
                             f"{result.right * 100:.1f} %", f"{result.wrong * 100:.1f} %",
                             f"{result.false_offer * 100:.1f} %", result.queries])  # fmt: skip
    text = "\n".join([
        f"{DISHES} dishes per person, {PEOPLE} people per row; views: {views.examples[1].shape[0]} "
        f"dishes, {views.strangers.shape[0]} photos of other foods; varieties: "
        f"{found[1].examples[1].shape[0]} dish names with 2+ photos, "
        f"{found[1].strangers.shape[0]} photos without.",
        f"Calibrated threshold (false offers <= {MAX_FALSE_OFFERS:.0%} at k = 5, views): "
        f"{calibrated:.2f}; shipped SIMILARITY: {SIMILARITY:.2f}.",
        "",
        common.table(["scenario", "threshold", "examples per dish", "dishes", "offered right",
                      "offered wrong", "false offers (no example)", "new photos"], rows),
    ])  # fmt: skip
    print(text)
    if args.record:
        common.append_results(
            "Food recognition: personal examples",
            settings={"dishes_per_person": DISHES, "people": PEOPLE, "photos": len(photos)},
            body=text,
            machine_start=machine,
            version_info=common.versions(),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
