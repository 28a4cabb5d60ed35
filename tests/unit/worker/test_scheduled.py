"""Periodic jobs: one worker per lease, backlogs drained at once, errors survived."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import fakeredis
import pytest
import redis

from healthapp.job_queue import JobQueue
from healthapp.services.meals.storage import LocalPhotoStorage
from healthapp.services.undo import Deleted, UndoStore
from healthapp.worker.config import WorkerConfig
from healthapp.worker.scheduled import Periodic, run_periodic, worker_jobs
from tests.aio import run


@pytest.fixture
def queue() -> JobQueue:
    return JobQueue(fakeredis.FakeRedis(decode_responses=True), "t:")


def run_for(seconds: float, queue: JobQueue, *jobs: Periodic) -> None:
    async def scenario() -> None:
        stop = asyncio.Event()
        tasks = [asyncio.create_task(run_periodic(job, queue, stop)) for job in jobs]
        await asyncio.sleep(seconds)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=2)

    run(scenario())


def test_a_leased_job_runs_in_one_worker_per_lease(queue: JobQueue) -> None:
    runs: list[str] = []

    def job(worker: str) -> Periodic:
        async def run() -> None:
            runs.append(worker)

        return Periodic("sweeper", run, interval_s=0.02, lease_ms=60_000)

    run_for(0.3, queue, job("a"), job("b"), job("c"))
    assert len(runs) == 1


def test_an_unleased_job_repeats_while_busy_then_waits(queue: JobQueue) -> None:
    backlog = [3, 2, 1, 0]
    calls = 0

    async def run() -> int:
        nonlocal calls
        calls += 1
        return backlog.pop(0) if backlog else 0

    run_for(0.3, queue, Periodic("rank-dirty", run, interval_s=10, repeat_while_busy=True))
    assert calls == 4  # three busy rounds back to back, then one idle round and the wait


def test_redis_and_database_errors_are_logged_and_retried(
    queue: JobQueue, caplog: pytest.LogCaptureFixture
) -> None:
    calls = 0

    async def run() -> None:
        nonlocal calls
        calls += 1
        raise redis.ConnectionError("gone")

    run_for(0.25, queue, Periodic("rank-refresh", run, interval_s=0.05))
    assert calls >= 3
    assert "rank-refresh: gone" in caplog.text


def test_every_worker_runs_the_sweeper_and_both_rank_refreshes(queue: JobQueue) -> None:
    config = WorkerConfig(consumer="w1", sweep_interval_s=30)
    jobs = {job.name: job for job in worker_jobs(config, engine=None, queue=queue)}  # type: ignore[arg-type]
    assert set(jobs) == {"sweeper", "rank-refresh", "rank-dirty"}
    assert (jobs["sweeper"].interval_s, jobs["sweeper"].lease_ms) == (30, 27_000)
    assert jobs["rank-refresh"].lease_ms == 55 * 60 * 1000
    assert jobs["rank-dirty"].lease_ms is None
    assert jobs["rank-dirty"].repeat_while_busy


def test_with_photo_storage_every_worker_purges_the_files_of_deletes_not_undone(
    queue: JobQueue, tmp_path: Path
) -> None:
    storage = LocalPhotoStorage(tmp_path)
    key = "ab/" + "a" * 32 + ".jpg"
    storage.put(key, b"jpg", "image/jpeg")
    store = UndoStore(queue.client, queue.prefix)
    store.keep(user_id=1, deleted=Deleted("meal", [], [key]), now=time.time() - 60)
    config = WorkerConfig(consumer="w1", sweep_interval_s=30)
    jobs = {job.name: job for job in worker_jobs(config, None, queue, storage=storage)}  # type: ignore[arg-type]
    assert jobs["undo-purge"].lease_ms is None  # GETDEL lets any number of workers race
    assert run(jobs["undo-purge"].run()) == 1
    assert not (tmp_path / key).exists()
