"""The daemon-thread pool for calls that can hang: results, errors, growth up to its size, and
calls whose caller gave up before they started."""

from __future__ import annotations

import threading
from concurrent.futures import TimeoutError as FutureTimeout

import pytest

from healthapp.daemon_pool import DaemonPool


def test_results_and_errors_reach_the_caller() -> None:
    pool = DaemonPool(2, "test-pool")
    assert pool.submit(lambda a, b: a * b, 6, 7).result(5) == 42

    def broken() -> None:
        raise PermissionError("denied")

    with pytest.raises(PermissionError, match="denied"):
        pool.submit(broken).result(5)


def test_threads_start_as_calls_need_them_and_never_beyond_the_size() -> None:
    pool = DaemonPool(2, "test-grow")
    assert pool.threads == 0
    assert pool.submit(lambda: 1).result(5) == 1
    assert pool.threads == 1
    pool.submit(lambda: 2).result(5)  # the idle thread takes it: no new one
    assert pool.threads == 1
    release = threading.Event()
    hung = [pool.submit(release.wait) for _ in range(3)]  # more than the pool has threads
    assert pool.threads == 2
    assert all(t.daemon for t in threading.enumerate() if t.name == "test-grow")
    release.set()
    assert all(future.result(5) for future in hung)


def test_a_call_given_up_on_before_it_started_is_skipped() -> None:
    pool = DaemonPool(1, "test-skip")
    release, ran = threading.Event(), []
    pool.submit(release.wait)  # holds the only thread
    waiting = pool.submit(ran.append, "late")
    with pytest.raises(FutureTimeout):
        waiting.result(0.05)
    assert waiting.cancel()
    release.set()
    assert pool.submit(lambda: "next").result(5) == "next"
    assert ran == []


def test_a_pool_needs_a_thread() -> None:
    with pytest.raises(ValueError, match="at least one"):
        DaemonPool(0, "none")
