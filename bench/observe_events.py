"""What the event metrics middleware (healthapp/state/observe.py) costs per Reflex event, in
process and in multiprocess mode (values in memory-mapped files under PROMETHEUS_MULTIPROC_DIR,
as the web runs with several granian workers). Aim: under 0.1 ms, since it runs on every save.

    python -m bench.observe_events            # appends to bench/RESULTS.md
    python -m bench.observe_events --no-record

Each figure is the best of 5 rounds of 5,000 tasks that run a trivial handler, with the
middleware's preprocess and done-callback minus without (a loaded machine only makes a round
slower)."""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from bench import common

ROOT = Path(__file__).resolve().parents[1]
CHILD = "from bench.observe_events import per_event_cost; print(per_event_cost())"


def per_event_cost(rounds: int = 5, events: int = 5000) -> float:
    from healthapp.state.observe import ObserveEvents
    from healthapp.state.records import GlucoseState

    fake = SimpleNamespace(name=f"{GlucoseState.get_full_name()}.submit")

    async def measure(with_middleware: bool) -> float:
        middleware = ObserveEvents()

        async def handler() -> None:
            if with_middleware:
                await middleware.preprocess(None, None, fake)  # type: ignore[arg-type]

        best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            await asyncio.gather(*(asyncio.create_task(handler()) for _ in range(events)))
            await asyncio.sleep(0)
            best = min(best, time.perf_counter() - started)
        return best / events

    async def both() -> float:
        await measure(True)  # warm up: the label cache, the metric children
        return await measure(True) - await measure(False)

    return asyncio.run(both())


def multiprocess_cost() -> float:
    from healthapp.observability import metrics

    with tempfile.TemporaryDirectory(prefix="bench-observe-") as folder:
        env = {**os.environ, metrics.MULTIPROC_ENV: folder, "PYTHONPATH": str(ROOT)}
        out = subprocess.run([sys.executable, "-c", CHILD], env=env, cwd=ROOT, check=True,
                             capture_output=True, text=True, timeout=300)  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args()
    machine = common.machine_info()
    rows = [["in-process registry", per_event_cost() * 1e6],
            ["multiprocess (PROMETHEUS_MULTIPROC_DIR)", multiprocess_cost() * 1e6]]  # fmt: skip
    body = common.table(["mode", "us per event"], rows)
    common.print_flush(body)
    if not args.no_record:
        common.append_results("Event metrics middleware", settings={"rounds": 5, "events": 5000},
                              body=body, machine_start=machine,
                              version_info=common.versions())  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
