"""What happens to one delivery of one job in the worker (the steps loop.py's docstring lists).

JobSteps is the half of Worker that handles one job: lease, start, read, decode, infer, store,
announce, ack, and the JSON line that records it. The process half (the loop, shutdown, health)
is in loop.py."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import redis
from sqlalchemy.engine import Engine

from healthapp.daemon_pool import DaemonPool
from healthapp.db import utcnow
from healthapp.inference.compact import decode_reduced, encode_small
from healthapp.inference.preprocess import decode, preprocess
from healthapp.inference.triton_client import FoodModelClient
from healthapp.job_queue import JobMessage, JobQueue
from healthapp.observability.logs import JOB_ID
from healthapp.services import analysis
from healthapp.services.analysis.recognition import Prediction, predict
from healthapp.services.meals.storage import (
    PhotoNotFound,
    PhotoReadTimeout,
    PhotoStorage,
    small_key,
)
from healthapp.worker import metrics
from healthapp.worker.config import WorkerConfig
from healthapp.worker.failure_policy import GAVE_UP, HANDLED, Action, Failure, classify, retry_delay
from healthapp.worker.lease import JobLeases
from healthapp.worker.runtime import in_transaction, with_deadline

if TYPE_CHECKING:
    import numpy as np

# The name the job lines are logged under (bench/pipeline.py reads them from the worker logs).
log = logging.getLogger("healthapp.worker")
T = TypeVar("T")


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


class JobSteps:
    config: WorkerConfig
    engine: Engine
    queue: JobQueue
    model_client: FoodModelClient
    storage: PhotoStorage
    leases: JobLeases
    read_threads: DaemonPool
    jobs_done: int
    jobs_failed: int
    last_job_at: datetime | None
    triton_ready: bool

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
        """The job's one line (and its count by outcome): fields after the message in text
        logs, top-level keys of the JSON line in JSON logs."""
        line = {**record, **{key: value for key, value in fields.items() if value is not None}}
        metrics.record_job(str(line.get("outcome", "")))
        log.info("analysis_job", extra={"fields": line})

    async def _process(self, message: JobMessage) -> None:
        """One delivery of one job; never raises (an unexpected error leaves it pending)."""
        JOB_ID.set(message.job_id)  # this task's own context: every line of the job names it
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
        metrics.JOB_ATTEMPTS.inc()
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
        metrics.record_steps(timings)
        if stored:
            status_key = "" if prediction.recognised else analysis.ERROR_NO_FOOD
            await self._announce(job, analysis.DONE, status_key)
            self.jobs_done += 1
            self.last_job_at = utcnow()
            metrics.record_result(
                "done" if prediction.recognised else "no_food",
                (self.last_job_at - job.created_at).total_seconds(),
                job.attempts,
            )
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

    async def _read(self, key: str) -> bytes:
        return await with_deadline(
            self.read_threads,
            self.storage.get,
            key,
            timeout_s=self.config.read_timeout_s,
            error=partial(PhotoReadTimeout, key, self.config.read_timeout_s),
        )

    async def _payload(
        self, job: analysis.JobInput, timings: dict[str, float]
    ) -> bytes | np.ndarray:
        """What the model is sent: the photo's small rendition as stored at upload (for a photo
        stored before renditions were made, one made from the photo now), or a float tensor of
        the photo for a model that takes those."""
        info = self.model_client.info
        takes_jpeg = info is None or info.takes_jpeg  # connect() ran before any job
        step = time.perf_counter()
        if takes_jpeg:
            with contextlib.suppress(PhotoNotFound):
                small = await self._read(small_key(job.storage_key))
                timings["read_ms"] = _ms(step)
                return small
        data = await self._read(job.storage_key)
        timings["read_ms"] = _ms(step)
        step = time.perf_counter()
        image = await asyncio.to_thread(decode_reduced if takes_jpeg else decode, data)
        timings["decode_ms"] = _ms(step)
        step = time.perf_counter()
        payload = await asyncio.to_thread(encode_small if takes_jpeg else preprocess, image)
        timings["preprocess_ms"] = _ms(step)
        return payload

    async def _analyse(self, job: analysis.JobInput, timings: dict[str, float]) -> Prediction:
        """Photo -> small JPEG (or float tensor, for a model that takes those) -> scores ->
        prediction; each step's time into `timings`."""
        payload = await self._payload(job, timings)
        step = time.perf_counter()
        failure: BaseException | None = None
        try:
            request_id = str(job.job_id)
            if isinstance(payload, bytes):
                output = await self.model_client.infer_jpeg([payload], request_id=request_id)
            else:
                output = await self.model_client.infer_tensor(payload, request_id=request_id)
        except BaseException as exc:
            failure = exc
            raise
        finally:
            metrics.record_triton(time.perf_counter() - step, failure)
        timings["infer_ms"] = _ms(step)
        prediction = predict(
            output.scores[0], k=self.config.top_k, model=self.model_client.model, timings_ms=timings
        )
        return dataclasses.replace(prediction, embedding=output.embedding[0])

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
            metrics.record_result(
                "failed", (self.last_job_at - job.created_at).total_seconds(), job.attempts
            )
            await self._announce(job, analysis.FAILED, error_key)
        if timings:
            metrics.record_steps(timings)
        self._log(
            record,
            outcome=outcome,
            error_key=error_key,
            retry_in_s=round(delay, 2) if delay else None,
            **(timings or {}),
        )
