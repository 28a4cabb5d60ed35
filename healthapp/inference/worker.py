"""The meal photo analysis worker: `python -m healthapp.inference.worker --consumer NAME
--health-port N`. Run any number of them; they share the Redis consumer group.

Per job id from the stream: start_job (DB) -> photo bytes from private storage -> decode and
preprocess (Pillow, NumPy) -> Triton (gRPC, timeout, request id = job id) -> food mapping ->
complete_job (DB, idempotent) -> announce on the user's channel -> ack. The entry is acked only
after the result (or the failure) is stored; a worker that dies leaves it pending and another
worker reclaims it after `JOB_RECLAIM_IDLE_SECONDS`.

Failures: a failed attempt goes back to "queued" and into the retry set with exponential backoff;
after `JOB_MAX_ATTEMPTS` it is "failed" with an error key the person sees (and can retry).
A missing photo or an undecodable image fails at once. Triton down (UNAVAILABLE) is nobody's
fault: the job goes back to "queued" without counting an attempt, and the worker stops taking
jobs until Triton is ready again (polling with backoff), so jobs wait and finish after it returns.
A sweeper (one worker at a time, under a Redis lease) enqueues jobs the database says are
waiting but Redis may not hold: the upload ran while Redis was down, or Redis lost its data.

Health: GET /healthz on --health-port answers JSON {status, triton_ready, redis_ok, jobs_done,
jobs_failed, last_job_at, ...}: 200 when Redis and Triton answer, 503 otherwise.
SIGTERM/SIGINT: stop reading, finish the jobs in hand, exit 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import socket
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import redis
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from healthapp.db import get_engine, make_engine, session_scope, utcnow
from healthapp.inference.preprocess import ImageDecodeError, decode, preprocess
from healthapp.inference.triton_client import (
    FoodModelClient,
    ModelMismatch,
    TritonError,
    TritonTimeout,
    TritonUnavailable,
)
from healthapp.job_queue import JobMessage, JobQueue
from healthapp.services import analysis, ranking
from healthapp.services.analysis.recognition import TOP_K, predict
from healthapp.services.meals.storage import PhotoNotFound, PhotoStorage, default_photo_storage

log = logging.getLogger("healthapp.worker")
T = TypeVar("T")
# Once an hour, in one worker: users whose local day began in the last 65 minutes (overlap, so a
# late round misses nobody) get their rank metrics rolled into the new period.
RANK_REFRESH_LEASE_MS = 55 * 60 * 1000
RANK_REFRESH_WINDOW = timedelta(minutes=65)
RANK_DIRTY_INTERVAL_S = 5.0


@dataclass
class WorkerConfig:
    consumer: str
    model: str = "food_classifier"
    health_host: str = "127.0.0.1"
    health_port: int = 0  # 0: no health server
    concurrency: int = 4  # jobs in flight per worker (Triton batches concurrent requests)
    block_ms: int = 1000
    max_attempts: int = 5
    reclaim_idle_s: float = 30.0
    retry_base_s: float = 2.0
    retry_max_s: float = 60.0
    unavailable_retry_s: float = 1.0
    sweep_interval_s: float = 30.0
    stale_after_s: float = 120.0
    top_k: int = TOP_K


def retry_delay(attempts: int, *, base_s: float, max_s: float, jitter: float = 0.2) -> float:
    """Exponential backoff after the `attempts`-th failed attempt: base, 2 base, 4 base, ...
    capped at `max_s`, spread by +-`jitter` so failed jobs do not come back all at once."""
    delay = min(max_s, base_s * 2 ** max(0, attempts - 1))
    return delay * random.uniform(1 - jitter, 1 + jitter)  # noqa: S311 (not security)


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


class Worker:
    """One worker process: the job loop, the sweeper and the health endpoint."""

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

    # --- plumbing ----------------------------------------------------------------------------

    def stop(self) -> None:
        if not self._stop.is_set():
            log.info("stopping: finishing %d job(s) in hand", len(self._inflight))
        self._stop.set()

    async def _sleep(self, seconds: float) -> None:
        """Sleep, but wake at once when asked to stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)

    def _in_session(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with session_scope(self.engine) as db:
            return fn(db, *args, **kwargs)

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A services.analysis function in its own committed transaction, off the event loop."""
        return await asyncio.to_thread(self._in_session, fn, *args, **kwargs)

    async def _redis(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def _announce(self, user_id: int, payload: dict[str, Any]) -> None:
        try:
            await self._redis(self.queue.announce, user_id, payload)
        except redis.RedisError as exc:  # the page also reloads on its own; never fail a job
            log.warning("announce failed for job %s: %s", payload.get("job_id"), exc)

    # --- start-up ----------------------------------------------------------------------------

    async def _wait_for_redis(self) -> bool:
        delay = 0.25
        while not self._stop.is_set():
            try:
                await self._redis(self.queue.ensure_group)
                self.redis_ok = True
                return True
            except redis.RedisError as exc:
                self.redis_ok = False
                log.warning("Redis not available (%s); retrying in %.1f s", exc, delay)
                await self._sleep(delay)
                delay = min(delay * 2, 5.0)
        return False

    async def _wait_for_triton(self) -> bool:
        """Until Triton and the model are ready (checking metadata once); False when stopping."""
        delay, tries = 0.25, 0
        while not self._stop.is_set():
            try:
                if self.model_client.info is None:
                    info = await self.model_client.connect()
                    log.info(
                        "Triton model %s ready at %s: inputs %s, outputs %s",
                        info.name,
                        self.model_client.url,
                        info.inputs,
                        info.outputs,
                    )
                    self.triton_ready = True
                    return True
                if await self.model_client.is_ready():
                    log.info("Triton is ready again at %s", self.model_client.url)
                    self.triton_ready = True
                    return True
            except ModelMismatch:
                raise
            except TritonError as exc:
                log.info("waiting for Triton at %s: %s", self.model_client.url, exc)
            tries += 1
            if tries % 10 == 0:  # a fresh channel, in case the old one is stuck in backoff
                await self.model_client.close()
            await self._sleep(delay)
            delay = min(delay * 2, 2.0)
        return False

    # --- the job loop ------------------------------------------------------------------------

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        # Threads for DB, Redis, storage and image work: every job in flight, the blocking
        # stream read, the sweeper and health checks, without waiting on each other.
        loop.set_default_executor(ThreadPoolExecutor(self.config.concurrency + 4, "worker"))
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        server = await self._start_health_server()
        sweeper: asyncio.Task[None] | None = None
        ranks: asyncio.Task[None] | None = None
        try:
            if not await self._wait_for_redis() or not await self._wait_for_triton():
                return 0
            self.started = True
            log.info(
                "worker %s started (concurrency %d)", self.config.consumer, self.config.concurrency
            )
            sweeper = asyncio.create_task(self._sweeper())
            ranks = asyncio.create_task(self._rank_loop())
            await self._job_loop()
            return 0
        except ModelMismatch as exc:
            log.error("the served model cannot be used: %s", exc)
            return 2
        finally:
            self._stop.set()
            if self._inflight:
                await asyncio.gather(*self._inflight, return_exceptions=True)
            for task in (sweeper, ranks):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            if server is not None:
                server.close()
                await server.wait_closed()
            await self.model_client.close()
            log.info(
                "worker %s stopped: %d done, %d failed",
                self.config.consumer,
                self.jobs_done,
                self.jobs_failed,
            )

    async def _job_loop(self) -> None:
        config = self.config
        reclaim_every = min(5.0, max(0.2, config.reclaim_idle_s / 2))
        next_reclaim = 0.0
        redis_delay = 0.25
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
                self.redis_ok = True
                redis_delay = 0.25
            except redis.RedisError as exc:
                self.redis_ok = False
                log.warning("Redis error (%s); retrying in %.1f s", exc, redis_delay)
                await self._sleep(redis_delay)
                redis_delay = min(redis_delay * 2, 5.0)
                continue
            for message in messages:
                task = asyncio.create_task(self._process(message))
                self._inflight.add(task)
                task.add_done_callback(self._inflight.discard)

    async def _process(self, message: JobMessage) -> None:
        """One delivery of one job; never raises (an unexpected error leaves it pending)."""
        try:
            await self._process_job(message)
        except Exception:
            log.exception("job %s: left pending for a later retry", message.job_id)

    async def _ack(self, message: JobMessage) -> None:
        await self._redis(self.queue.ack, message.message_id)

    async def _process_job(self, message: JobMessage) -> None:
        config, job_id = self.config, message.job_id
        started = time.perf_counter()
        record: dict[str, Any] = {
            "event": "analysis_job",
            "job_id": job_id,
            "consumer": config.consumer,
            "deliveries": message.deliveries,
        }
        job = await self._db(analysis.start_job, job_id)
        if job is None:
            # Done, failed or deleted already (a redelivery). Say it again in case the worker
            # that finished it died before announcing, then drop the entry.
            summary = await self._db(analysis.job_summary, job_id)
            if summary is not None and summary.status in analysis.FINAL_STATUSES:
                await self._announce(summary.user_id, summary.payload())
            await self._ack(message)
            self._log(record, outcome="duplicate", total_ms=_ms(started))
            return
        record.update(
            attempt=job.attempts,
            queued_ms=round((utcnow() - job.created_at).total_seconds() * 1000, 1),
        )
        payload = {"job_id": job_id, "meal_id": job.meal_id, "photo_id": job.photo_id}
        if job.attempts > config.max_attempts:
            # Started too often without an answer (workers died on it): stop here.
            await self._fail(message, job, analysis.ERROR_GAVE_UP, permanent=True, record=record)
            return
        await self._announce(job.user_id, {**payload, "status": analysis.ANALYSING})

        timings: dict[str, float] = {}
        try:
            step = time.perf_counter()
            data = await asyncio.to_thread(self.storage.get, job.storage_key)
            timings["read_ms"] = _ms(step)
            step = time.perf_counter()
            image = await asyncio.to_thread(decode, data)
            timings["decode_ms"] = _ms(step)
            step = time.perf_counter()
            tensor = await asyncio.to_thread(preprocess, image)
            timings["preprocess_ms"] = _ms(step)
            step = time.perf_counter()
            scores = await self.model_client.infer(tensor, request_id=str(job_id))
            timings["infer_ms"] = _ms(step)
            prediction = predict(
                scores[0], k=config.top_k, model=self.model_client.model, timings_ms=timings
            )
        except TritonUnavailable as exc:
            self.triton_ready = False
            await self._db(analysis.release_job, job_id)
            await self._redis(self.queue.schedule_retry, job_id, config.unavailable_retry_s)
            await self._ack(message)
            await self._announce(job.user_id, {**payload, "status": analysis.QUEUED})
            self._log(
                record,
                outcome="waiting_for_triton",
                error=str(exc)[:200],
                total_ms=_ms(started),
                **timings,
            )
            return
        except PhotoNotFound:
            await self._fail(
                message,
                job,
                analysis.ERROR_PHOTO_MISSING,
                permanent=True,
                record=record,
                timings=timings,
            )
            return
        except ImageDecodeError:
            await self._fail(
                message,
                job,
                analysis.ERROR_BAD_IMAGE,
                permanent=True,
                record=record,
                timings=timings,
            )
            return
        except TritonTimeout:
            await self._fail(message, job, analysis.ERROR_TIMEOUT, record=record, timings=timings)
            return
        except TritonError as exc:
            log.warning("job %s: Triton error %s: %s", job_id, exc.status, exc)
            await self._fail(message, job, analysis.ERROR_MODEL, record=record, timings=timings)
            return
        except (OSError, ValueError, RuntimeError):
            log.exception("job %s: analysis failed", job_id)
            await self._fail(message, job, analysis.ERROR_INTERNAL, record=record, timings=timings)
            return

        step = time.perf_counter()
        stored = await self._db(analysis.complete_job, job_id, prediction)
        timings["store_ms"] = _ms(step)
        if stored:
            status_key = "" if prediction.recognised else analysis.ERROR_NO_FOOD
            await self._announce(
                job.user_id, {**payload, "status": analysis.DONE, "error_key": status_key}
            )
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

    async def _fail(
        self,
        message: JobMessage,
        job: analysis.JobInput,
        error_key: str,
        *,
        record: dict[str, Any],
        permanent: bool = False,
        timings: dict[str, float] | None = None,
    ) -> None:
        """Store a failed attempt, schedule the retry or announce the failure, then ack."""
        config = self.config
        outcome = await self._db(
            analysis.fail_attempt,
            job.job_id,
            error_key,
            max_attempts=0 if permanent else config.max_attempts,
        )
        payload = {"job_id": job.job_id, "meal_id": job.meal_id, "photo_id": job.photo_id}
        delay = None
        if outcome == "retry":
            delay = retry_delay(job.attempts, base_s=config.retry_base_s, max_s=config.retry_max_s)
            await self._redis(self.queue.schedule_retry, job.job_id, delay)
        await self._ack(message)
        if outcome == "retry":
            await self._announce(
                job.user_id, {**payload, "status": analysis.QUEUED, "error_key": error_key}
            )
        elif outcome == "failed":
            self.jobs_failed += 1
            self.last_job_at = utcnow()
            await self._announce(
                job.user_id, {**payload, "status": analysis.FAILED, "error_key": error_key}
            )
        self._log(
            record,
            outcome=outcome,
            error_key=error_key,
            retry_in_s=round(delay, 2) if delay else None,
            **(timings or {}),
        )

    @staticmethod
    def _log(record: dict[str, Any], **fields: Any) -> None:
        line = {**record, **{key: value for key, value in fields.items() if value is not None}}
        log.info("%s", json.dumps(line, sort_keys=False))

    # --- sweeper -----------------------------------------------------------------------------

    async def _sweeper(self) -> None:
        """Enqueue jobs the database says are waiting but Redis may have lost (one worker at a
        time holds the lease for each round), and once an hour, in one worker, roll the "top
        n%" metrics of users whose local day has just begun into the new period."""
        config = self.config
        lease_ms = max(1000, int(config.sweep_interval_s * 1000 * 0.9))
        await self._sleep(min(2.0, config.sweep_interval_s))
        while not self._stop.is_set():
            try:
                if await self._redis(self.queue.try_lock, "sweeper", lease_ms):
                    await self.sweep()
                if await self._redis(self.queue.try_lock, "rank-refresh", RANK_REFRESH_LEASE_MS):
                    users = await asyncio.to_thread(self._refresh_ranks)
                    log.info("rank refresh: %d user(s) moved to their new day", users)
            except (redis.RedisError, SQLAlchemyError) as exc:
                log.warning("sweeper: %s", exc)
            await self._sleep(config.sweep_interval_s)

    async def _rank_loop(self) -> None:
        """Refresh the rank metrics of users who wrote something (marked by the web app)."""
        while not self._stop.is_set():
            try:
                if await asyncio.to_thread(self._refresh_dirty_ranks):
                    continue  # more may be waiting
            except (redis.RedisError, SQLAlchemyError) as exc:
                log.warning("rank refresh: %s", exc)
            await self._sleep(RANK_DIRTY_INTERVAL_S)

    def _refresh_dirty_ranks(self) -> int:
        with Session(self.engine or get_engine()) as db:
            return ranking.refresh_dirty(db)

    def _refresh_ranks(self) -> int:
        # refresh_all_metrics commits chunk by chunk, so it gets a plain session of its own.
        with Session(self.engine or get_engine()) as db:
            return ranking.refresh_new_days(db, within=RANK_REFRESH_WINDOW)

    async def sweep(self) -> list[int]:
        """One sweeper round; the job ids (re-)enqueued."""
        stale = await self._db(
            analysis.stale_queued_jobs, older_than=timedelta(seconds=self.config.stale_after_s)
        )
        for job_id in stale:
            await self._redis(self.queue.enqueue, job_id)
            await self._db(analysis.mark_enqueued, job_id)
        if stale:
            log.info("sweeper enqueued %d waiting job(s): %s", len(stale), stale[:20])
        return stale

    # --- health ------------------------------------------------------------------------------

    async def health(self) -> tuple[bool, dict[str, Any]]:
        """(healthy, body) for GET /healthz; checks Redis and Triton live."""
        try:
            await asyncio.wait_for(self._redis(self.queue.client.ping), timeout=2)
            self.redis_ok = True
        except (redis.RedisError, TimeoutError):
            self.redis_ok = False
        if self.started and not self._stop.is_set():
            ready = await self.model_client.is_ready(timeout_s=1.0)
            if not ready:
                self.triton_ready = False  # the job loop waits for it
        healthy = self.started and self.redis_ok and self.triton_ready and not self._stop.is_set()
        if self._stop.is_set():
            status = "stopping"
        elif not self.started:
            status = "starting"
        else:
            status = "ok" if healthy else "degraded"
        body = {
            "status": status,
            "triton_ready": self.triton_ready,
            "redis_ok": self.redis_ok,
            "jobs_done": self.jobs_done,
            "jobs_failed": self.jobs_failed,
            "last_job_at": self.last_job_at.isoformat() if self.last_job_at else None,
            "jobs_in_flight": len(self._inflight),
            "consumer": self.config.consumer,
            "model": self.model_client.model,
        }
        return healthy, body

    async def _start_health_server(self) -> asyncio.Server | None:
        if not self.config.health_port:
            return None
        return await asyncio.start_server(
            self._handle_http, self.config.health_host, self.config.health_port
        )

    async def _handle_http(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), timeout=5)
            for _ in range(100):  # skip the headers
                line = await asyncio.wait_for(reader.readline(), timeout=5)
                if line in (b"\r\n", b"\n", b""):
                    break
            parts = request.decode("latin-1").split()
            path = parts[1].split("?", 1)[0] if len(parts) >= 2 else ""
            if len(parts) >= 2 and parts[0] in ("GET", "HEAD") and path == "/healthz":
                healthy, body = await self.health()
                code = 200 if healthy else 503
                content = json.dumps(body).encode()
            else:
                code, content = 404, b'{"error": "not found"}'
            reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}[code]
            head = (
                f"HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(content)}\r\nCache-Control: no-store\r\n"
                "Connection: close\r\n\r\n"
            )
            writer.write(head.encode() + (content if parts and parts[0] != "HEAD" else b""))
            await writer.drain()
        except (TimeoutError, ConnectionError, UnicodeDecodeError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


def build_worker(config: WorkerConfig) -> Worker:
    """A worker wired to the configured database, Redis, Triton and photo storage."""
    from healthapp.config import get_settings

    settings = get_settings()
    if not settings.redis_url:
        raise SystemExit("REDIS_URL is not set")
    if not settings.triton_url:
        raise SystemExit("TRITON_URL is not set (host:grpc-port of a Triton server)")
    client = redis.Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_connect_timeout=2,
        # Longer than the blocking XREADGROUP, which holds the connection for block_ms.
        socket_timeout=config.block_ms / 1000 + 10,
        health_check_interval=30,
    )
    return Worker(
        config,
        engine=make_engine(settings.database_url),
        queue=JobQueue(client, settings.redis_prefix),
        model_client=FoodModelClient(
            settings.triton_url, config.model, timeout_s=settings.triton_timeout_seconds
        ),
        storage=default_photo_storage(),
    )


def parse_args(argv: list[str] | None = None) -> WorkerConfig:
    from healthapp.config import get_settings

    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m healthapp.inference.worker")
    parser.add_argument(
        "--consumer",
        default=f"{socket.gethostname()}-{os.getpid()}",
        help="consumer name in the Redis group (unique per worker)",
    )
    parser.add_argument("--health-port", type=int, default=0, help="0: no health endpoint")
    parser.add_argument("--health-host", default="127.0.0.1")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--block-ms", type=int, default=1000)
    parser.add_argument("--retry-base", type=float, default=2.0, help="backoff base, seconds")
    parser.add_argument("--retry-max", type=float, default=60.0, help="backoff cap, seconds")
    parser.add_argument("--sweep-interval", type=float, default=30.0, help="seconds")
    parser.add_argument(
        "--stale-after",
        type=float,
        default=120.0,
        help="seconds a queued/analysing job may sit before it is re-enqueued",
    )
    args = parser.parse_args(argv)
    return WorkerConfig(
        consumer=args.consumer,
        model=settings.triton_model,
        health_host=args.health_host,
        health_port=args.health_port,
        concurrency=max(1, args.concurrency),
        block_ms=max(10, args.block_ms),
        max_attempts=settings.job_max_attempts,
        reclaim_idle_s=settings.job_reclaim_idle_seconds,
        retry_base_s=args.retry_base,
        retry_max_s=args.retry_max,
        sweep_interval_s=args.sweep_interval,
        stale_after_s=max(args.stale_after, args.retry_max * 2),
    )


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    config = parse_args(argv)
    worker = build_worker(config)
    return asyncio.run(worker.run())


if __name__ == "__main__":
    sys.exit(main())
