"""Small asyncio helpers the job loop and the scheduled jobs share: the worker's blocking calls
(database, Redis, storage) run in threads so jobs in flight never wait on each other."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.engine import Engine

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


def _settle(future: asyncio.Future[T], result: T | None, error: BaseException | None) -> None:
    if future.done():  # the caller gave up waiting (deadline, shutdown)
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)  # type: ignore[arg-type]


async def with_deadline(
    fn: Callable[..., T], *args: Any, timeout_s: float, error: Callable[[], BaseException]
) -> T:
    """`fn(*args)` in a daemon thread of its own, raising `error()` after `timeout_s`.

    For calls that can hang for ever (a photo read from a stuck disk or mount): the default
    executor's threads are joined at exit, so a hung call there would hold a worker slot and
    then shutdown; a daemon thread is left behind instead.
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def target() -> None:
        try:
            result, failure = fn(*args), None
        except BaseException as exc:  # handed to the awaiting task, not swallowed
            result, failure = None, exc
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(_settle, future, result, failure)

    threading.Thread(target=target, name="worker-deadline", daemon=True).start()
    try:
        return await asyncio.wait_for(future, timeout_s)
    except TimeoutError:
        raise error() from None
