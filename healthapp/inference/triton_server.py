"""Run NVIDIA Triton Inference Server on the CPU from the `nvidia-pytriton` wheel, in its own venv.

The wheel bundles a real `tritonserver` binary, the python backend and one python backend stub per
Python version. Triton gets a venv of its own (default `var/triton-venv`) because pytriton needs
numpy<2 and the food models' python backends need onnxruntime and Pillow; none of that belongs in
the app's venv.
In production the same model repository is served by NVIDIA's `tritonserver` container instead.

    python -m healthapp.inference.triton_server setup
    python -m healthapp.inference.triton_server serve --grpc-port 8001 --http-port 8000 \\
        --metrics-port 8002
    python -m healthapp.inference.triton_server command --grpc-port 8001   # print argv and env

Nothing here runs at import time; the functions are also used by the launcher and the tests.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from healthapp.processes import signal_group, stop_group

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_VENV = PROJECT_ROOT / "var" / "triton-venv"
DEFAULT_MODEL_REPOSITORY = PROJECT_ROOT / "triton_models"
# The CPU models: the ensemble `food_recognizer` (photo bytes in) and the two it chains, whose
# `food_classifier` also serves float tensors directly. The `_gpu` variants need a GPU Triton build.
DEFAULT_MODELS = ("food_preprocess", "food_classifier", "food_recognizer")
PYTHON_VERSION = "3.11"
# onnxruntime matches the version the export script verifies the ONNX file with; Pillow matches
# the app's, so food_preprocess resizes exactly as healthapp/inference/preprocess.py does.
TRITON_REQUIREMENTS = (
    "nvidia-pytriton==0.7.0",
    "onnxruntime==1.32.0",
    "numpy>=1.26,<2",
    "pillow==13.0.0",
)
INSTALL_RECORD = "triton-install.json"
SHM_ROOT = Path("/dev/shm")  # noqa: S108 (fixed by the python backend, not a temp dir)
# Python backend shared memory per model instance: a full batch of 32 images is 32 * 3*224*224 *
# 4 bytes = 19 MiB in, plus 32 * (1000 + 1280) * 4 bytes out; start at 16 MiB, grow by 16 MiB.
SHM_DEFAULT_BYTES = 16 * 1024 * 1024
SHM_GROWTH_BYTES = 16 * 1024 * 1024


class TritonSetupError(RuntimeError):
    """The Triton venv is missing, incomplete or cannot be built."""


@dataclass(frozen=True)
class TritonInstall:
    """Where the pieces of one Triton venv live (written to `<venv>/triton-install.json`)."""

    venv: str
    requirements: tuple[str, ...]
    python_version: str
    libdir: str
    tritonserver: str
    backends: str
    libs: str

    @property
    def bin_dir(self) -> Path:
        return Path(self.venv) / "bin"


def _run(argv: Sequence[str], *, timeout: float) -> str:
    result = subprocess.run(
        list(argv), capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise TritonSetupError(
            f"{shlex.join(argv)} failed ({result.returncode}):\n{result.stderr[-4000:]}"
        )
    return result.stdout


def _default_python() -> str:
    if sys.version_info[:2] == (3, 11):
        return sys.executable
    found = shutil.which(f"python{PYTHON_VERSION}")
    if not found:
        raise TritonSetupError(f"python{PYTHON_VERSION} not found on PATH")
    return found


_PROBE = """
import json, sys, sysconfig
print(json.dumps({
    "version": "%d.%d" % sys.version_info[:2],
    "libdir": sysconfig.get_config_var("LIBDIR"),
    "ldlibrary": sysconfig.get_config_var("LDLIBRARY"),
    "shared": bool(sysconfig.get_config_var("Py_ENABLE_SHARED")),
    "purelib": sysconfig.get_paths()["purelib"],
}))
"""


def load_install(venv_dir: Path = DEFAULT_VENV) -> TritonInstall:
    """The record `setup_triton` left in `venv_dir`; raises TritonSetupError when it is missing."""
    record = Path(venv_dir) / INSTALL_RECORD
    try:
        data = json.loads(record.read_text())
        install = TritonInstall(**{**data, "requirements": tuple(data["requirements"])})
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise TritonSetupError(
            f"no usable Triton venv at {venv_dir} ({exc}); run "
            "`python -m healthapp.inference.triton_server setup`"
        ) from exc
    for path in (install.tritonserver, install.backends, install.libs, install.libdir):
        if not Path(path).exists():
            raise TritonSetupError(f"{path} is missing; run the setup again")
    return install


def setup_triton(
    venv_dir: Path = DEFAULT_VENV,
    *,
    python: str | None = None,
    requirements: Sequence[str] = TRITON_REQUIREMENTS,
    force: bool = False,
) -> TritonInstall:
    """Create or update the Triton venv and its backends folder; idempotent and quick when current.

    Steps: a venv from a shared-library Python 3.11; pip install the requirements; copy
    `pytriton/tritonserver/backends` to `<venv>/triton-backends` and put the Python 3.11 backend
    stub into its `python/` folder (the wheel's backends folder has none); record the paths.
    """
    venv_dir = Path(venv_dir).resolve()
    requirements = tuple(requirements)
    if not force:
        with contextlib.suppress(TritonSetupError):
            install = load_install(venv_dir)
            if install.requirements == requirements:
                return install

    venv_python = venv_dir / "bin" / "python"
    if force and venv_dir.exists():
        shutil.rmtree(venv_dir)
    if not venv_python.exists():
        _run([python or _default_python(), "-m", "venv", str(venv_dir)], timeout=300)
    probe = json.loads(_run([str(venv_python), "-c", _PROBE], timeout=60))
    if probe["version"] != PYTHON_VERSION:
        raise TritonSetupError(f"{venv_python} is Python {probe['version']}, need {PYTHON_VERSION}")
    libdir = Path(probe["libdir"])
    if not probe["shared"] or not (libdir / probe["ldlibrary"]).exists():
        raise TritonSetupError(
            f"{venv_python} has no shared libpython in {libdir}: the backend stub needs one "
            "(pyenv: PYTHON_CONFIGURE_OPTS=--enable-shared)"
        )
    pip = [str(venv_python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    _run([*pip, *requirements], timeout=1800)

    site = Path(probe["purelib"])
    server_root = site / "pytriton" / "tritonserver"
    stub = server_root / "python_backend_stubs" / PYTHON_VERSION / "triton_python_backend_stub"
    tritonserver = server_root / "bin" / "tritonserver"
    libs = site / "nvidia_pytriton.libs"
    for path in (stub, tritonserver, libs, server_root / "backends" / "python"):
        if not path.exists():
            raise TritonSetupError(f"nvidia-pytriton layout changed: {path} not found")

    backends = venv_dir / "triton-backends"
    if backends.exists():
        shutil.rmtree(backends)
    shutil.copytree(server_root / "backends", backends)
    shutil.copy2(stub, backends / "python" / "triton_python_backend_stub")

    install = TritonInstall(
        venv=str(venv_dir),
        requirements=requirements,
        python_version=probe["version"],
        libdir=str(libdir),
        tritonserver=str(tritonserver),
        backends=str(backends),
        libs=str(libs),
    )
    (venv_dir / INSTALL_RECORD).write_text(json.dumps(asdict(install), indent=2) + "\n")
    return install


def shm_prefix(grpc_port: int) -> str:
    """The python backend's /dev/shm region prefix for a server on `grpc_port` (ours to clean)."""
    return f"healthapp_triton_{grpc_port}_"


def triton_command(
    model_repository: Path,
    grpc_port: int,
    http_port: int,
    metrics_port: int,
    *,
    venv_dir: Path = DEFAULT_VENV,
    host: str = "127.0.0.1",
    models: Sequence[str] = DEFAULT_MODELS,
    log_verbose: int = 0,
    base_env: dict[str, str] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The exact `tritonserver` argv and environment for serving `model_repository` on the CPU.

    Only `models` are loaded (explicit model control): a model that cannot load, such as the
    GPU variant on a CPU-only build, would otherwise stop the server at start-up.
    """
    install = load_install(venv_dir)
    argv = [
        install.tritonserver,
        f"--model-repository={Path(model_repository).resolve()}",
        f"--backend-directory={install.backends}",
        "--model-control-mode=explicit",
        *(f"--load-model={name}" for name in models),
        f"--grpc-address={host}",
        f"--grpc-port={grpc_port}",
        f"--http-address={host}",
        f"--http-port={http_port}",
        f"--metrics-address={host}",
        f"--metrics-port={metrics_port}",
        "--allow-gpu-metrics=false",
        f"--backend-config=python,shm-default-byte-size={SHM_DEFAULT_BYTES}",
        f"--backend-config=python,shm-growth-byte-size={SHM_GROWTH_BYTES}",
        f"--backend-config=python,shm-region-prefix-name={shm_prefix(grpc_port)}",
        "--exit-timeout-secs=10",
        f"--log-verbose={log_verbose}",
    ]

    env = dict(os.environ if base_env is None else base_env)
    for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "CONDA_PREFIX"):
        env.pop(name, None)
    # The stub is an embedded interpreter: it finds the venv's packages (onnxruntime, numpy<2)
    # through the first `python` on PATH, and must load the libpython of the venv's own Python,
    # not the one in nvidia_pytriton.libs (that is 3.13 and breaks multiprocessing).
    env["VIRTUAL_ENV"] = install.venv
    env["PATH"] = os.pathsep.join(p for p in (str(install.bin_dir), env.get("PATH", "")) if p)
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        p for p in (install.libdir, install.libs, env.get("LD_LIBRARY_PATH", "")) if p
    )
    return argv, env


def start_server(
    argv: Sequence[str], env: dict[str, str], *, log_path: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start tritonserver in its own process group (stop it with `stop_server`)."""
    if log_path is None:
        return subprocess.Popen(list(argv), env=env, start_new_session=True)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen(
            list(argv), env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT
        )


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (local http URL)
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_until_ready(
    http_port: int,
    *,
    host: str = "127.0.0.1",
    models: Sequence[str] = DEFAULT_MODELS,
    timeout: float = 60.0,
    process: subprocess.Popen[bytes] | None = None,
) -> float:
    """Wait for the server and `models` to be ready; returns the seconds waited.

    Raises TimeoutError, or RuntimeError at once if `process` exits first.
    """
    base = f"http://{host}:{http_port}/v2"
    urls = [f"{base}/health/ready", *(f"{base}/models/{name}/ready" for name in models)]
    started = time.monotonic()
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"tritonserver exited with code {process.returncode} before ready")
        if all(_http_ok(url) for url in urls):
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"Triton on {host}:{http_port} not ready after {timeout:.0f} s")
        time.sleep(0.2)


def cleanup_shm(grpc_port: int) -> list[Path]:
    """Remove python-backend shared memory left by a server on `grpc_port` that died uncleanly."""
    removed = []
    for path in SHM_ROOT.glob(f"{shm_prefix(grpc_port)}*"):
        with contextlib.suppress(OSError):
            path.unlink()
            removed.append(path)
    return removed


def stop_server(process: subprocess.Popen[bytes], grpc_port: int, *, timeout: float = 20.0) -> int:
    """SIGTERM the server's process group, SIGKILL it after `timeout`, clean its shared memory."""
    stop_group(process, grace=timeout)  # the backend stubs are in the same group
    cleanup_shm(grpc_port)
    return process.returncode


def _add_server_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model-repository", type=Path, default=DEFAULT_MODEL_REPOSITORY)
    parser.add_argument("--grpc-port", type=int, default=8001)
    parser.add_argument("--http-port", type=int, default=8000)
    parser.add_argument("--metrics-port", type=int, default=8002)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--model", action="append", dest="models", help="repeatable")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--log-verbose", type=int, default=0)


def _command_for(args: argparse.Namespace) -> tuple[list[str], dict[str, str]]:
    """triton_command for the options `_add_server_args` defines."""
    return triton_command(
        args.model_repository,
        args.grpc_port,
        args.http_port,
        args.metrics_port,
        venv_dir=args.venv,
        host=args.host,
        models=tuple(args.models or DEFAULT_MODELS),
        log_verbose=args.log_verbose,
    )


def _serve(args: argparse.Namespace) -> int:
    models = tuple(args.models or DEFAULT_MODELS)
    argv, env = _command_for(args)
    cleanup_shm(args.grpc_port)
    process = start_server(argv, env)
    stopping = False

    def _stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        signal_group(process.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        waited = wait_until_ready(
            args.http_port,
            host=args.host,
            models=models,
            timeout=args.ready_timeout,
            process=process,
        )
        print(
            f"Triton ready in {waited:.1f} s: grpc {args.host}:{args.grpc_port}, "
            f"http {args.http_port}, metrics {args.metrics_port}, models {', '.join(models)}",
            flush=True,
        )
        process.wait()
    except (RuntimeError, TimeoutError) as exc:
        if not stopping:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    finally:
        stop_server(process, args.grpc_port)
    return 0 if stopping else (process.returncode or 0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m healthapp.inference.triton_server")
    commands = parser.add_subparsers(dest="command", required=True)

    setup = commands.add_parser("setup", help="create or update the Triton venv")
    setup.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    setup.add_argument("--python", default=None, help="a Python 3.11 with a shared libpython")
    setup.add_argument("--force", action="store_true", help="rebuild the venv from scratch")

    serve = commands.add_parser("serve", help="run tritonserver in the foreground")
    _add_server_args(serve)
    serve.add_argument("--ready-timeout", type=float, default=90.0)

    command = commands.add_parser("command", help="print the tritonserver argv and environment")
    _add_server_args(command)

    args = parser.parse_args(argv)
    try:
        if args.command == "setup":
            started = time.monotonic()
            install = setup_triton(args.venv, python=args.python, force=args.force)
            print(f"Triton venv ready in {time.monotonic() - started:.0f} s: {install.venv}")
            print(f"  tritonserver {install.tritonserver}\n  backends     {install.backends}")
            return 0
        if args.command == "command":
            cmd, env = _command_for(args)
            for name in ("PATH", "LD_LIBRARY_PATH", "VIRTUAL_ENV"):
                print(f"{name}={shlex.quote(env[name])}")
            print(shlex.join(cmd))
            return 0
        return _serve(args)
    except TritonSetupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
