"""Lite0 or Lite2, measured: `python -m bench.model_choice [--record]`.

Starts one Triton serving both classifiers (`food_classifier`, EfficientNet-Lite0 at 224 px, and
`food_classifier_lite2`, EfficientNet-Lite2 at 260 px; build the second with
`VARIANTS="lite0 lite2" triton_models/build.sh`), and in that one run:

1. scores the evaluation set (bench/food_eval) through each model with its own preprocessing
   (Lite0: the app's, short side 256, centre crop 224; Lite2: short side 292, centre crop 260,
   the same (x - 127) / 128), and judges what the app would show with the shipped
   decision.RULES (tuned for Lite0), with the grid's best rules for that model, and held out
   (tuned on one half of the set, judged on the other);
2. measures the classifier's throughput through Triton on preprocessed tensors, one request per
   photo, at concurrency 1 and 8, the two models alternating round by round (ABBA), with the CPU
   seconds Triton's processes spent per photo.

`--record` appends the tables to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tritonclient.grpc.aio as grpcclient
from PIL import Image

from bench import common
from bench.food_eval import dataset, evaluate
from bench.food_eval.dataset import Photo
from healthapp.inference import preprocess, triton_server
from healthapp.inference.triton_client import CHANNEL_ARGS

KNOWN = ("right", "roughly", "offered", "wrong", "choices_missed", "none")
UNKNOWN = ("confident_ok", "confident_wrong", "choices", "none")


@dataclass(frozen=True)
class Candidate:
    label: str
    model: str  # the Triton model name
    crop: int  # centre crop, the model's input size
    short_side: int  # resize the shorter side to this first (bilinear)

    @property
    def onnx(self) -> Path:
        return triton_server.DEFAULT_MODEL_REPOSITORY / self.model / "1" / "model.onnx"

    def preprocess_bytes(self, data: bytes) -> np.ndarray:
        """As healthapp.inference.preprocess, at this candidate's sizes: float32 [3, crop, crop]."""
        image: Image.Image = preprocess.decode(data)
        resized = preprocess.resize_short_side(image, self.short_side)
        return preprocess.to_tensor(preprocess.center_crop(resized, self.crop))


LITE0 = Candidate("Lite0", "food_classifier", 224, 256)
# EfficientNet's reference evaluation crops image_size / (image_size + 32): 260 of 292.
LITE2 = Candidate("Lite2", "food_classifier_lite2", 260, 292)
# 260 / 224 * 256 = 297: Lite0's crop fraction kept, for the sensitivity to the resize.
LITE2_297 = Candidate("Lite2, short side 297", "food_classifier_lite2", 260, 297)
CANDIDATES = (LITE0, LITE2)


@contextlib.contextmanager
def triton(models: Sequence[str]) -> Iterator[tuple[str, int]]:
    """One Triton on free ports serving `models`; yields (gRPC address, server pid)."""
    grpc, http, metrics = (common.free_port() for _ in range(3))
    with tempfile.TemporaryDirectory() as log_dir:
        log = Path(log_dir) / "triton.log"
        argv, env = triton_server.triton_command(
            triton_server.DEFAULT_MODEL_REPOSITORY, grpc, http, metrics, models=models
        )
        process = triton_server.start_server(argv, env, log_path=log)
        try:
            try:
                triton_server.wait_until_ready(http, models=models, process=process, timeout=120)
            except (RuntimeError, TimeoutError):
                print(log.read_text(errors="replace")[-4000:])
                raise
            yield f"127.0.0.1:{grpc}", process.pid
        finally:
            triton_server.stop_server(process, grpc)


async def _infer(
    client: grpcclient.InferenceServerClient, model: str, tensor: np.ndarray
) -> np.ndarray:
    batch = np.ascontiguousarray(tensor[np.newaxis], dtype=np.float32)
    request = grpcclient.InferInput("IMAGE", list(batch.shape), "FP32")
    request.set_data_from_numpy(batch)
    result = await client.infer(
        model,
        [request],
        outputs=[grpcclient.InferRequestedOutput("SCORES")],
        client_timeout=120,
    )
    assert result is not None
    scores = result.as_numpy("SCORES")
    if scores is None or scores.shape != (1, 1000):
        raise RuntimeError(f"{model}: unexpected SCORES {None if scores is None else scores.shape}")
    return scores[0]


async def score_all(
    url: str, candidate: Candidate, photos: Sequence[Photo], concurrency: int = 8
) -> np.ndarray:
    """[N, 1000] probabilities of `candidate` for `photos` (preprocessed here, as the worker)."""
    client = grpcclient.InferenceServerClient(url, channel_args=CHANNEL_ARGS)
    gate = asyncio.Semaphore(concurrency)

    async def one(photo: Photo) -> np.ndarray:
        async with gate:
            tensor = await asyncio.to_thread(candidate.preprocess_bytes, photo.path.read_bytes())
            return await _infer(client, candidate.model, tensor)

    try:
        return np.stack(await asyncio.gather(*(one(photo) for photo in photos)))
    finally:
        await client.close()


@dataclass
class Load:
    """One model at one concurrency, summed over its rounds."""

    latencies_ms: list[float] = field(default_factory=list)
    seconds: float = 0.0
    triton_cpu_s: float = 0.0
    rounds_per_s: list[float] = field(default_factory=list)


async def _load_round(
    url: str,
    model: str,
    tensors: Sequence[np.ndarray],
    *,
    requests: int,
    concurrency: int,
    warmup: int,
    cpu: Callable[[], float],
) -> tuple[list[float], float, float]:
    client = grpcclient.InferenceServerClient(url, channel_args=CHANNEL_ARGS)
    try:
        for i in range(warmup):
            await _infer(client, model, tensors[i % len(tensors)])
        latencies: list[float] = []
        queue = iter(range(requests))

        async def worker() -> None:
            for i in queue:
                started = time.perf_counter()
                await _infer(client, model, tensors[i % len(tensors)])
                latencies.append((time.perf_counter() - started) * 1000)

        cpu_before = cpu()
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        seconds = time.perf_counter() - started
        return latencies, seconds, cpu() - cpu_before
    finally:
        await client.close()


def throughput(
    url: str,
    pid: int,
    tensors: dict[str, list[np.ndarray]],
    *,
    requests: int,
    rounds: int,
    concurrencies: Sequence[int],
    warmup: int,
) -> dict[tuple[str, int], Load]:
    """Per (model label, concurrency): latencies and wall/CPU seconds over `rounds` rounds, the
    models' order reversed every other round so that drift in the machine's load hits both."""
    loads = {(c.label, n): Load() for c in CANDIDATES for n in concurrencies}
    for concurrency in concurrencies:
        for round_index in range(rounds):
            order = CANDIDATES if round_index % 2 == 0 else CANDIDATES[::-1]
            for candidate in order:
                latencies, seconds, cpu_s = asyncio.run(
                    _load_round(
                        url,
                        candidate.model,
                        tensors[candidate.label],
                        requests=requests,
                        concurrency=concurrency,
                        warmup=warmup,
                        cpu=lambda: common.tree_cpu_seconds(pid),
                    )
                )
                load = loads[(candidate.label, concurrency)]
                load.latencies_ms += latencies
                load.seconds += seconds
                load.triton_cpu_s += cpu_s
                load.rounds_per_s.append(len(latencies) / seconds)
                common.print_flush(
                    f"[throughput] {candidate.label} c={concurrency} round {round_index + 1}: "
                    f"{len(latencies) / seconds:.1f} photos/s, Triton CPU "
                    f"{cpu_s / len(latencies) * 1000:.1f} ms/photo"
                )
    return loads


def known_top_k(photos: Sequence[Photo], probabilities: np.ndarray, k: int) -> int:
    """Known-food photos whose right (or roughly right) food is among the top `k` food classes,
    whatever their probability: what the model knows, before any decision rule."""
    keys = evaluate.food_keys()
    indices = np.array(sorted(keys))
    hits = 0
    for photo, row in zip(photos, probabilities, strict=True):
        if photo.kind != "known":
            continue
        top = indices[np.argsort(-row[indices])[:k]]
        shown = {keys[int(i)] for i in top}
        hits += photo.truth in shown or bool(shown & photo.ok)
    return hits


def _pct(value: float) -> str:
    return f"{value * 100:.1f} %"


def _row(model: str, rule: str, result: evaluate.Report) -> list[str]:
    known, unknown, nonfood = (result.counts[k] for k in ("known", "unknown", "nonfood"))
    return [
        model,
        rule,
        *(str(known[c]) for c in KNOWN),
        _pct(result.known_right),
        _pct(result.known_helped),
        *(str(unknown[c]) for c in UNKNOWN),
        _pct(result.unknown_wrong),
        f"{nonfood['confident']}/{nonfood['choices']}/{nonfood['none']}",
        "yes" if result.meets_targets() else "no",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    parser.add_argument("--requests", type=int, default=200, help="per model, round, concurrency")
    parser.add_argument("--rounds", type=int, default=2, help="ABBA rounds per concurrency")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--concurrency", type=int, action="append", dest="concurrencies")
    parser.add_argument("--no-297", action="store_true", help="skip Lite2 at short side 297")
    args = parser.parse_args()
    concurrencies = tuple(args.concurrencies or (1, 8))

    for candidate in CANDIDATES:
        if not candidate.onnx.is_file():
            raise SystemExit(
                f"{candidate.onnx} missing: run VARIANTS='lite0 lite2' triton_models/build.sh"
            )
    machine = common.machine_info()
    photos = dataset.photos()
    evaluated = [*CANDIDATES, *(() if args.no_297 else (LITE2_297,))]
    probabilities: dict[str, np.ndarray] = {}
    with triton([c.model for c in CANDIDATES]) as (url, pid):
        for candidate in evaluated:
            started = time.perf_counter()
            probabilities[candidate.label] = asyncio.run(score_all(url, candidate, photos))
            common.print_flush(
                f"[eval] {candidate.label}: {len(photos)} photos in "
                f"{time.perf_counter() - started:.1f} s"
            )
        # Throughput on preprocessed tensors of the first 32 photos of the set, cycled.
        sample = [p.path.read_bytes() for p in photos[:32]]
        tensors = {c.label: [c.preprocess_bytes(data) for data in sample] for c in CANDIDATES}
        loads = throughput(
            url,
            pid,
            tensors,
            requests=args.requests,
            rounds=args.rounds,
            concurrencies=concurrencies,
            warmup=args.warmup,
        )

    kinds = {kind: sum(1 for p in photos if p.kind == kind) for kind in evaluate.KINDS}
    eval_rows: list[list[str]] = []
    tuned_lines: list[str] = []
    topk_lines: list[str] = []
    for candidate in evaluated:
        probs = probabilities[candidate.label]
        top1, top3 = (known_top_k(photos, probs, k) for k in (1, 3))
        topk_lines.append(
            f"- {candidate.label}: top food class right or roughly right {top1}/{kinds['known']}, "
            f"within the top 3 food classes {top3}/{kinds['known']}"
        )
        tuned, tuned_report = evaluate.tune(photos, probs)
        eval_rows += [
            _row(candidate.label, "decision.RULES (shipped)", evaluate.report(photos, probs)),
            _row(candidate.label, "grid best, this model", tuned_report),
            _row(candidate.label, "held out", evaluate.held_out(photos, probs)),
        ]
        tuned_lines.append(f"- {candidate.label}: {tuned}")
    top1_same = float(
        np.mean(probabilities[LITE0.label].argmax(1) == probabilities[LITE2.label].argmax(1))
    )

    load_rows = []
    for candidate in CANDIDATES:
        size_mb = candidate.onnx.stat().st_size / 1e6
        for concurrency in concurrencies:
            load = loads[(candidate.label, concurrency)]
            summary = common.summarize(load.latencies_ms, load.seconds)
            load_rows.append(
                [
                    candidate.label,
                    f"{candidate.crop} px",
                    f"{size_mb:.1f}",
                    concurrency,
                    summary.count,
                    summary.per_second,
                    " / ".join(f"{x:.1f}" for x in load.rounds_per_s),
                    summary.p50_ms,
                    summary.p95_ms,
                    load.triton_cpu_s / summary.count * 1000,
                ]
            )

    eval_headers = [
        "model", "rule", *(f"known {c}" for c in KNOWN), "known right", "known helped",
        *(f"unknown {c}" for c in UNKNOWN), "unknown wrong", "non-food c/ch/none", "targets met",
    ]  # fmt: skip
    load_headers = [
        "model", "input", "ONNX MB", "concurrency", "requests", "photos/s", "photos/s per round",
        "p50 ms", "p95 ms", "Triton CPU ms/photo",
    ]  # fmt: skip
    lines = [
        "Both models served by one Triton in this run (2 instances x 1 onnxruntime thread each, "
        "as food_classifier's config), measured side by side on the same shared machine.",
        "",
        f"### Evaluation set: {kinds['known']} known foods, {kinds['unknown']} unknown foods, "
        f"{kinds['nonfood']} non-food",
        "",
        "Targets: unknown confident-wrong < 5 % and known helped >= 85 %. Lite0 224 px (short "
        "side 256); Lite2 260 px (short side 292, and 297 for comparison); the shipped rules "
        "(and their absorbing classes) were tuned for Lite0.",
        "",
        common.table(eval_headers, eval_rows),
        "",
        "Known foods, without any decision rule:",
        "",
        *topk_lines,
        "",
        f"Top-1 class the same for Lite0 and Lite2 (292): {top1_same * 100:.1f} % of the photos.",
        "",
        "Grid best rules per model:",
        "",
        *tuned_lines,
        "",
        "### Classifier throughput through Triton (preprocessed tensors, one photo per request)",
        "",
        f"{args.requests} requests per model, round and concurrency after {args.warmup} warm-up "
        f"requests; {args.rounds} rounds per concurrency, the models alternating (ABBA); the 32 "
        "first photos of the set, cycled. Triton CPU: user + system seconds of tritonserver and "
        "its backend stubs during the measured requests, per photo. The client (gRPC, tensor "
        "serialisation) runs on the same 2 cores.",
        "",
        common.table(load_headers, load_rows),
    ]
    text = "\n".join(lines)
    print(text)
    if args.record:
        common.append_results(
            "Model choice: EfficientNet-Lite0 vs Lite2 (issue 14, item 5)",
            settings={
                "photos": len(photos),
                "requests": args.requests,
                "rounds": args.rounds,
                "concurrency": "/".join(str(c) for c in concurrencies),
                "models": ",".join(c.model for c in CANDIDATES),
            },
            body=text,
            machine_start=machine,
            version_info=common.versions(),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
