"""The sweeper round: enqueue jobs the database says are waiting but Redis may not hold (the
upload ran while Redis was down, or Redis lost its data). One worker at a time runs a round,
under a Redis lease (see scheduled.py); a job enqueued twice is harmless, start_job drops the
second delivery."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.engine import Engine

from healthapp.job_queue import JobQueue
from healthapp.services import analysis
from healthapp.worker.runtime import in_transaction

log = logging.getLogger(__name__)


async def sweep(engine: Engine, queue: JobQueue, *, stale_after_s: float) -> list[int]:
    """One round; the job ids (re-)enqueued."""
    stale = await in_transaction(
        engine, analysis.stale_queued_jobs, older_than=timedelta(seconds=stale_after_s)
    )
    for job_id in stale:
        await asyncio.to_thread(queue.enqueue, job_id)
        await in_transaction(engine, analysis.mark_enqueued, job_id)
    if stale:
        log.info("sweeper enqueued %d waiting job(s): %s", len(stale), stale[:20])
    return stale
