"""The job loop of one worker process.

Per job id from the stream: start_job (DB) -> photo bytes from private storage -> decode and
preprocess (Pillow, NumPy) -> Triton (gRPC, timeout, request id = job id) -> food mapping ->
complete_job (DB, idempotent) -> announce on the user's channel -> ack. Before start_job the
worker takes the job's lease in Redis and renews it (with the entry's idle time and the row's
updated_at) until it is done, so another delivery of the job neither starts it nor counts an
attempt (lease.py). The entry is acked only after the result (or the failure) is stored; a
worker that dies leaves it pending and another worker reclaims it after
`JOB_RECLAIM_IDLE_SECONDS`, once its lease ran out. A photo read has a deadline
(PHOTO_READ_TIMEOUT_SECONDS). What a failure leads to is in failure_policy.py; when Triton is
down the loop stops taking jobs until it is ready again.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial

import redis
from sqlalchemy.engine import Engine

from healthapp.daemon_pool import DaemonPool
from healthapp.inference.triton_client import FoodModelClient, ModelMismatch
from healthapp.job_queue import JobMessage, JobQueue
from healthapp.services.meals.storage import PhotoStorage
from healthapp.worker.config import WorkerConfig
from healthapp.worker.health import HealthServer, check_health
from healthapp.worker.job import JobSteps, log
from healthapp.worker.lease import JobLeases
from healthapp.worker.metrics import worker_exposition
from healthapp.worker.readiness import wait_for_redis, wait_for_triton
from healthapp.worker.runtime import pause
from healthapp.worker.scheduled import run_periodic, worker_jobs


class Worker(JobSteps):
    """One worker process: the job loop, with the periodic jobs and the health endpoint; what
    happens to one job is in JobSteps (job.py)."""

    def __init__(
        self,
        config: WorkerConfig,
        *,
        engine: Engine,
        queue: JobQueue,
        model_client: FoodModelClient,
        storage: PhotoStorage,
    ) -> None:
        self.config = config
        self.engine = engine
        self.queue = queue
        self.model_client = model_client
        self.storage = storage
        self.jobs_done = 0
        self.jobs_failed = 0
        self.last_job_at: datetime | None = None
        self.triton_ready = False
        self.redis_ok = False
        self.started = False
        self._stop = asyncio.Event()
        self._inflight: set[asyncio.Task[None]] = set()
        self.leases = JobLeases(queue, engine, consumer=config.consumer, lease_s=config.lease_s)
        # Photo reads: one per job in flight, and one spare beside a read that hangs.
        self.read_threads = DaemonPool(config.concurrency + 1, "photo-read")
        self.sweep_now = asyncio.Event()

    # --- plumbing ----------------------------------------------------------------------------

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def jobs_in_flight(self) -> int:
        return len(self._inflight)

    def stop(self) -> None:
        if not self._stop.is_set():
            log.info("stopping: finishing %d job(s) in hand", len(self._inflight))
        self._stop.set()

    async def _wait_for_redis(self) -> bool:
        self.redis_ok = await wait_for_redis(self.queue, self._stop)
        return self.redis_ok

    async def _wait_for_triton(self) -> bool:
        self.triton_ready = await wait_for_triton(self.model_client, self._stop)
        return self.triton_ready

    # --- the process -------------------------------------------------------------------------

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        # Threads for DB, Redis, storage and image work: every job in flight, the blocking
        # stream read, the periodic jobs and health checks, without waiting on each other.
        loop.set_default_executor(ThreadPoolExecutor(self.config.concurrency + 4, "worker"))
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        server = None
        if self.config.health_port:
            server = HealthServer(
                partial(check_health, self),
                self.config.health_host,
                self.config.health_port,
                metrics=partial(worker_exposition, self),
            )
            await server.start()
        periodic: list[asyncio.Task[None]] = []
        try:
            if not await self._wait_for_redis() or not await self._wait_for_triton():
                return 0  # asked to stop while waiting
            self.started = True
            log.info(
                "worker %s started (concurrency %d)", self.config.consumer, self.config.concurrency
            )
            periodic = [
                asyncio.create_task(run_periodic(job, self.queue, self._stop))
                for job in worker_jobs(
                    self.config, self.engine, self.queue, self.sweep_now, self.storage
                )
            ]
            await self._job_loop()
            return 0
        except ModelMismatch as exc:
            log.error("the served model cannot be used: %s", exc)
            return 2
        finally:
            self._stop.set()
            await self._finish_in_hand()
            for task in periodic:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if server is not None:
                await server.close()
            await self.model_client.close()
            log.info(
                "worker %s stopped: %d done, %d failed",
                self.config.consumer,
                self.jobs_done,
                self.jobs_failed,
            )

    async def _finish_in_hand(self) -> None:
        """Wait up to the shutdown grace for the jobs in hand; the rest are cut off and stay
        pending, so another worker reclaims them (their leases are released)."""
        if not self._inflight:
            return
        _done, left = await asyncio.wait(self._inflight, timeout=self.config.shutdown_grace_s)
        for task in left:
            task.cancel()
        if left:
            log.warning("shutdown grace over: %d job(s) left pending for others", len(left))
            await asyncio.gather(*left, return_exceptions=True)

    async def _job_loop(self) -> None:
        config = self.config
        reclaim_every = min(5.0, max(0.2, config.reclaim_idle_s / 2))
        next_reclaim = 0.0
        redis_delay = 0.25
        groups_seen = self.queue.groups_recreated
        while not self._stop.is_set():
            if not self.triton_ready:
                if not await self._wait_for_triton():
                    return
                continue
            free = config.concurrency - len(self._inflight)
            if free <= 0:
                await asyncio.wait(
                    self._inflight,
                    timeout=config.block_ms / 1000,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                continue
            try:
                await self._redis(self.queue.promote_due)
                messages: list[JobMessage] = []
                if time.monotonic() >= next_reclaim:
                    next_reclaim = time.monotonic() + reclaim_every
                    messages = await self._redis(
                        self.queue.reclaim,
                        config.consumer,
                        int(config.reclaim_idle_s * 1000),
                        free,
                    )
                    for message in messages:
                        log.info(
                            "reclaimed job %s (delivery %d)", message.job_id, message.deliveries
                        )
                if not messages:
                    messages = await self._redis(
                        self.queue.read, config.consumer, free, config.block_ms
                    )
                if self.queue.groups_recreated != groups_seen or not self.redis_ok:
                    # Redis lost its data or came back: the sweeper refills the stream now.
                    groups_seen = self.queue.groups_recreated
                    self.sweep_now.set()
                self.redis_ok = True
                redis_delay = 0.25
            except redis.RedisError as exc:
                self.redis_ok = False
                log.warning("Redis error (%s); retrying in %.1f s", exc, redis_delay)
                await pause(self._stop, redis_delay)
                redis_delay = min(redis_delay * 2, 5.0)
                continue
            for message in messages:
                task = asyncio.create_task(self._process(message))
                self._inflight.add(task)
                task.add_done_callback(self._inflight.discard)
