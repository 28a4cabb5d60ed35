"""Inference benchmark: the real exported food model on the real fixture photos.

    python -m bench.inference            # in-process vs Triton sequential vs Triton concurrent
    python -m bench.inference --sweep    # also try Triton config candidates (temp repo copies)
    python -m bench.inference --quick    # smoke run: few requests

Modes, all on the same preprocessed tensors (the four photos of tests/fixtures/photos, cycled;
preprocessing is not timed):

- in-process: onnxruntime at batch 1 in a plain loop, in Triton's own venv (same onnxruntime
  build and session options as the python-backend model; `bench/ort_inprocess.py`). Measured with
  ALLOW_SPINNING 0 (the model's setting) and 1 (onnxruntime's default); the faster one is the
  baseline of the ratio.
- Triton sequential: one gRPC request at a time (healthapp's FoodModelClient, as the worker
  sends them: one image, SCORES only).
- Triton concurrent: `--concurrency` (16) requests in flight from one asyncio client, Triton's
  dynamic batcher groups them; the mean batch comes from Triton's metrics.

Rounds (`--rounds`, default 2) repeat in-process / sequential / concurrent one after the other,
so each ratio compares runs a few seconds apart on the same (shared) machine. The server runs
from a temporary copy of triton_models/food_classifier (config.pbtxt rewritten per candidate,
model.onnx linked), never from triton_models/ itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bench import common
from healthapp.inference import triton_server
from healthapp.inference.preprocess import preprocess_bytes
from healthapp.inference.triton_client import FoodModelClient

MODEL = "food_classifier"
MODEL_DIR = common.ROOT / "triton_models" / MODEL
ONNX = MODEL_DIR / "1" / "model.onnx"


# --- config candidates -------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One Triton configuration of the CPU model. None keeps the base config's value."""

    name: str
    preferred: tuple[int, ...] | None = None  # () removes preferred_batch_size
    delay_us: int | None = None
    instances: int | None = None
    intra: int | None = None
    inter: int | None = None
    spinning: int | None = None
    max_batch: int | None = None

    def describe(self) -> str:
        parts = []
        if self.preferred is not None:
            parts.append(f"preferred={list(self.preferred) or 'none'}")
        for label, value in (
            ("delay_us", self.delay_us),
            ("instances", self.instances),
            ("INTRA_OP_THREADS", self.intra),
            ("INTER_OP_THREADS", self.inter),
            ("ALLOW_SPINNING", self.spinning),
            ("max_batch_size", self.max_batch),
        ):
            if value is not None:
                parts.append(f"{label}={value}")
        return ", ".join(parts) or "as committed"


def _set_parameter(text: str, key: str, value: str) -> str:
    pattern = re.compile(
        r'(parameters:\s*\{\s*key:\s*"' + re.escape(key) + r'"\s*value:\s*\{\s*string_value:\s*")'
        r'[^"]*(")'
    )
    if pattern.search(text):
        return pattern.sub(lambda m: f"{m.group(1)}{value}{m.group(2)}", text, count=1)
    block = f'parameters: {{\n  key: "{key}"\n  value: {{ string_value: "{value}" }}\n}}\n'
    return text.rstrip("\n") + "\n" + block


def _into_dynamic_batching(text: str, line: str) -> str:
    """`text` with `line` written first inside its dynamic_batching block."""
    return re.sub(r"(dynamic_batching\s*\{\n)", lambda m: m.group(1) + line, text, count=1)


def render_config(base: str, candidate: Candidate) -> str:
    """`base` (a config.pbtxt text) with the candidate's settings written in."""
    text = base
    if candidate.preferred is not None:
        line = re.compile(r"^[ \t]*preferred_batch_size:\s*\[[^\]]*\][ \t]*\n", re.MULTILINE)
        new = (
            f"  preferred_batch_size: [ {', '.join(str(n) for n in candidate.preferred)} ]\n"
            if candidate.preferred
            else ""
        )
        if line.search(text):
            text = line.sub(new, text, count=1)
        else:
            text = _into_dynamic_batching(text, new)
    if candidate.delay_us is not None:
        text, found = re.subn(
            r"max_queue_delay_microseconds:\s*\d+",
            f"max_queue_delay_microseconds: {candidate.delay_us}",
            text,
            count=1,
        )
        if not found:
            text = _into_dynamic_batching(
                text, f"  max_queue_delay_microseconds: {candidate.delay_us}\n"
            )
    if candidate.instances is not None:
        text = re.sub(
            r"(instance_group\s*\[\s*\{\s*count:\s*)\d+",
            lambda m: f"{m.group(1)}{candidate.instances}",
            text,
            count=1,
        )
    if candidate.max_batch is not None:
        text = re.sub(r"max_batch_size:\s*\d+", f"max_batch_size: {candidate.max_batch}", text)
    for key, value in (
        ("INTRA_OP_THREADS", candidate.intra),
        ("INTER_OP_THREADS", candidate.inter),
        ("ALLOW_SPINNING", candidate.spinning),
    ):
        if value is not None:
            text = _set_parameter(text, key, str(value))
    return text


def read_settings(config: str) -> dict[str, str]:
    """The tunables a config.pbtxt text sets (for the report)."""
    out: dict[str, str] = {}
    if m := re.search(r"preferred_batch_size:\s*\[([^\]]*)\]", config):
        out["preferred"] = "[" + ",".join(x.strip() for x in m.group(1).split(",")) + "]"
    else:
        out["preferred"] = "none"
    if m := re.search(r"max_queue_delay_microseconds:\s*(\d+)", config):
        out["delay_us"] = m.group(1)
    if m := re.search(r"instance_group\s*\[\s*\{\s*count:\s*(\d+)", config):
        out["instances"] = m.group(1)
    for key in ("INTRA_OP_THREADS", "INTER_OP_THREADS", "ALLOW_SPINNING"):
        pattern = r'key:\s*"' + key + r'"\s*value:\s*\{\s*string_value:\s*"([^"]*)"'
        if m := re.search(pattern, config):
            out[key] = m.group(1)
    return out


SWEEP: tuple[Candidate, ...] = (
    Candidate("baseline"),
    Candidate("delay 0", delay_us=0),
    Candidate("delay 10 ms", delay_us=10000),
    Candidate("no preferred sizes", preferred=()),
    Candidate("preferred [8,16]", preferred=(8, 16)),
    Candidate("intra 1", intra=1),
    Candidate("spinning 1", spinning=1),
    Candidate("2 instances x intra 1", instances=2, intra=1),
    Candidate("2 instances x intra 2", instances=2, intra=2),
    Candidate("2 x intra 1, delay 0", instances=2, intra=1, delay_us=0),
    Candidate("3 instances x intra 1", instances=3, intra=1),
)


CANDIDATES = {c.name: c for c in SWEEP}


def make_repository(root: Path, config_text: str) -> Path:
    """A model repository under `root` holding food_classifier with `config_text`."""
    model = root / MODEL
    (model / "1").mkdir(parents=True)
    (model / "config.pbtxt").write_text(config_text)
    shutil.copy2(MODEL_DIR / "labels.txt", model / "labels.txt")
    shutil.copy2(MODEL_DIR / "1" / "model.py", model / "1" / "model.py")
    (model / "1" / "model.onnx").symlink_to(ONNX.resolve())
    return root


# --- Triton server -----------------------------------------------------------------------------


class TritonServer:
    """tritonserver (the launcher's command) on ports from the benchmark range."""

    def __init__(self, repository: Path, log_path: Path) -> None:
        self.repository = repository
        self.log_path = log_path
        self.grpc = common.free_port()
        self.http = common.free_port()
        self.metrics = common.free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.version = ""

    @property
    def url(self) -> str:
        return f"127.0.0.1:{self.grpc}"

    def __enter__(self) -> TritonServer:
        argv, env = triton_server.triton_command(
            self.repository, self.grpc, self.http, self.metrics, models=(MODEL,)
        )
        triton_server.cleanup_shm(self.grpc)
        self.process = triton_server.start_server(argv, env, log_path=self.log_path)
        try:
            triton_server.wait_until_ready(
                self.http, models=(MODEL,), timeout=120, process=self.process
            )
        except (RuntimeError, TimeoutError) as exc:
            self.__exit__()
            tail = self.log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"Triton did not start: {exc}\n{tail}") from exc
        with urllib.request.urlopen(f"http://127.0.0.1:{self.http}/v2", timeout=5) as r:
            self.version = json.loads(r.read()).get("version", "")
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.process is not None:
            triton_server.stop_server(self.process, self.grpc)
            self.process = None

    def counts(self) -> tuple[float, float]:
        """(inference_count, exec_count) of the model: requests and batches executed."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics}/metrics", timeout=5) as r:
            text = r.read().decode()
        return parse_counts(text, MODEL)


def parse_counts(metrics_text: str, model: str) -> tuple[float, float]:
    values = {"nv_inference_count": 0.0, "nv_inference_exec_count": 0.0}
    for line in metrics_text.splitlines():
        for name in values:
            if line.startswith(name + "{") and f'model="{model}"' in line:
                values[name] += float(line.rsplit(" ", 1)[1])
    return values["nv_inference_count"], values["nv_inference_exec_count"]


# --- measurements ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    mode: str
    summary: common.Summary
    mean_batch: float = float("nan")
    # CPU milliseconds per image: the client (or the in-process loop) and the Triton server
    # (tritonserver plus its python backend stubs).
    client_cpu_ms: float = float("nan")
    server_cpu_ms: float = float("nan")


def prepare_tensors(paths: Sequence[Path]) -> np.ndarray:
    return np.stack([preprocess_bytes(p.read_bytes()) for p in paths]).astype(np.float32)


def run_inprocess(
    tensors_path: Path, *, requests: int, warmup: int, intra: int, spinning: int, batch: int = 1
) -> tuple[common.Summary, str, float]:
    """(summary, onnxruntime version, CPU ms per image) of one in-process run."""
    python = common.TRITON_VENV / "bin" / "python"
    if not python.exists():
        raise SystemExit(
            f"{python} is missing: run `python -m healthapp.inference.triton_server setup`"
        )
    argv = [str(python), str(common.ROOT / "bench" / "ort_inprocess.py"), "--onnx", str(ONNX)]
    argv += ["--tensors", str(tensors_path), "--requests", str(requests)]
    argv += ["--warmup", str(warmup), "--intra", str(intra), "--spinning", str(spinning)]
    argv += ["--batch", str(batch)]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"in-process run failed:\n{out.stderr[-3000:]}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    summary = common.summarize(data["latencies_ms"], data["seconds"])
    if batch > 1:  # throughput in images, latency per batch
        summary = replace(summary, count=data["images"])
    return summary, data["onnxruntime"], data["cpu_seconds"] * 1000 / data["images"]


async def triton_sequential(
    url: str, tensors: np.ndarray, *, requests: int, warmup: int
) -> common.Summary:
    client = FoodModelClient(url, MODEL, timeout_s=30)
    try:
        await client.connect()
        for i in range(warmup):
            await client.infer(tensors[i % len(tensors)])
        latencies = []
        started = time.perf_counter()
        for i in range(requests):
            t0 = time.perf_counter()
            await client.infer(tensors[i % len(tensors)], request_id=str(i))
            latencies.append((time.perf_counter() - t0) * 1000)
        return common.summarize(latencies, time.perf_counter() - started)
    finally:
        await client.close()


async def triton_concurrent(
    url: str, tensors: np.ndarray, *, requests: int, warmup: int, concurrency: int
) -> common.Summary:
    """`concurrency` requests always in flight until `requests` have completed."""
    client = FoodModelClient(url, MODEL, timeout_s=60)
    try:
        await client.connect()
        await asyncio.gather(
            *(client.infer(tensors[i % len(tensors)]) for i in range(max(warmup, concurrency)))
        )
        latencies: list[float] = []
        issued = 0

        async def lane() -> None:
            nonlocal issued
            while issued < requests:
                index = issued
                issued += 1
                t0 = time.perf_counter()
                await client.infer(tensors[index % len(tensors)], request_id=str(index))
                latencies.append((time.perf_counter() - t0) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(lane() for _ in range(concurrency)))
        return common.summarize(latencies, time.perf_counter() - started)
    finally:
        await client.close()


def measure_triton(
    server: TritonServer, tensors: np.ndarray, args: argparse.Namespace, *, sequential: bool
) -> list[Result]:
    results = []
    if sequential:
        with Meter(server) as meter:
            summary = asyncio.run(
                triton_sequential(
                    server.url, tensors, requests=args.sequential_requests, warmup=args.warmup
                )
            )
        results.append(meter.result("Triton gRPC sequential", summary))
    with Meter(server) as meter:
        summary = asyncio.run(
            triton_concurrent(
                server.url,
                tensors,
                requests=args.concurrent_requests,
                warmup=args.warmup,
                concurrency=args.concurrency,
            )
        )
    results.append(meter.result(f"Triton gRPC {args.concurrency} concurrent", summary))
    return results


class Meter:
    """Triton's request/batch counters and the CPU time of client and server around a run
    (warm-up requests included in the CPU figures, excluded from nothing: a small bias)."""

    def __init__(self, server: TritonServer) -> None:
        self.server = server

    def __enter__(self) -> Meter:
        assert self.server.process is not None
        self.counts = self.server.counts()
        self.client = time.process_time()
        self.serving = common.tree_cpu_seconds(self.server.process.pid)
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self.server.process is not None
        self.client = time.process_time() - self.client
        self.serving = common.tree_cpu_seconds(self.server.process.pid) - self.serving
        after = self.server.counts()
        self.requests = after[0] - self.counts[0]
        self.batches = after[1] - self.counts[1]

    def result(self, mode: str, summary: common.Summary) -> Result:
        images = self.requests or float("nan")
        return Result(
            mode,
            summary,
            mean_batch=self.requests / self.batches if self.batches else float("nan"),
            client_cpu_ms=self.client * 1000 / images,
            server_cpu_ms=self.serving * 1000 / images,
        )


# --- report ------------------------------------------------------------------------------------

HEADERS = (
    "round",
    "mode",
    "images",
    "img/s",
    "p50 ms",
    "p95 ms",
    "mean batch",
    "CPU ms/img client",
    "CPU ms/img server",
    "vs in-process",
)


def result_rows(round_no: int, results: Sequence[Result], baseline: float) -> list[list[object]]:
    rows = []
    for result in results:
        s = result.summary
        ratio = s.per_second / baseline if baseline else float("nan")
        rows.append(
            [
                round_no,
                result.mode,
                s.count,
                s.per_second,
                s.p50_ms,
                s.p95_ms,
                result.mean_batch,
                result.client_cpu_ms,
                result.server_cpu_ms,
                f"{ratio:.2f}x",
            ]
        )
    return rows


SWEEP_HEADERS = (
    "candidate",
    "change from the served config",
    "img/s best",
    "img/s other",
    "p50 ms",
    "p95 ms",
    "mean batch",
    "CPU ms/img client",
    "CPU ms/img server",
)


def run_sweep(base_config: str, tensors: np.ndarray, tmp: Path, args: argparse.Namespace) -> str:
    """Every SWEEP candidate on its own server, `--sweep-passes` times in alternating order."""
    results: dict[str, list[Result]] = {c.name: [] for c in SWEEP}
    failures: dict[str, str] = {}
    sweep_args = argparse.Namespace(**vars(args))
    sweep_args.concurrent_requests = args.sweep_requests
    for pass_no in range(args.sweep_passes):
        order = list(SWEEP) if pass_no % 2 == 0 else list(reversed(SWEEP))
        for candidate in order:
            for attempt in (1, 2):  # a server that dies once (shared machine) gets a retry
                name = f"{pass_no}-{SWEEP.index(candidate)}-{attempt}"
                repo = make_repository(tmp / f"repo-{name}", render_config(base_config, candidate))
                log = tmp / f"triton-{name}.log"
                try:
                    with TritonServer(repo, log) as server:
                        result = measure_triton(server, tensors, sweep_args, sequential=False)[0]
                except Exception as exc:  # a candidate that fails is a finding, not the end
                    tail = log.read_text(errors="replace")[-800:] if log.exists() else ""
                    common.print_flush(f"{candidate.name}: attempt {attempt} failed: {exc}\n{tail}")
                    failures[candidate.name] = str(exc).splitlines()[0][:60]
                    continue
                results[candidate.name].append(result)
                s = result.summary
                common.print_flush(
                    f"pass {pass_no + 1} {candidate.name}: {s.per_second:.1f} img/s, p50 "
                    f"{s.p50_ms:.1f} ms, p95 {s.p95_ms:.1f} ms, mean batch "
                    f"{result.mean_batch:.1f}, server CPU {result.server_cpu_ms:.1f} ms/img, "
                    f"load {common.fmt_load(common.load_average())}"
                )
                break
    rows = []
    for candidate in SWEEP:
        done = sorted(results[candidate.name], key=lambda r: r.summary.per_second, reverse=True)
        if not done:
            rows.append([candidate.name, candidate.describe(), "failed", "-", "-", "-", "-",
                         "-", failures.get(candidate.name, "")])  # fmt: skip
            continue
        best = done[0]
        rows.append(
            [
                candidate.name,
                candidate.describe(),
                best.summary.per_second,
                ", ".join(f"{r.summary.per_second:.1f}" for r in done[1:]) or "-",
                best.summary.p50_ms,
                best.summary.p95_ms,
                best.mean_batch,
                statistics.mean(r.client_cpu_ms for r in done),
                statistics.mean(r.server_cpu_ms for r in done),
            ]
        )
    return common.table(SWEEP_HEADERS, rows)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.inference", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smoke run: few requests")
    parser.add_argument("--sweep", action="store_true", help="also try config candidates")
    parser.add_argument("--only-sweep", action="store_true", help="the sweep alone")
    for flag, default in [
        ("--rounds", 2),
        ("--concurrency", 16),
        ("--inprocess-requests", 400),
        ("--sequential-requests", 300),
        ("--concurrent-requests", 800),
        ("--sweep-requests", 400),
        ("--sweep-passes", 2),
        ("--warmup", 20),
    ]:
        parser.add_argument(flag, type=int, default=default)
    parser.add_argument("--config", type=Path, help="a config.pbtxt to serve instead of ours")
    parser.add_argument(
        "--compare",
        choices=sorted(CANDIDATES),
        metavar="CANDIDATE",
        help="also serve this sweep candidate and measure it in every round",
    )
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds = 1
        args.inprocess_requests = 60
        args.sequential_requests = 60
        args.concurrent_requests = 160
        args.sweep_requests = 96
        args.sweep_passes = 1
        args.warmup = 8
    if args.only_sweep:
        args.sweep = True
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if not ONNX.exists():
        raise SystemExit(f"{ONNX} is missing: run triton_models/build.sh (make models)")
    machine = common.machine_info()
    photos = common.photo_paths()
    base_config = (args.config or MODEL_DIR / "config.pbtxt").read_text()
    body: list[str] = []
    notes: list[str] = []
    triton_version = ""
    ort_version = ""
    with tempfile.TemporaryDirectory(prefix="bench-inference-") as tmp_name:
        tmp = Path(tmp_name)
        tensors = prepare_tensors(photos)
        tensors_path = tmp / "tensors.npy"
        np.save(tensors_path, tensors)
        common.print_flush(
            f"{len(photos)} photos -> tensors {tensors.shape}; load {machine['loadavg']}"
        )

        if not args.only_sweep:
            rows: list[list[object]] = []
            ratios: list[float] = []
            candidate = CANDIDATES[args.compare] if args.compare else None
            candidate_ratios: list[float] = []
            repo = make_repository(tmp / "repo-main", base_config)
            with contextlib.ExitStack() as servers:
                server = servers.enter_context(TritonServer(repo, tmp / "triton-main.log"))
                other_server = None
                if candidate is not None:
                    other_repo = make_repository(
                        tmp / "repo-compare", render_config(base_config, candidate)
                    )
                    other_server = servers.enter_context(
                        TritonServer(other_repo, tmp / "triton-compare.log")
                    )
                triton_version = server.version
                for round_no in range(1, args.rounds + 1):
                    inproc: list[Result] = []
                    for spinning in (0, 1):
                        summary, ort_version, cpu_ms = run_inprocess(
                            tensors_path,
                            requests=args.inprocess_requests,
                            warmup=args.warmup,
                            intra=2,
                            spinning=spinning,
                        )
                        inproc.append(
                            Result(
                                f"onnxruntime in-process b1 (spinning {spinning})",
                                summary,
                                client_cpu_ms=cpu_ms,
                            )
                        )
                    baseline = max(r.summary.per_second for r in inproc)
                    triton = measure_triton(server, tensors, args, sequential=True)
                    ratios.append(triton[-1].summary.per_second / baseline)
                    if other_server is not None and candidate is not None:
                        tuned = measure_triton(other_server, tensors, args, sequential=False)[0]
                        tuned = replace(tuned, mode=f"{tuned.mode} ({candidate.name})")
                        triton.append(tuned)
                        candidate_ratios.append(tuned.summary.per_second / baseline)
                    rows += result_rows(round_no, [*inproc, *triton], baseline)
                    common.print_flush(common.table(HEADERS, rows[-len(inproc) - len(triton) :]))
                # For the reader: what batching alone buys onnxruntime on this CPU.
                for intra, spinning, batch in ((1, 0, 1), (2, 0, 8), (2, 1, 8)):
                    other, _, cpu_ms = run_inprocess(
                        tensors_path,
                        requests=max(8, args.inprocess_requests // batch),
                        warmup=2,
                        intra=intra,
                        spinning=spinning,
                        batch=batch,
                    )
                    rows.append(
                        [
                            "-",
                            f"onnxruntime in-process b{batch} intra {intra} (spinning "
                            f"{spinning}){'; latency per batch' if batch > 1 else ''}",
                            other.count,
                            other.per_second,
                            other.p50_ms,
                            other.p95_ms,
                            float(batch),
                            cpu_ms,
                            "-",
                            "-",
                        ]
                    )
            served = read_settings(base_config)
            body += [
                "### Inference: in-process vs Triton",
                "",
                f"Triton config: {', '.join(f'{k}={v}' for k, v in served.items())}.",
                "",
                common.table(HEADERS, rows),
                "",
                f"Triton {args.concurrency}-concurrent / in-process (best of spinning 0/1) per "
                f"round: {', '.join(f'{r:.2f}x' for r in ratios)}; median "
                f"{statistics.median(ratios):.2f}x (aim >= 0.90x).",
                "",
            ]
            if candidate is not None:
                body[-1:-1] = [
                    "",
                    f"With '{candidate.name}' ({candidate.describe()}), served side by side: "
                    f"{', '.join(f'{r:.2f}x' for r in candidate_ratios)}; median "
                    f"{statistics.median(candidate_ratios):.2f}x.",
                ]
            common.print_flush("\n" + "\n".join(body))

        if args.sweep:
            sweep_table = run_sweep(base_config, tensors, tmp, args)
            body += [
                f"### Triton config sweep ({args.concurrency} concurrent, "
                f"{args.sweep_requests} requests per pass, {args.sweep_passes} passes)",
                "",
                sweep_table,
                "",
            ]
            common.print_flush("\n" + sweep_table)
            notes.append(
                "sweep: every candidate ran once per pass, the passes in opposite orders; "
                "img/s of the best pass and of the other (other people's load comes and goes: "
                "the best pass is the least disturbed), CPU ms per image averaged over the passes "
                "(hardly affected by the load: the cost of the configuration itself)"
            )

    if not args.no_record:
        common.append_results(
            "Inference" + (" (quick)" if args.quick else ""),
            settings={
                "rounds": args.rounds,
                "concurrency": args.concurrency,
                "inprocess_requests": args.inprocess_requests,
                "sequential_requests": args.sequential_requests,
                "concurrent_requests": args.concurrent_requests,
                "photos": len(photos),
                "config": args.config or "triton_models/food_classifier/config.pbtxt",
                "compare": args.compare or "-",
            },
            body="\n".join(body),
            machine_start=machine,
            version_info=common.versions(
                tritonserver=triton_version, extra={"onnxruntime (in-process)": ort_version}
            ),
            notes=notes,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
