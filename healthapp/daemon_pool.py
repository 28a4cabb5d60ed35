"""A few long-lived daemon threads for calls that can hang for ever (a photo read from a stuck
disk, network mount or object store), so the caller can stop waiting after a deadline.

A hung call keeps its thread and the others go on serving; a daemon thread never holds up the
process's exit (a ThreadPoolExecutor's threads are joined at exit). Threads start as calls need
them, up to `size`; when all of them hang, new calls wait in the queue and their callers' deadlines
run out. A call whose caller gave up before it started (its future cancelled) is skipped.
Starting a thread per call instead cost the worker about 2.5 ms of CPU per job (bench/RESULTS.md).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class DaemonPool:
    def __init__(self, size: int, name: str) -> None:
        if size < 1:
            raise ValueError("a DaemonPool needs at least one thread")
        self.size = size
        self.name = name
        self._calls: queue.SimpleQueue[tuple[Future[Any], Callable[..., Any], tuple[Any, ...]]]
        self._calls = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0

    @property
    def threads(self) -> int:
        return self._threads

    def submit(self, fn: Callable[..., T], /, *args: Any) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            self._calls.put((future, fn, args))
            if self._calls.qsize() > self._idle and self._threads < self.size:
                self._threads += 1
                threading.Thread(target=self._serve, name=self.name, daemon=True).start()
        return future

    def _serve(self) -> None:
        while True:
            with self._lock:
                self._idle += 1
            future, fn, args = self._calls.get()
            with self._lock:
                self._idle -= 1
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = fn(*args)
            except BaseException as exc:  # handed to the caller, not swallowed
                future.set_exception(exc)
            else:
                future.set_result(result)
