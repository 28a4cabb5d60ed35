"""ObserveEvents, the rx.App middleware that times every Reflex event: what it records when the
event's task ends, the handler label from Reflex's registry, and what it costs per event
(budget: 0.1 ms; it runs on every save)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from healthapp.observability import metrics
from healthapp.observability.logs import EVENT_ID
from healthapp.state.observe import ObserveEvents
from healthapp.state.records import GlucoseState
from tests.aio import run

ROOT = Path(__file__).resolve().parents[3]
SUBMIT = f"{GlucoseState.get_full_name()}.submit"
BUDGET_S = 100e-6


def value(name: str, **labels: str) -> float:
    return metrics.WEB.get_sample_value(name, labels) or 0.0


def test_the_label_is_the_handlers_own_name_from_the_registry() -> None:
    middleware = ObserveEvents()
    assert middleware.handler_label(SUBMIT) == "GlucoseState.submit"
    # Only registered names reach preprocess; anything else still gives a short label.
    assert middleware.handler_label("x.y.unknown") == "unknown"


async def _event(middleware: ObserveEvents, body: Any) -> None:
    async def handler() -> None:
        await middleware.preprocess(
            SimpleNamespace(), SimpleNamespace(), SimpleNamespace(name=SUBMIT)
        )  # type: ignore[arg-type]
        await body()

    task = asyncio.create_task(handler())
    with pytest.raises((ValueError, asyncio.CancelledError)) if body is not _quick else _nothing():
        await task
    await asyncio.sleep(0)  # done-callbacks run on the next loop iteration


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_exc: object) -> bool:
        return False


async def _quick() -> None:
    await asyncio.sleep(0.01)


async def _fails() -> None:
    raise ValueError("handler bug")


async def _cancelled() -> None:
    raise asyncio.CancelledError


def test_an_event_is_recorded_when_its_task_ends_with_its_outcome() -> None:
    handler = "GlucoseState.submit"
    before = {o: value("healthapp_events_total", handler=handler, outcome=o)
              for o in ("ok", "error", "cancelled")}  # fmt: skip
    count_before = value("healthapp_event_duration_seconds_count", handler=handler)
    middleware = ObserveEvents()
    # Looked up here: `run` starts a thread, whose context lacks Reflex's registry.
    assert middleware.handler_label(SUBMIT) == handler

    async def scenario() -> None:
        await _event(middleware, _quick)
        await _event(middleware, _fails)
        await _event(middleware, _cancelled)

    run(scenario())
    for outcome in ("ok", "error", "cancelled"):
        assert (
            value("healthapp_events_total", handler=handler, outcome=outcome) == before[outcome] + 1
        )
    assert value("healthapp_event_duration_seconds_count", handler=handler) == count_before + 3
    # The quick one slept 10 ms: it is in the 0.025 bucket, not the 0.005 one.
    assert value("healthapp_event_duration_seconds_bucket", handler=handler, le="0.025") >= 1


def test_the_event_id_is_set_in_the_events_task_only() -> None:
    seen: list[str] = []
    middleware = ObserveEvents()

    async def scenario() -> None:
        from reflex_base.event.context import EventContext

        async def handler() -> None:
            ctx = SimpleNamespace(txid="tx-123")
            token = EventContext.set(ctx)  # type: ignore[arg-type]
            try:
                await middleware.preprocess(
                    SimpleNamespace(), SimpleNamespace(), SimpleNamespace(name=SUBMIT)
                )  # type: ignore[arg-type]
            finally:
                EventContext.reset(token)
            seen.append(EVENT_ID.get())

        await asyncio.create_task(handler())
        seen.append(EVENT_ID.get())

    run(scenario())
    assert seen == ["tx-123", ""]


def per_event_cost(rounds: int = 5, events: int = 5000) -> float:
    """Seconds the middleware adds to one event: tasks that each run a trivial handler, with
    and without preprocess + the done-callback; the best of `rounds` (a loaded machine only
    makes a round slower)."""

    async def measure(with_middleware: bool) -> float:
        middleware = ObserveEvents()
        fake = SimpleNamespace(name=SUBMIT)

        async def handler() -> None:
            if with_middleware:
                await middleware.preprocess(None, None, fake)  # type: ignore[arg-type]

        best = float("inf")
        for _ in range(rounds):
            started = time.perf_counter()
            tasks = [asyncio.create_task(handler()) for _ in range(events)]
            await asyncio.gather(*tasks)
            await asyncio.sleep(0)
            best = min(best, time.perf_counter() - started)
        return best / events

    async def both() -> float:
        await measure(True)  # warm up: the label cache, the metric children
        return await measure(True) - await measure(False)

    return run(both())


def test_the_cost_per_event_is_under_a_tenth_of_a_millisecond() -> None:
    cost = per_event_cost()
    print(f"ObserveEvents: {cost * 1e6:.1f} us per event (in-process registry)")
    assert cost < BUDGET_S


COST_CHILD = """
from tests.unit.state.test_observe import per_event_cost
print(per_event_cost())
"""


def test_the_cost_per_event_in_multiprocess_mode(tmp_path: Path) -> None:
    """As the web runs it: values in memory-mapped files under PROMETHEUS_MULTIPROC_DIR."""
    env = {**os.environ, metrics.MULTIPROC_ENV: str(tmp_path), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", COST_CHILD], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    cost = float(out.stdout.strip().splitlines()[-1])
    print(f"ObserveEvents: {cost * 1e6:.1f} us per event (multiprocess mode)")
    assert list(tmp_path.glob("histogram_*.db"))
    assert cost < BUDGET_S
