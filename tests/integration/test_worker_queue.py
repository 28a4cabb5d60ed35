"""The job queue under faults, with real worker processes, real Redis and real Triton:

(a) copies of a job delivered at once, and a reclaim of a live worker's job, start it once and
    count one attempt (the lease);
(c) a Triton outage far longer than every sweep, reclaim and retry interval uses no attempts and
    doubles nothing in the stream (the outage window is shortened through those settings);
(d) after Redis loses all its data (a restart without persistence) every open job finishes within
    20 s of Redis returning;
(e) a photo read that hangs times out instead of holding a worker slot, and SIGTERM ends the
    worker within its shutdown grace even while a read hangs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlmodel import Session

from healthapp.db import session_scope
from healthapp.job_queue import JobQueue
from healthapp.models import AnalysisJob, MealPhoto
from healthapp.services import analysis
from healthapp.services.meals.storage import small_key
from tests.integration.worker_stack import ESPRESSO, FreezableProxy, Stack, Triton, free_port


def enqueue(queue: JobQueue, stack: Stack, job_id: int) -> None:
    """What the upload does after its commit, on `queue`."""
    assert queue.enqueue(job_id) is not None
    with session_scope(stack.engine) as db:
        analysis.mark_enqueued(db, job_id)


def storage_path(stack: Stack, job_id: int) -> Path:
    with Session(stack.engine) as db:
        job = db.get(AnalysisJob, job_id)
        assert job is not None
        photo = db.get(MealPhoto, job.photo_id)
        assert photo is not None
        return stack.storage.root / photo.storage_key


def hanging_upload(stack: Stack) -> int:
    """A job whose photo read never returns: the stored small rendition (what the worker reads)
    is a FIFO nobody writes to."""
    job_id = stack.upload("coffee.png", enqueue=False)
    path = storage_path(stack, job_id)
    path = path.with_name(Path(small_key(path.name)).name)
    path.unlink()
    os.mkfifo(path)
    enqueue(stack.queue, stack, job_id)
    return job_id


# --- (a) one copy, one attempt ------------------------------------------------------------------


def test_six_copies_of_each_job_delivered_at_once_count_one_attempt(stack: Stack) -> None:
    # One attempt allowed: a second start of any job would fail it ("gave up").
    workers = [stack.worker(f"w-copy{n}", JOB_MAX_ATTEMPTS="1") for n in range(3)]
    for worker in workers:
        worker.wait_healthy()
    jobs = [stack.upload("coffee.png", enqueue=False) for _ in range(10)]
    # Copies as a stream from before this version, or any other duplicate, would hold them.
    pipe = stack.queue.client.pipeline()
    for _copy in range(6):
        for job_id in jobs:
            pipe.xadd(stack.queue.stream_key, {"job_id": str(job_id)})
    pipe.execute()

    done = stack.wait_for(jobs, statuses=("done", "failed"), timeout=60)
    assert [(job.status, job.attempts) for job in done] == [("done", 1)] * 10
    assert all(len(stack.items(job_id)) == 1 for job_id in jobs)
    deadline = time.monotonic() + 15
    while stack.queue.length() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stack.queue.length() == 0
    assert stack.queue.pending() == []
    outcomes = [line["outcome"] for w in workers for line in w.job_lines(at_least=1)]
    assert outcomes.count("done") == 10
    assert set(outcomes) <= {"done", "duplicate", "leased_elsewhere"}


def test_a_live_workers_job_is_never_taken_over(stack: Stack, triton: Triton) -> None:
    proxy = FreezableProxy(triton.grpc_port)
    try:
        # Its lease lasts 3 s and is renewed every second while the inference hangs.
        slow = stack.worker(
            "w-slow",
            TRITON_URL=f"127.0.0.1:{proxy.port}",
            TRITON_TIMEOUT_SECONDS="120",
            JOB_RECLAIM_IDLE_SECONDS="4",
        )
        slow.wait_healthy()
        proxy.frozen.set()
        job_id = stack.upload("coffee.png")
        stack.wait_for([job_id], statuses=("analysing",), timeout=15)
        # Reclaims anything idle for 0.3 s, every 0.2 s (its stream reads wait 50 ms, not a
        # second in step with the renewals): it does get the entry between renewals.
        eager = stack.worker("w-eager", "--block-ms", "50", JOB_RECLAIM_IDLE_SECONDS="0.3")
        eager.wait_healthy()
        refused = eager.job_lines(at_least=2, timeout=20)
        assert stack.job(job_id).status == "analysing"
        proxy.frozen.clear()
        [done] = stack.wait_for([job_id], timeout=30)
    finally:
        proxy.close()
    assert done.attempts == 1
    assert len(stack.items(job_id)) == 1
    assert len(refused) >= 2
    assert {line["outcome"] for line in refused} == {"leased_elsewhere"}
    assert all(not line["acked"] for line in refused)  # the holder's own entry, left to it
    assert [line["outcome"] for line in slow.job_lines()] == ["done"]
    assert stack.queue.pending() == []
    assert slow.terminate() == 0
    assert eager.terminate() == 0


# --- (c) a long Triton outage -------------------------------------------------------------------


def test_a_triton_outage_longer_than_every_interval_uses_no_attempts(
    stack: Stack, triton: Triton
) -> None:
    # Sweeps every 0.3 s, reclaims after 1 s, backoff capped at 0.5 s: an 8 s outage is dozens
    # of each, as a 5 minute outage is with the default intervals. One attempt allowed.
    worker = stack.worker(
        "w-outage",
        "--sweep-interval",
        "0.3",
        "--retry-base",
        "0.2",
        "--retry-max",
        "0.5",
        JOB_MAX_ATTEMPTS="1",
        JOB_RECLAIM_IDLE_SECONDS="1",
    )
    worker.wait_healthy()
    triton.stop()
    try:
        jobs = [stack.upload("coffee.png") for _ in range(3)]
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            for job_id in jobs:
                job = stack.job(job_id)
                assert job.status in ("queued", "analysing"), (job.status, worker.log())
                assert job.attempts <= 1
            # Never doubled: each job waits once, in the stream or in the retry set.
            assert stack.queue.length() + len(stack.queue.retry_due_times()) <= len(jobs)
            time.sleep(0.1)
    finally:
        triton.start()
    done = stack.wait_for(jobs, timeout=30)
    assert [(job.status, job.attempts) for job in done] == [("done", 1)] * 3
    assert [item.food_id for job_id in jobs for item in stack.items(job_id)] == [ESPRESSO] * 3
    worker.wait_healthy(10)
    assert worker.terminate() == 0


# --- (d) Redis loses all its data -----------------------------------------------------------------


class PrivateRedis:
    """A redis-server of this test's own (no persistence), so that losing all its data touches
    no other test: killed and started again empty on the same port."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
        client.close()

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed: this test restarts a Redis of its own")
    server = PrivateRedis(binary)
    server.start()
    yield server
    server.kill()


def test_open_jobs_finish_within_20_s_after_redis_lost_its_data(
    stack: Stack, triton: Triton, private_redis: PrivateRedis
) -> None:
    client = redis.Redis.from_url(private_redis.url, decode_responses=True)
    queue = JobQueue(client, stack.queue.prefix)
    proxy = FreezableProxy(triton.grpc_port)
    try:
        # Default sweep interval; two jobs in flight (held at Triton), three waiting in Redis.
        worker = stack.worker(
            "w-flush",
            "--concurrency",
            "2",
            REDIS_URL=private_redis.url,
            TRITON_URL=f"127.0.0.1:{proxy.port}",
            TRITON_TIMEOUT_SECONDS="120",
        )
        worker.wait_healthy()
        proxy.frozen.set()
        jobs = [stack.upload("coffee.png", enqueue=False) for _ in range(5)]
        for job_id in jobs:
            enqueue(queue, stack, job_id)
        stack.wait_for(jobs[:2], statuses=("analysing",), timeout=15)
        assert queue.length() == 5

        private_redis.kill()
        private_redis.start()  # empty: stream, group, leases and retries are gone
        returned = time.monotonic()
        proxy.frozen.clear()
        done = stack.wait_for(jobs, timeout=20)  # the requirement's deadline
        recovery = time.monotonic() - returned
    finally:
        proxy.close()
        client.close()
    assert all(job.status == "done" for job in done)
    assert all(len(stack.items(job_id)) == 1 for job_id in jobs)
    deadline = time.monotonic() + 10
    while queue.length() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert queue.length() == 0
    print(f"\nRedis back empty -> 5 open jobs done in {recovery:.1f} s")
    assert worker.terminate() == 0


# --- (e) a photo read that hangs ----------------------------------------------------------------


def test_a_hanging_photo_read_times_out_and_frees_its_slot(stack: Stack) -> None:
    worker = stack.worker(
        "w-read", "--concurrency", "1", PHOTO_READ_TIMEOUT_SECONDS="1", JOB_MAX_ATTEMPTS="1"
    )
    worker.wait_healthy()
    stuck = hanging_upload(stack)
    good = stack.upload("coffee.png")
    [failed] = stack.wait_for([stuck], statuses=("failed",), timeout=30)
    assert failed.error_key == "analysis.timeout"
    [done] = stack.wait_for([good], timeout=30)  # the one slot was free again
    assert done.attempts == 1
    assert worker.terminate() == 0


def test_sigterm_ends_the_worker_within_its_grace_while_a_read_hangs(stack: Stack) -> None:
    worker = stack.worker("w-grace", "--shutdown-grace", "2", PHOTO_READ_TIMEOUT_SECONDS="600")
    worker.wait_healthy()
    stuck = hanging_upload(stack)
    stack.wait_for([stuck], statuses=("analysing",), timeout=15)
    # Grace 2 s; the 10 s more are for the interpreter to start and stop, not a speed bound.
    assert worker.terminate(timeout=12) == 0
    assert "shutdown grace over: 1 job(s) left pending" in worker.log()
    # The cut-off job is still open and its entry pending: another worker reclaims it.
    assert stack.job(stuck).status == "analysing"
    assert [row["consumer"] for row in stack.queue.pending()] == ["w-grace"]
