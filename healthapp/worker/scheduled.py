"""Periodic jobs that run beside the job loop: the sweeper and the rank refreshes.

A job with a lease runs in one worker per lease period (the first to take the Redis lock);
every worker checks each interval, so the work goes on while any worker lives. Redis or
database errors are logged and the job tries again next interval.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

import redis
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from healthapp.job_queue import JobQueue
from healthapp.services.meals.storage import PhotoStorage
from healthapp.services.undo import UndoStore
from healthapp.worker.config import WorkerConfig
from healthapp.worker.rank_refresh import (
    DIRTY_INTERVAL_S,
    NEW_DAY_LEASE_MS,
    refresh_dirty,
    refresh_new_days,
)
from healthapp.worker.runtime import pause
from healthapp.worker.sweeper import sweep

log = logging.getLogger(__name__)

# Every worker checks this often; a purge is one sorted-set read when nothing is due.
UNDO_PURGE_INTERVAL_S = 5.0


@dataclass(frozen=True)
class Periodic:
    name: str  # in the logs, and the Redis lock's name when it has a lease
    run: Callable[[], Awaitable[object]]
    interval_s: float
    lease_ms: int | None = None  # None: every worker runs it
    first_delay_s: float = 0.0
    # Run again at once while it found work (a backlog drains without waiting an interval).
    repeat_while_busy: bool = False
    wake: asyncio.Event | None = None  # set: run now instead of at the end of the interval


async def run_periodic(job: Periodic, queue: JobQueue, stop: asyncio.Event) -> None:
    """Run `job` every `interval_s` until `stop` is set."""
    await pause(stop, job.first_delay_s)
    while not stop.is_set():
        try:
            if job.lease_ms is None or await asyncio.to_thread(
                queue.try_lock, job.name, job.lease_ms
            ):
                found = await job.run()
                if job.repeat_while_busy and found:
                    continue
        except (redis.RedisError, SQLAlchemyError) as exc:
            log.warning("%s: %s", job.name, exc)
        await pause(stop, job.interval_s, job.wake)


def worker_jobs(
    config: WorkerConfig,
    engine: Engine,
    queue: JobQueue,
    sweep_now: asyncio.Event | None = None,
    storage: PhotoStorage | None = None,
) -> list[Periodic]:
    """The periodic jobs every worker process runs; `sweep_now` wakes the sweeper early. With
    `storage`, the photo files of meal deletes nobody undid go once their window has passed."""
    # The lease runs out a little before the next check, so a lock still held from the last
    # round never makes the next one skip.
    sweep_lease_ms = max(1000, int(config.sweep_interval_s * 1000 * 0.9))
    first = min(2.0, config.sweep_interval_s)
    undo_purge = []
    if storage is not None:
        store, photos = UndoStore(queue.client, queue.prefix), storage
        undo_purge.append(Periodic("undo-purge", lambda: asyncio.to_thread(store.purge_due, photos),
                                   UNDO_PURGE_INTERVAL_S))  # fmt: skip
    return [
        *undo_purge,
        Periodic(
            "sweeper",
            # Analysing jobs are touched every third of a lease while their worker lives.
            partial(sweep, engine, queue, analysing_idle_s=config.lease_s),
            config.sweep_interval_s,
            lease_ms=sweep_lease_ms,
            first_delay_s=first,
            wake=sweep_now,
        ),
        Periodic(
            "rank-refresh",
            lambda: asyncio.to_thread(refresh_new_days, engine),
            config.sweep_interval_s,
            lease_ms=NEW_DAY_LEASE_MS,
            first_delay_s=first,
        ),
        Periodic(
            "rank-dirty",
            lambda: asyncio.to_thread(refresh_dirty, engine),
            DIRTY_INTERVAL_S,
            repeat_while_busy=True,
        ),
    ]
