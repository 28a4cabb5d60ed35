"""Small asyncio helpers the job loop and the scheduled jobs share: the worker's blocking calls
(database, Redis, storage) run in threads so jobs in flight never wait on each other."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.engine import Engine

from healthapp.daemon_pool import DaemonPool
from healthapp.db import session_scope

T = TypeVar("T")


async def pause(stop: asyncio.Event, seconds: float, wake: asyncio.Event | None = None) -> None:
    """Sleep, but wake at once when `stop` (or `wake`, which is then cleared) is set."""
    if wake is None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)
        return
    waiters = [asyncio.create_task(event.wait()) for event in (stop, wake)]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
        wake.clear()


def _in_session(engine: Engine, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with session_scope(engine) as db:
        return fn(db, *args, **kwargs)


async def in_transaction(engine: Engine, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(db, ...)` (a services function) in its own committed transaction, off the loop."""
    return await asyncio.to_thread(_in_session, engine, fn, *args, **kwargs)


async def with_deadline(
    threads: DaemonPool,
    fn: Callable[..., T],
    *args: Any,
    timeout_s: float,
    error: Callable[[], BaseException],
) -> T:
    """`fn(*args)` on one of `threads`, raising `error()` after `timeout_s`.

    For calls that can hang for ever (a photo read from a stuck disk, mount or object store):
    the default executor's threads are joined at exit, so a hung call there would hold a worker
    slot and then shutdown; a daemon thread of the pool is left behind instead.
    """
    try:
        return await asyncio.wait_for(asyncio.wrap_future(threads.submit(fn, *args)), timeout_s)
    except TimeoutError:
        raise error() from None
