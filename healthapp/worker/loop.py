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
import json
import logging
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

import redis
from sqlalchemy.engine import Engine

from healthapp.db import utcnow
from healthapp.inference.preprocess import decode, preprocess
from healthapp.inference.triton_client import FoodModelClient, ModelMismatch
from healthapp.job_queue import JobMessage, JobQueue
from healthapp.services import analysis
from healthapp.services.analysis.recognition import Prediction, predict
from healthapp.services.meals.storage import PhotoReadTimeout, PhotoStorage
from healthapp.worker.config import WorkerConfig
from healthapp.worker.failure_policy import GAVE_UP, HANDLED, Action, Failure, classify, retry_delay
from healthapp.worker.health import HealthServer, check_health
from healthapp.worker.lease import JobLeases
from healthapp.worker.readiness import wait_for_redis, wait_for_triton
from healthapp.worker.runtime import in_transaction, pause, with_deadline
from healthapp.worker.scheduled import run_periodic, worker_jobs

# The name the job lines are logged under (bench/pipeline.py reads them from the worker logs).
log = logging.getLogger("healthapp.worker")
T = TypeVar("T")


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


class Worker:
    """One worker process: the job loop, with the periodic jobs and the health endpoint."""

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

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await in_transaction(self.engine, fn, *args, **kwargs)

    async def _redis(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def _publish(self, user_id: int, payload: dict[str, Any]) -> None:
        try:
            await self._redis(self.queue.announce, user_id, payload)
        except redis.RedisError as exc:  # the page also reloads on its own; never fail a job
            log.warning("announce failed for job %s: %s", payload.get("job_id"), exc)

    async def _announce(
        self, job: analysis.JobInput, status: str, error_key: str | None = None
    ) -> None:
        """Tell the meal page (on the user's channel) where the job stands."""
        payload: dict[str, Any] = {
            "job_id": job.job_id,
            "meal_id": job.meal_id,
            "photo_id": job.photo_id,
            "status": status,
        }
        if error_key is not None:
            payload["error_key"] = error_key
        await self._publish(job.user_id, payload)

    async def _ack(self, message: JobMessage) -> None:
        await self._redis(self.queue.ack, message)

    @staticmethod
    def _log(record: dict[str, Any], **fields: Any) -> None:
        line = {**record, **{key: value for key, value in fields.items() if value is not None}}
        log.info("%s", json.dumps(line, sort_keys=False))

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
                partial(check_health, self), self.config.health_host, self.config.health_port
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
                for job in worker_jobs(self.config, self.engine, self.queue, self.sweep_now)
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

    # --- one job -----------------------------------------------------------------------------

    async def _process(self, message: JobMessage) -> None:
        """One delivery of one job; never raises (an unexpected error leaves it pending)."""
        try:
            if await self._leased(message):
                async with self.leases.held(message):
                    await self._process_job(message)
        except Exception:
            log.exception("job %s: left pending for a later retry", message.job_id)

    async def _leased(self, message: JobMessage) -> bool:
        """Take the job's lease; False (nothing started, no attempt counted) when a live worker
        runs the job. Its own entry, reclaimed from it, stays pending for it to ack; any other
        copy is acked here, the holder's entry stands for the job."""
        holder = await self.leases.take(message)
        if holder is None:
            return True
        own_entry = holder.endswith(f" {message.message_id}")
        if not own_entry:
            await self._ack(message)
        self._log(
            {"event": "analysis_job", "job_id": message.job_id, "consumer": self.config.consumer},
            outcome="leased_elsewhere",
            deliveries=message.deliveries,
            acked=not own_entry,
        )
        return False

    async def _process_job(self, message: JobMessage) -> None:
        job_id = message.job_id
        started = time.perf_counter()
        record: dict[str, Any] = {
            "event": "analysis_job",
            "job_id": job_id,
            "consumer": self.config.consumer,
            "deliveries": message.deliveries,
        }
        job = await self._db(analysis.start_job, job_id)
        if job is None:
            # Done, failed or deleted already (a redelivery). Say it again in case the worker
            # that finished it died before announcing, then drop the entry.
            summary = await self._db(analysis.job_summary, job_id)
            if summary is not None and summary.status in analysis.FINAL_STATUSES:
                await self._publish(summary.user_id, summary.payload())
            await self._ack(message)
            self._log(record, outcome="duplicate", total_ms=_ms(started))
            return
        record.update(
            attempt=job.attempts,
            queued_ms=round((utcnow() - job.created_at).total_seconds() * 1000, 1),
        )
        if job.attempts > self.config.max_attempts:
            await self._fail(message, job, GAVE_UP, record=record)
            return
        await self._announce(job, analysis.ANALYSING)

        timings: dict[str, float] = {}
        try:
            prediction = await self._analyse(job, timings)
        except HANDLED as exc:
            failure = classify(exc)
            if failure.log == "traceback":
                log.exception("job %s: analysis failed", job_id)
            elif failure.log == "warning":
                log.warning("job %s: %s: %s", job_id, type(exc).__name__, exc)
            if failure.action is Action.WAIT:
                await self._put_back(message, job)
                self._log(
                    record,
                    outcome="waiting_for_triton",
                    error=str(exc)[:200],
                    total_ms=_ms(started),
                    **timings,
                )
            else:
                await self._fail(message, job, failure, record=record, timings=timings)
            return

        step = time.perf_counter()
        stored = await self._db(analysis.complete_job, job_id, prediction)
        timings["store_ms"] = _ms(step)
        if stored:
            status_key = "" if prediction.recognised else analysis.ERROR_NO_FOOD
            await self._announce(job, analysis.DONE, status_key)
            self.jobs_done += 1
            self.last_job_at = utcnow()
        await self._ack(message)
        estimate = prediction.estimate
        self._log(
            record,
            outcome=("done" if prediction.recognised else "no_food") if stored else "duplicate",
            food_id=estimate.food_id if estimate else None,
            score=estimate.score if estimate else prediction.candidates[0].score,
            total_ms=_ms(started),
            **timings,
        )

    async def _analyse(self, job: analysis.JobInput, timings: dict[str, float]) -> Prediction:
        """Photo -> image -> tensor -> scores -> prediction; each step's time into `timings`."""
        step = time.perf_counter()
        data = await with_deadline(
            self.storage.get,
            job.storage_key,
            timeout_s=self.config.read_timeout_s,
            error=partial(PhotoReadTimeout, job.storage_key, self.config.read_timeout_s),
        )
        timings["read_ms"] = _ms(step)
        step = time.perf_counter()
        image = await asyncio.to_thread(decode, data)
        timings["decode_ms"] = _ms(step)
        step = time.perf_counter()
        tensor = await asyncio.to_thread(preprocess, image)
        timings["preprocess_ms"] = _ms(step)
        step = time.perf_counter()
        scores = await self.model_client.infer(tensor, request_id=str(job.job_id))
        timings["infer_ms"] = _ms(step)
        return predict(
            scores[0], k=self.config.top_k, model=self.model_client.model, timings_ms=timings
        )

    async def _put_back(self, message: JobMessage, job: analysis.JobInput) -> None:
        """Triton is down: the job goes back to "queued" without an attempt, due again soon,
        and the job loop waits for Triton before it reads more."""
        self.triton_ready = False
        await self._db(analysis.release_job, job.job_id)
        await self._redis(self.queue.schedule_retry, job.job_id, self.config.unavailable_retry_s)
        await self._ack(message)
        await self._announce(job, analysis.QUEUED)

    async def _fail(
        self,
        message: JobMessage,
        job: analysis.JobInput,
        failure: Failure,
        *,
        record: dict[str, Any],
        timings: dict[str, float] | None = None,
    ) -> None:
        """Store a failed attempt, schedule the retry or announce the failure, then ack."""
        config, error_key = self.config, failure.error_key
        outcome = await self._db(
            analysis.fail_attempt,
            job.job_id,
            error_key,
            max_attempts=0 if failure.permanent else config.max_attempts,
        )
        delay = None
        if outcome == "retry":
            delay = retry_delay(job.attempts, base_s=config.retry_base_s, max_s=config.retry_max_s)
            await self._redis(self.queue.schedule_retry, job.job_id, delay)
        await self._ack(message)
        if outcome == "retry":
            await self._announce(job, analysis.QUEUED, error_key)
        elif outcome == "failed":
            self.jobs_failed += 1
            self.last_job_at = utcnow()
            await self._announce(job, analysis.FAILED, error_key)
        self._log(
            record,
            outcome=outcome,
            error_key=error_key,
            retry_in_s=round(delay, 2) if delay else None,
            **(timings or {}),
        )
