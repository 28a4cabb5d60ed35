"""Shared helpers for the benchmarks: percentiles, machine and version facts, tables, ports,
process groups and the results file.

Nothing here asserts a speed: the benchmarks measure and record, the reader judges.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import math
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from healthapp.processes import descendants, stop_group

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "RESULTS.md"
TRITON_VENV = ROOT / "var" / "triton-venv"
PHOTOS_DIR = ROOT / "tests" / "fixtures" / "photos"
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
# Every server a benchmark starts listens on a port in this range (shared machines: other
# people's tests use the rest). Override with BENCH_PORT_RANGE=lo-hi.
DEFAULT_PORT_RANGE = (19000, 19999)


# --- statistics ------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between closest ranks, as
    numpy's default ("linear") method computes it; NaN for no values."""
    if not 0 <= q <= 100:
        raise ValueError(f"percentile must be within 0..100, got {q}")
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(ordered[low])
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


@dataclass(frozen=True)
class Summary:
    """Latencies (ms) of one measured run and the throughput it sustained."""

    count: int
    seconds: float
    p50_ms: float
    p95_ms: float
    mean_ms: float
    max_ms: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else math.nan


def summarize(latencies_ms: Sequence[float], seconds: float) -> Summary:
    """Summary of `latencies_ms` observed over `seconds` of wall-clock time."""
    count = len(latencies_ms)
    return Summary(
        count=count,
        seconds=seconds,
        p50_ms=percentile(latencies_ms, 50),
        p95_ms=percentile(latencies_ms, 95),
        mean_ms=(sum(latencies_ms) / count) if count else math.nan,
        max_ms=max(latencies_ms) if count else math.nan,
    )


def fmt(value: Any, digits: int = 1) -> str:
    """A table cell: floats rounded (NaN as "-"), everything else as str."""
    if isinstance(value, float):
        return "-" if math.isnan(value) else f"{value:.{digits}f}"
    return str(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table (also readable on a terminal)."""
    cells = [[fmt(cell) for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        if len(row) != len(headers):
            raise ValueError(f"row has {len(row)} cells, table has {len(headers)} columns")
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    out = [line(headers), "| " + " | ".join("-" * w for w in widths) + " |"]
    out += [line(row) for row in cells]
    return "\n".join(out)


# --- machine and versions --------------------------------------------------------------------


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for text in Path("/proc/cpuinfo").read_text().splitlines():
            if text.startswith("model name"):
                return text.split(":", 1)[1].strip()
    return platform.processor() or platform.machine()


def _mem_total_gib() -> float:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for text in Path("/proc/meminfo").read_text().splitlines():
            if text.startswith("MemTotal:"):
                return int(text.split()[1]) / 1024 / 1024
    return math.nan


def load_average() -> tuple[float, float, float]:
    try:
        return os.getloadavg()
    except OSError:
        return (math.nan, math.nan, math.nan)


def machine_info() -> dict[str, Any]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "ram_gib": round(_mem_total_gib(), 1),
        "loadavg": tuple(round(x, 2) for x in load_average()),
        "kernel": platform.release(),
    }


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def triton_venv_versions(venv: Path = TRITON_VENV) -> dict[str, str]:
    """onnxruntime / nvidia-pytriton (and so tritonserver) versions in Triton's own venv."""
    python = venv / "bin" / "python"
    if not python.exists():
        return {}
    code = (
        "import json; from importlib import metadata as m\n"
        "out = {}\n"
        "for n in ('onnxruntime', 'nvidia-pytriton', 'numpy'):\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    try:
        result = subprocess.run(
            [str(python), "-c", code], capture_output=True, text=True, timeout=60, check=True
        )
        return json.loads(result.stdout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return {}


# nvidia-pytriton release -> the tritonserver it bundles (from its release notes).
PYTRITON_TRITONSERVER = {"0.7.0": "2.51.0", "0.6.0": "2.50.0", "0.5.5": "2.49.0"}


def versions(*, tritonserver: str | None = None, extra: dict[str, str] | None = None) -> dict:
    """Versions that matter to the figures. `tritonserver`: what the running server said
    (GET /v2); otherwise taken from the pytriton wheel in Triton's venv."""
    triton_venv = triton_venv_versions()
    pytriton = triton_venv.get("nvidia-pytriton", "")
    out = {
        "python": platform.python_version(),
        "reflex": _dist_version("reflex"),
        "tritonserver": tritonserver or PYTRITON_TRITONSERVER.get(pytriton, "-"),
        "onnxruntime": triton_venv.get("onnxruntime", _dist_version("onnxruntime")),
        "tritonclient": _dist_version("tritonclient"),
        "numpy": _dist_version("numpy"),
    }
    out.update(extra or {})
    return out


# --- results file ----------------------------------------------------------------------------

RESULTS_HEADER = """# Benchmark results

Every benchmark appends one section here per run (newest last): date, machine (CPU, cores,
RAM, load average at start and end), versions, its settings and its figures. Times on these
shared 2-core machines are noisy: compare figures measured side by side in one run (ratios),
not absolute numbers across runs.

How to run (from the repository root, after `make deps` and `pip install -e '.[bench]'`):

- `make bench`: all of the CPU benchmarks below, one after another (~15 min).
- Inference, onnxruntime in-process vs Triton gRPC: `make bench-inference`
  (`python -m bench.inference`; smoke: `--quick`). The Triton config sweep, on temporary copies
  of the model repository: `make bench-inference-sweep` (`python -m bench.inference --only-sweep`).
- Meal pipeline, upload -> Redis -> worker -> Triton -> DB -> pub/sub: `make bench-pipeline`
  (`python -m bench.pipeline`; smoke: `--duration 10`).
- Web events, "save a glucose reading" over the Reflex websocket: `make bench-web`
  (`python -m bench.web_events`; smoke: `--duration 5 --clients 1,10`).
- GPU, TensorRT FP16 vs onnxruntime CUDA through Triton: `make bench-gpu`
  (`bash bench/gpu_triton.sh`); needs an NVIDIA GPU and a GPU tritonserver, fails at once
  without them.

Every server a benchmark starts listens on 127.0.0.1, on ports 19000-19999
(`BENCH_PORT_RANGE=lo-hi` to change), in its own process group, and is stopped at the end.
`--no-record` prints the tables without appending here.
"""


def append_results(
    title: str,
    *,
    settings: dict[str, Any],
    body: str,
    machine_start: dict[str, Any],
    version_info: dict[str, Any],
    path: Path = RESULTS,
    notes: Sequence[str] = (),
) -> None:
    """Append one run's section to the results file (created with its header when missing)."""
    end_load = tuple(round(x, 2) for x in load_average())
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = (
        f"{machine_start['cpu']}, {machine_start['cores']} cores "
        f"({machine_start['usable_cores']} usable), {machine_start['ram_gib']} GiB RAM, "
        f"load average {fmt_load(machine_start['loadavg'])} at start, "
        f"{fmt_load(end_load)} at end"
    )
    lines = [
        f"\n## {title} ({when})\n",
        f"- machine: {machine}",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in version_info.items()),
        "- settings: " + ", ".join(f"{k}={v}" for k, v in settings.items()),
        *(f"- {note}" for note in notes),
        "",
        body.rstrip(),
        "",
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # two benchmarks may finish at once
        handle.seek(0)
        if not handle.read(1):
            handle.write(RESULTS_HEADER)
        handle.seek(0, os.SEEK_END)
        handle.write("\n".join(lines))
        fcntl.flock(handle, fcntl.LOCK_UN)


def fmt_load(load: Sequence[float]) -> str:
    return "/".join(fmt(float(x), 2) for x in load)


# --- ports and processes ---------------------------------------------------------------------


def port_range() -> tuple[int, int]:
    raw = os.environ.get("BENCH_PORT_RANGE", "")
    if not raw:
        return DEFAULT_PORT_RANGE
    low, _, high = raw.partition("-")
    lo, hi = int(low), int(high)
    if not 1024 <= lo <= hi <= 65535:
        raise ValueError(f"BENCH_PORT_RANGE={raw!r}: want lo-hi within 1024-65535")
    return lo, hi


_handed_out: set[int] = set()


def free_port(host: str = "127.0.0.1", *, tries: int = 200) -> int:
    """A port in the benchmark range that nothing listens on now (and not handed out before
    by this process)."""
    lo, hi = port_range()
    for _ in range(tries):
        port = random.randint(lo, hi)  # noqa: S311 (not security)
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port in {lo}-{hi} after {tries} tries")


def rss_bytes(pid: int) -> int:
    """Resident set size of one process (0 if it is gone)."""
    try:
        for text in Path(f"/proc/{pid}/status").read_text().splitlines():
            if text.startswith("VmRSS:"):
                return int(text.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_rss_bytes(pid: int) -> int:
    """RSS of `pid` and all its descendants, added up (shared pages count once per process,
    as `ps` shows them: an upper bound on the memory the tree really holds)."""
    return sum(rss_bytes(p) for p in {pid, *descendants(pid)})


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (all its threads) so far; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # After the command: state(0) ppid(1) ... utime(11) stime(12).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of `pid` and its live descendants (children that exited are not counted)."""
    return sum(cpu_seconds(p) for p in {pid, *descendants(pid)})


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


@dataclass
class Group:
    """A process started in its own session/process group; `stop` ends the whole group."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path | None = None
    cleanup: list[Any] = field(default_factory=list)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, grace: float = 10.0) -> None:
        stop_group(self.process, grace=grace)
        for step in self.cleanup:
            step()


def start_group(
    name: str,
    argv: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
    cwd: Path = ROOT,
) -> Group:
    out = log_path.open("ab") if log_path else subprocess.DEVNULL
    try:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=env if env is not None else dict(os.environ),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    finally:
        if log_path:
            out.close()  # type: ignore[union-attr]
    return Group(name, process, log_path)


def wait_for(check: Any, *, timeout: float, what: str, group: Group | None = None) -> float:
    """Poll `check()` until true; seconds waited. Raises RuntimeError naming `what`."""
    started = time.monotonic()
    while True:
        if group is not None and not group.alive():
            hint = f"; see {group.log_path}" if group.log_path else ""
            raise RuntimeError(f"{what} exited with {group.process.returncode}{hint}")
        if check():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"{what} not ready after {timeout:.0f} s")
        time.sleep(0.2)


class Stack:
    """Process groups started by a benchmark, stopped in reverse order on exit or signal."""

    def __init__(self) -> None:
        self.groups: list[Group] = []

    def add(self, group: Group) -> Group:
        self.groups.append(group)
        return group

    def stop_all(self) -> None:
        while self.groups:
            group = self.groups.pop()
            with contextlib.suppress(Exception):
                group.stop()

    def __enter__(self) -> Stack:
        def _on_signal(signum: int, _frame: object) -> None:
            raise KeyboardInterrupt(signal.Signals(signum).name)

        signal.signal(signal.SIGTERM, _on_signal)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop_all()


# --- inputs ----------------------------------------------------------------------------------


def photo_paths(directory: Path = PHOTOS_DIR) -> list[Path]:
    paths = sorted(p for p in directory.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES)
    if not paths:
        raise SystemExit(f"no photos in {directory}")
    return paths


def redis_server_argv(port: int, data_dir: Path) -> list[str]:
    """A private, non-persistent redis-server (the launcher's flags) on `port`."""
    import shutil

    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    data_dir.mkdir(parents=True, exist_ok=True)
    return [
        binary,
        "--bind",
        "127.0.0.1",
        "--port",
        str(port),
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(data_dir),
        "--protected-mode",
        "yes",
    ]


def redis_ping(url: str) -> bool:
    """True once the redis-server at `url` answers."""
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@contextlib.contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as t: ...` then t[0] is the elapsed seconds."""
    box: list[float] = []
    started = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - started)


def print_flush(*args: Any) -> None:
    print(*args, flush=True)
    sys.stdout.flush()
