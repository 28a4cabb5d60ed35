"""A job's lease while one worker runs it: taken before start_job, renewed every third of its
length while the job runs (the Redis key, the stream entry's idle time, the row's updated_at),
released when the job is done. Another delivery of a leased job starts nothing and counts no
attempt; an entry of a dead worker is reclaimed only once its lease ran out (the lease lasts
three quarters of JOB_RECLAIM_IDLE_SECONDS)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator

import redis
from sqlalchemy.engine import Engine

from healthapp.job_queue import JobMessage, JobQueue
from healthapp.services import analysis
from healthapp.worker.runtime import in_transaction

log = logging.getLogger("healthapp.worker")


class JobLeases:
    """The leases of one worker process."""

    def __init__(self, queue: JobQueue, engine: Engine, *, consumer: str, lease_s: float) -> None:
        self.queue = queue
        self.engine = engine
        self.consumer = consumer
        self.lease_s = lease_s
        # A restarted worker with the same consumer name is not mistaken for the one that held
        # a lease before it died.
        self.owner = f"{consumer}/{secrets.token_hex(4)}"

    @property
    def _ttl_ms(self) -> int:
        return int(self.lease_s * 1000)

    async def take(self, message: JobMessage) -> str | None:
        """None when the lease is now ours; else the holder's "<owner> <entry id>"."""
        return await asyncio.to_thread(self.queue.take_lease, message, self.owner, self._ttl_ms)

    @contextlib.asynccontextmanager
    async def held(self, message: JobMessage) -> AsyncIterator[None]:
        """Renew the taken lease while the body runs; release it afterwards."""
        renewing = asyncio.create_task(self._renew(message))
        try:
            yield
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            with contextlib.suppress(redis.RedisError):
                await asyncio.to_thread(self.queue.release_lease, message, self.owner)

    async def _renew(self, message: JobMessage) -> None:
        while True:
            await asyncio.sleep(self.lease_s / 3)
            try:
                await asyncio.to_thread(
                    self.queue.renew_lease, message, self.owner, self.consumer, self._ttl_ms
                )
                # The sweeper leaves an analysing job alone while this is recent, even when
                # Redis lost the lease.
                await in_transaction(self.engine, analysis.touch_job, message.job_id)
            except Exception as exc:  # the job goes on; the next renewal tries again
                log.warning("job %s: lease renewal failed: %s", message.job_id, exc)
