"""The analysis worker's metrics, served at /metrics on its health port (health.py).

Recorded by the job steps (job.py): jobs by outcome, attempts, the time from upload to result,
each step's time and every Triton request's. Read at scrape time (`QueueCollector`): the
queue in Redis (stream entries, pending, retries, age of the oldest entry), the open jobs in the
database (queued, analysing, age of the oldest), and this worker's own state. Every worker
reports the same queue and database figures, so dashboards and alerts take max() over workers.
No label names a user, a job or a photo.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import redis
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from healthapp.db import session_scope, utcnow
from healthapp.inference.triton_client import TritonTimeout, TritonUnavailable
from healthapp.job_queue import GROUP, JobQueue
from healthapp.observability.metrics import LATENCY_BUCKETS, exposition
from healthapp.services import analysis

log = logging.getLogger(__name__)

WORKER = CollectorRegistry()

# Every outcome a job line of job.py can carry.
JOB_OUTCOMES = (
    "done",
    "no_food",
    "duplicate",
    "retry",
    "failed",
    "waiting_for_triton",
    "leased_elsewhere",
    "ignored",
)
TRITON_RESULTS = ("ok", "unavailable", "timeout", "error")
STEPS = ("read", "decode", "preprocess", "infer", "store")
# Upload to result: seconds on an idle system, minutes behind a backlog or a Triton outage.
RESULT_BUCKETS = (0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0)

JOBS = Counter(
    "healthapp_jobs_total",
    "Deliveries of analysis jobs handled, by outcome (see worker/job.py).",
    ["outcome"],
    registry=WORKER,
)
JOB_ATTEMPTS = Counter(
    "healthapp_job_attempts_total",
    "Attempts started (a job that was queued and is now analysing; retries count again).",
    registry=WORKER,
)
JOB_ATTEMPTS_PER_RESULT = Histogram(
    "healthapp_job_attempts_per_result",
    "Attempts a job took when it reached its result (done, no food, or failed for good).",
    buckets=(1, 2, 3, 4, 5, 10),
    registry=WORKER,
)
UPLOAD_TO_RESULT = Histogram(
    "healthapp_job_upload_to_result_seconds",
    "Time from the photo's upload (the job row) to its stored result, by final status.",
    ["status"],
    buckets=RESULT_BUCKETS,
    registry=WORKER,
)
STEP_SECONDS = Histogram(
    "healthapp_job_step_duration_seconds",
    "Time of each step of a job: read (storage), decode, preprocess, infer, store (database).",
    ["step"],
    buckets=LATENCY_BUCKETS,
    registry=WORKER,
)
TRITON_SECONDS = Histogram(
    "healthapp_triton_request_duration_seconds",
    "Time of each inference request to Triton, by result (ok, unavailable, timeout, error).",
    ["result"],
    buckets=LATENCY_BUCKETS,
    registry=WORKER,
)

for _outcome in JOB_OUTCOMES:
    JOBS.labels(outcome=_outcome)
for _status in ("done", "no_food", "failed"):
    UPLOAD_TO_RESULT.labels(status=_status)
for _step in STEPS:
    STEP_SECONDS.labels(step=_step)
for _result in TRITON_RESULTS:
    TRITON_SECONDS.labels(result=_result)


def record_job(outcome: str) -> None:
    JOBS.labels(outcome=outcome).inc()


def record_result(status: str, upload_seconds: float, attempts: int) -> None:
    """A job reached its result: done, no_food, or failed (for good)."""
    UPLOAD_TO_RESULT.labels(status=status).observe(max(0.0, upload_seconds))
    JOB_ATTEMPTS_PER_RESULT.observe(attempts)


def record_steps(timings_ms: dict[str, float]) -> None:
    """The job's step times ({"read_ms": ...} as job.py keeps them)."""
    for key, ms in timings_ms.items():
        step = key.removesuffix("_ms")
        if step in STEPS:
            STEP_SECONDS.labels(step=step).observe(ms / 1000)


def triton_result(exc: BaseException | None) -> str:
    if exc is None:
        return "ok"
    if isinstance(exc, TritonUnavailable):
        return "unavailable"
    if isinstance(exc, TritonTimeout):
        return "timeout"
    return "error"


def record_triton(seconds: float, exc: BaseException | None) -> None:
    TRITON_SECONDS.labels(result=triton_result(exc)).observe(seconds)


class WorkerState(Protocol):
    """What the collector reads of the worker (loop.Worker)."""

    queue: JobQueue
    engine: Engine
    triton_ready: bool
    redis_ok: bool

    @property
    def jobs_in_flight(self) -> int: ...


def worker_exposition(worker: WorkerState) -> bytes:
    """The worker's /metrics page (blocking: Redis and database reads)."""
    return exposition(WORKER, QueueCollector(worker))


def _gauge(name: str, doc: str, value: float, labels: dict[str, str] | None = None) -> Metric:
    family = GaugeMetricFamily(name, doc, labels=list(labels or {}))
    family.add_metric(list((labels or {}).values()), value)
    return family


class QueueCollector:
    """Figures read when Prometheus scrapes: Redis and the database, and this worker's flags.
    A part whose source is down is left out (and logged), the rest is still served."""

    def __init__(self, worker: WorkerState, *, clock: Callable[[], float] = time.time) -> None:
        self.worker = worker
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        worker = self.worker
        yield _gauge("healthapp_worker_jobs_in_flight", "Jobs this worker is running now.",
                     worker.jobs_in_flight)  # fmt: skip
        yield _gauge("healthapp_worker_triton_ready", "1 while this worker finds Triton ready.",
                     1.0 if worker.triton_ready else 0.0)  # fmt: skip
        yield _gauge("healthapp_worker_redis_ok", "1 while this worker reaches Redis.",
                     1.0 if worker.redis_ok else 0.0)  # fmt: skip
        yield from self._redis(worker.queue)
        yield from self._database(worker.engine)

    def _redis(self, queue: JobQueue) -> Iterator[Metric]:
        try:
            figures = queue_figures(queue)
        except redis.RedisError as exc:
            log.warning("queue metrics: Redis: %s", exc)
            return
        family = GaugeMetricFamily(
            "healthapp_job_queue_messages",
            "Redis: entries in the job stream (waiting or pending), pending (handed to a worker, "
            "not acked), and jobs waiting in the retry set.",
            labels=["state"],
        )
        for state in ("stream", "pending", "retry"):
            family.add_metric([state], figures[state])
        yield family
        oldest_ms = figures["oldest_entry_ms"]
        age = max(0.0, self.clock() - oldest_ms / 1000) if oldest_ms else 0.0
        yield _gauge("healthapp_job_stream_oldest_age_seconds",
                     "Age of the oldest entry in the job stream (0 when it is empty).",
                     age)  # fmt: skip

    def _database(self, engine: Engine) -> Iterator[Metric]:
        try:
            with session_scope(engine) as db:
                stats = analysis.open_job_stats(db)
        except SQLAlchemyError as exc:
            log.warning("queue metrics: database: %s", type(exc).__name__)
            return
        family = GaugeMetricFamily(
            "healthapp_jobs_open", "Database: analysis jobs not finished, by status.",
            labels=["status"],
        )  # fmt: skip
        family.add_metric(["queued"], stats.queued)
        family.add_metric(["analysing"], stats.analysing)
        yield family
        oldest = stats.oldest_created_at
        age = max(0.0, (utcnow() - oldest).total_seconds()) if oldest else 0.0
        yield _gauge("healthapp_job_oldest_open_age_seconds",
                     "Database: time since the oldest unfinished job's photo was uploaded "
                     "(0 when none is open).", age)  # fmt: skip


def queue_figures(queue: JobQueue) -> dict[str, Any]:
    """stream, pending and retry counts and the oldest stream entry's time (ms since the epoch,
    0 when empty), in one round trip."""
    pipe = queue.client.pipeline(transaction=False)
    pipe.xlen(queue.stream_key)
    pipe.zcard(queue.retry_key)
    pipe.xrange(queue.stream_key, count=1)
    pipe.xpending(queue.stream_key, GROUP)
    replies = pipe.execute(raise_on_error=False)
    stream, retry, first, pending = replies
    for reply in (stream, retry, first):
        if isinstance(reply, Exception):
            raise reply
    if isinstance(pending, redis.ResponseError):  # no group yet: nothing is pending
        pending = {"pending": 0}
    elif isinstance(pending, Exception):
        raise pending
    oldest = 0
    if first:
        entry_id = first[0][0]
        text = entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)
        oldest = int(text.split("-", 1)[0])
    return {
        "stream": int(stream),
        "pending": int(pending.get("pending", 0) if isinstance(pending, dict) else 0),
        "retry": int(retry),
        "oldest_entry_ms": oldest,
    }
