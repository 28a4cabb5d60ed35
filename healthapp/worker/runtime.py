"""Small asyncio helpers the job loop and the scheduled jobs share: the worker's blocking calls
(database, Redis, storage) run in threads so jobs in flight never wait on each other."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.engine import Engine

from healthapp.db import session_scope

T = TypeVar("T")


async def pause(stop: asyncio.Event, seconds: float) -> None:
    """Sleep, but wake at once when `stop` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def _in_session(engine: Engine, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with session_scope(engine) as db:
        return fn(db, *args, **kwargs)


async def in_transaction(engine: Engine, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`fn(db, ...)` (a services function) in its own committed transaction, off the loop."""
    return await asyncio.to_thread(_in_session, engine, fn, *args, **kwargs)
