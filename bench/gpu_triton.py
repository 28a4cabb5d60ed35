"""GPU benchmark: TensorRT FP16 vs onnxruntime CUDA for the food model, through Triton.

    bash bench/gpu_triton.sh                       # both variants, batch 1 / 8 / 64
    bash bench/gpu_triton.sh --batches 1,8 --seconds 5
    python -m bench.gpu_triton --dry-run           # print the plan and the configs; no GPU needed

Needs an NVIDIA GPU (`nvidia-smi`) and a GPU build of Triton: either `tritonserver` on PATH with
its onnxruntime backend (NVIDIA's container: /opt/tritonserver), or `--docker IMAGE` to run
NVIDIA's container (`docker run --gpus=1`). Without them it stops at once and says what is
missing. It never touches triton_models/: two model folders are written to a temporary
repository, from triton_models/food_classifier_gpu/config.pbtxt and the same model.onnx:

- food_classifier_trt: onnxruntime_onnx with the TensorRT execution accelerator in FP16 (the
  committed GPU config, its optimisation profile and max_batch_size widened to the largest batch);
- food_classifier_cuda: the same without the accelerator: onnxruntime's CUDA execution provider
  in FP32.

Dynamic batching is removed so each request is exactly one batch of the size measured. For each
variant and batch size: perf_analyzer when present (`-b N`, `--concurrency-range C`), else a
tritonclient gRPC loop with C requests in flight for `--seconds`; images/s and p50/p95 latency per
request. The engine build at load (TensorRT) is timed separately. Figures go to the terminal,
`--out` (JSON) and bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import common

GPU_MODEL_DIR = common.ROOT / "triton_models" / "food_classifier_gpu"
ONNX = common.ROOT / "triton_models" / "food_classifier" / "1" / "model.onnx"
VARIANTS = ("trt", "cuda")
DEFAULT_IMAGE = "nvcr.io/nvidia/tritonserver:24.10-py3"


class NoGpu(SystemExit):
    """Raised (exit status 2) before anything starts when the machine cannot run this."""

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message

    def __str__(self) -> str:
        return self.message


def parse_batches(text: str) -> list[int]:
    values = sorted({int(x) for x in text.split(",") if x.strip()})
    if not values or values[0] < 1:
        raise argparse.ArgumentTypeError(f"batch sizes must be positive integers: {text!r}")
    return values


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bash bench/gpu_triton.sh", description=__doc__)
    parser.add_argument("--batches", type=parse_batches, default=[1, 8, 64])
    parser.add_argument("--variants", default=",".join(VARIANTS), help="trt,cuda")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight")
    parser.add_argument("--seconds", type=float, default=10.0, help="measurement per point")
    parser.add_argument("--tritonserver", default="", help="binary (default: PATH, /opt/...)")
    parser.add_argument("--docker", metavar="IMAGE", default="", help=f"e.g. {DEFAULT_IMAGE}")
    parser.add_argument("--perf-analyzer", default="", help="binary (default: PATH)")
    parser.add_argument("--python-client", action="store_true", help="skip perf_analyzer")
    parser.add_argument("--load-timeout", type=float, default=900.0, help="TensorRT build")
    parser.add_argument("--out", type=Path, default=None, help="JSON figures")
    parser.add_argument("--dry-run", action="store_true", help="plan and configs only")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args(argv)
    args.variant_list = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = set(args.variant_list) - set(VARIANTS)
    if unknown:
        parser.error(f"unknown variant(s) {sorted(unknown)}; choose from {VARIANTS}")
    if args.concurrency < 1 or args.seconds <= 0:
        parser.error("--concurrency must be >= 1 and --seconds > 0")
    return args


# --- configs -------------------------------------------------------------------------------------


def model_name(variant: str) -> str:
    return f"food_classifier_{variant}"


def render_gpu_config(base: str, variant: str, max_batch: int) -> str:
    """The committed GPU config for one variant: renamed, max batch widened to `max_batch`,
    no dynamic batching, and (cuda) without the TensorRT accelerator."""
    max_batch = max(max_batch, 1)
    text = re.sub(r'name:\s*"[^"]*"', f'name: "{model_name(variant)}"', base, count=1)
    text = re.sub(r"max_batch_size:\s*\d+", f"max_batch_size: {max_batch}", text, count=1)
    text = _drop_block(text, "dynamic_batching")
    text = re.sub(
        r'(trt_profile_max_shapes"\s*value:\s*"IMAGE:)\d+',
        lambda m: f"{m.group(1)}{max_batch}",
        text,
    )
    text = re.sub(
        r'(trt_profile_opt_shapes"\s*value:\s*"IMAGE:)\d+',
        lambda m: f"{m.group(1)}{min(max_batch, 16)}",
        text,
    )
    text = text.replace("/tmp/triton-trt-cache/food_classifier", "/tmp/triton-trt-cache/bench")  # noqa: S108
    if variant == "cuda":
        text = _drop_block(text, "optimization")
    return text


def _drop_block(text: str, name: str) -> str:
    """Remove `name { ... }` (balanced braces) from a pbtxt text."""
    match = re.search(rf"(?m)^\s*{name}\s*\{{", text)
    if not match:
        return text
    depth, index = 0, match.end() - 1
    while index < len(text):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[: match.start()] + text[index + 1 :]
        index += 1
    raise ValueError(f"unbalanced braces after {name}")


def write_repository(root: Path, variants: Sequence[str], max_batch: int) -> Path:
    base = (GPU_MODEL_DIR / "config.pbtxt").read_text()
    for variant in variants:
        folder = root / model_name(variant)
        (folder / "1").mkdir(parents=True)
        (folder / "config.pbtxt").write_text(render_gpu_config(base, variant, max_batch))
        shutil.copy2(common.ROOT / "triton_models" / "food_classifier" / "labels.txt", folder)
        shutil.copy2(ONNX, folder / "1" / "model.onnx")  # a copy: docker mounts cannot follow
    return root


# --- environment checks ----------------------------------------------------------------------


def gpu_names(runner: object = subprocess.run) -> list[str]:
    """GPU names from `nvidia-smi -L`; raises NoGpu when there is none."""
    if shutil.which("nvidia-smi") is None:
        raise NoGpu("no NVIDIA GPU here: nvidia-smi is not installed (this benchmark needs one)")
    try:
        out = runner(  # type: ignore[operator]
            ["nvidia-smi", "-L"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise NoGpu(f"nvidia-smi failed: {exc}") from exc
    names = [line.strip() for line in out.stdout.splitlines() if line.startswith("GPU ")]
    if out.returncode != 0 or not names:
        raise NoGpu(f"no NVIDIA GPU visible to nvidia-smi: {(out.stderr or out.stdout).strip()}")
    return names


def find_server(args: argparse.Namespace) -> list[str]:
    """argv prefix that runs a GPU tritonserver; raises NoGpu naming what is missing."""
    if args.docker:
        if shutil.which("docker") is None:
            raise NoGpu("--docker given but docker is not installed")
        return ["docker", "run", "--rm", "--gpus=1", "--network=host", "--shm-size=1g"]
    binary = args.tritonserver or shutil.which("tritonserver") or ""
    if not binary and Path("/opt/tritonserver/bin/tritonserver").exists():
        binary = "/opt/tritonserver/bin/tritonserver"
    if not binary:
        raise NoGpu(
            "no GPU tritonserver: run inside NVIDIA's container "
            f"({DEFAULT_IMAGE}), pass --tritonserver PATH, or --docker IMAGE"
        )
    backend = Path(binary).resolve().parent.parent / "backends" / "onnxruntime"
    if not backend.exists():
        raise NoGpu(
            f"{binary} has no onnxruntime backend ({backend} missing): the pytriton CPU build "
            "cannot run this; use NVIDIA's container"
        )
    return [binary]


# --- measuring -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    variant: str
    batch: int
    images_per_s: float
    p50_ms: float
    p95_ms: float
    tool: str


def parse_perf_analyzer_csv(text: str) -> tuple[float, float, float]:
    """(inferences/s, p50 ms, p95 ms) from perf_analyzer's `-f` CSV (latencies in usec)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        raise ValueError("perf_analyzer wrote no rows")
    row = rows[-1]
    return (
        float(row["Inferences/Second"]),
        float(row["p50 latency"]) / 1000,
        float(row["p95 latency"]) / 1000,
    )


def run_perf_analyzer(
    binary: str, model: str, batch: int, args: argparse.Namespace, grpc_port: int, tmp: Path
) -> Point:
    out = tmp / f"{model}-{batch}.csv"
    argv = [binary, "-m", model, "-b", str(batch), "-i", "grpc", "-u", f"127.0.0.1:{grpc_port}"]
    argv += ["--concurrency-range", str(args.concurrency), "-f", str(out)]
    argv += ["--measurement-interval", str(int(args.seconds * 1000)), "--percentile", "95"]
    subprocess.run(argv, check=True, timeout=args.seconds * 10 + 120, capture_output=True)
    rate, p50, p95 = parse_perf_analyzer_csv(out.read_text())
    # perf_analyzer counts inferences as requests x batch already.
    return Point(model, batch, rate, p50, p95, "perf_analyzer")


def run_python_client(model: str, batch: int, args: argparse.Namespace, grpc_port: int) -> Point:
    import asyncio

    import numpy as np
    import tritonclient.grpc.aio as grpcclient

    from healthapp.inference.preprocess import preprocess_bytes

    photos = [preprocess_bytes(p.read_bytes()) for p in common.photo_paths()]
    images = np.stack([photos[i % len(photos)] for i in range(batch)]).astype(np.float32)

    async def measure() -> tuple[list[float], float]:
        client = grpcclient.InferenceServerClient(f"127.0.0.1:{grpc_port}")
        tensor = grpcclient.InferInput("IMAGE", list(images.shape), "FP32")
        tensor.set_data_from_numpy(images)
        outputs = [grpcclient.InferRequestedOutput("SCORES")]
        for _ in range(3):
            await client.infer(model, [tensor], outputs=outputs)
        latencies: list[float] = []
        started = time.perf_counter()
        deadline = started + args.seconds

        async def lane() -> None:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                await client.infer(model, [tensor], outputs=outputs)
                latencies.append((time.perf_counter() - t0) * 1000)

        await asyncio.gather(*(lane() for _ in range(args.concurrency)))
        seconds = time.perf_counter() - started
        await client.close()
        return latencies, seconds

    latencies, seconds = asyncio.run(measure())
    summary = common.summarize(latencies, seconds)
    return Point(
        model, batch, summary.per_second * batch, summary.p50_ms, summary.p95_ms, "tritonclient"
    )


def server_argv(prefix: list[str], args: argparse.Namespace, repo: Path, ports: dict) -> list[str]:
    flags = [
        f"--grpc-port={ports['grpc']}",
        f"--http-port={ports['http']}",
        f"--metrics-port={ports['metrics']}",
        "--model-control-mode=explicit",
        *(f"--load-model={model_name(v)}" for v in args.variant_list),
        "--exit-timeout-secs=10",
    ]
    if prefix[0] == "docker":
        return [
            *prefix,
            "-v",
            f"{repo}:/models",
            args.docker,
            "tritonserver",
            "--model-repository=/models",
            *flags,
        ]
    return [*prefix, f"--model-repository={repo}", *flags]


def _ready(http_port: int, model: str) -> bool:
    try:
        url = f"http://127.0.0.1:{http_port}/v2/models/{model}/ready"
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    max_batch = max(args.batches)
    if args.dry_run:
        base = (GPU_MODEL_DIR / "config.pbtxt").read_text()
        print(
            f"plan: variants {args.variant_list} x batches {args.batches}, "
            f"concurrency {args.concurrency}, {args.seconds:g} s each"
        )
        for variant in args.variant_list:
            print(f"\n--- {model_name(variant)}/config.pbtxt ---")
            print(render_gpu_config(base, variant, max_batch))
        return 0
    try:
        gpus = gpu_names()
        prefix = find_server(args)
    except NoGpu as exc:
        print(f"bench/gpu_triton: {exc}", file=sys.stderr)
        return 2
    if not ONNX.exists():
        print(f"bench/gpu_triton: {ONNX} is missing: run triton_models/build.sh", file=sys.stderr)
        return 2
    perf = "" if args.python_client else (args.perf_analyzer or shutil.which("perf_analyzer"))
    machine = common.machine_info()
    points: list[Point] = []
    load_seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-gpu-") as tmp_name, common.Stack() as stack:
        tmp = Path(tmp_name)
        repo = write_repository(tmp / "repo", args.variant_list, max_batch)
        ports = {
            "grpc": common.free_port(),
            "http": common.free_port(),
            "metrics": common.free_port(),
        }
        started = time.monotonic()
        server = stack.add(
            common.start_group(
                "tritonserver",
                server_argv(prefix, args, repo, ports),
                env=dict(os.environ),
                log_path=tmp / "triton.log",
            )
        )
        for variant in args.variant_list:
            common.wait_for(
                lambda v=variant: _ready(ports["http"], model_name(v)),
                timeout=args.load_timeout,
                what=f"{model_name(variant)} (see the Triton log)",
                group=server,
            )
            load_seconds[variant] = time.monotonic() - started
        for variant in args.variant_list:
            for batch in args.batches:
                model = model_name(variant)
                if perf:
                    point = run_perf_analyzer(perf, model, batch, args, ports["grpc"], tmp)
                else:
                    point = run_python_client(model, batch, args, ports["grpc"])
                points.append(point)
                common.print_flush(
                    f"{model} b{batch}: {point.images_per_s:.0f} img/s, p50 {point.p50_ms:.2f} "
                    f"ms, p95 {point.p95_ms:.2f} ms ({point.tool})"
                )
    rows = []
    for batch in args.batches:
        by = {p.variant: p for p in points if p.batch == batch}
        trt, cuda = by.get(model_name("trt")), by.get(model_name("cuda"))
        for point in (trt, cuda):
            if point is None:
                continue
            ratio = trt.images_per_s / cuda.images_per_s if trt and cuda else float("nan")
            rows.append(
                [
                    point.variant,
                    batch,
                    point.images_per_s,
                    point.p50_ms,
                    point.p95_ms,
                    f"{ratio:.2f}x" if point is trt else "-",
                    point.tool,
                ]
            )
    body = "\n".join(
        [
            f"### GPU: TensorRT FP16 vs onnxruntime CUDA ({', '.join(gpus)})",
            "",
            common.table(
                ("model", "batch", "img/s", "p50 ms", "p95 ms", "TRT / CUDA", "tool"), rows
            ),
            "",
            "Load time (server start to model ready, TensorRT engine build included): "
            + ", ".join(f"{model_name(v)} {s:.0f} s" for v, s in load_seconds.items()),
            "",
        ]
    )
    print("\n" + body)
    if args.out:
        args.out.write_text(json.dumps([p.__dict__ for p in points], indent=2) + "\n")
    if not args.no_record:
        common.append_results(
            "GPU Triton",
            settings={
                "batches": args.batches,
                "concurrency": args.concurrency,
                "seconds": args.seconds,
                "server": " ".join(prefix),
            },
            body=body,
            machine_start=machine,
            version_info=common.versions(tritonserver=args.docker or "container"),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
