"""The sweeper round: offer Redis every job the database says is open, so that a job Redis does
not hold (the upload ran while Redis was down, Redis lost its data, every worker that held it
died and its entry is gone) is enqueued again. Redis adds only the jobs it holds nowhere (not in
the stream, not in the retry set, not leased), in one script, so a waiting job is never doubled
and a long Triton outage, with its queue of waiting jobs, costs no attempts. One worker at a time
runs a round, under a Redis lease (see scheduled.py); the job loop wakes it at once when Redis
lost its data."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.engine import Engine

from healthapp.job_queue import JobQueue
from healthapp.services import analysis
from healthapp.worker.runtime import in_transaction

log = logging.getLogger(__name__)
PAGE = 500


async def sweep(engine: Engine, queue: JobQueue, *, analysing_idle_s: float) -> list[int]:
    """One round over every open job; the job ids (re-)enqueued."""
    added: list[int] = []
    after_id = 0
    while True:
        page = await in_transaction(
            engine,
            analysis.open_jobs_to_sweep,
            analysing_idle=timedelta(seconds=analysing_idle_s),
            after_id=after_id,
            limit=PAGE,
        )
        if not page:
            break
        enqueued = await asyncio.to_thread(queue.enqueue_missing, page)
        for job_id in enqueued:
            await in_transaction(engine, analysis.mark_enqueued, job_id)
        added += enqueued
        if len(page) < PAGE:
            break
        after_id = page[-1]
    if added:
        log.info("sweeper enqueued %d open job(s) Redis did not hold: %s", len(added), added[:20])
    return added
