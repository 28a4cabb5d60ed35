"""ObserveEvents, the rx.App middleware that times every Reflex event: what it records when the
event's task ends, the handler label from Reflex's registry, and what it costs per event
(measured by bench/observe_events.py: it runs on every save)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
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


def test_in_multiprocess_mode_events_land_in_the_shared_files(tmp_path: Path) -> None:
    """As the web runs it: values in memory-mapped files under PROMETHEUS_MULTIPROC_DIR. (What
    it costs per event is measured by bench/observe_events.py.)"""
    env = {**os.environ, metrics.MULTIPROC_ENV: str(tmp_path), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", RECORD_CHILD], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert list(tmp_path.glob("histogram_*.db"))
    # the count in the files, before and after one event
    assert [float(n) for n in out.stdout.split()] == [0, 1]


RECORD_CHILD = """
import asyncio
from types import SimpleNamespace
from healthapp.state.observe import ObserveEvents
from tests.unit.state.test_observe import SUBMIT

from prometheus_client import CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector

def count():
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return sum(s.value for m in registry.collect() for s in m.samples
               if s.name == "healthapp_event_duration_seconds_count")

async def main():
    print(count())
    await asyncio.create_task(ObserveEvents().preprocess(None, None, SimpleNamespace(name=SUBMIT)))
    await asyncio.sleep(0)
    print(count())

asyncio.run(main())
"""
