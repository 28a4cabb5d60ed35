"""The worker's asyncio helpers: a pause that another event cuts short, and a call with a
deadline that leaves a hung call behind."""

from __future__ import annotations

import asyncio
import threading

import pytest

from healthapp.daemon_pool import DaemonPool
from healthapp.worker.runtime import pause, with_deadline
from tests.aio import run


class Stuck(Exception):
    pass


def test_a_pause_ends_when_woken_and_clears_the_wake_event() -> None:
    async def scenario() -> bool:
        stop, wake = asyncio.Event(), asyncio.Event()
        asyncio.get_running_loop().call_later(0.05, wake.set)
        await asyncio.wait_for(pause(stop, 60, wake), timeout=5)
        return wake.is_set()

    assert run(scenario()) is False


def test_a_pause_ends_when_stopped() -> None:
    async def scenario() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().call_later(0.05, stop.set)
        await asyncio.wait_for(pause(stop, 60, asyncio.Event()), timeout=5)

    run(scenario())


def test_with_deadline_returns_the_result_or_raises_its_error() -> None:
    async def scenario() -> int:
        return await with_deadline(
            DaemonPool(1, "test"), lambda a, b: a + b, 2, 3, timeout_s=5, error=Stuck
        )

    assert run(scenario()) == 5

    def broken() -> None:
        raise PermissionError("denied")

    with pytest.raises(PermissionError):
        run(with_deadline(DaemonPool(1, "test"), broken, timeout_s=5, error=Stuck))


def test_a_hung_call_raises_the_given_error_and_is_left_in_a_daemon_thread() -> None:
    threads = DaemonPool(2, "test-hung")
    release = threading.Event()
    with pytest.raises(Stuck):
        run(with_deadline(threads, release.wait, timeout_s=0.1, error=Stuck))
    hung = [t for t in threading.enumerate() if t.name == "test-hung"]
    assert hung
    assert all(t.daemon for t in hung)
    # The pool's other thread still serves while the first one hangs.
    assert run(with_deadline(threads, lambda: 7, timeout_s=5, error=Stuck)) == 7
    release.set()
