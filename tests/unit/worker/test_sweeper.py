"""The sweeper round on a real Redis and the test database: open jobs Redis holds nowhere are
enqueued, once; jobs waiting in the stream or the retry set, or leased, are left alone."""

from __future__ import annotations

import numpy as np
import pytest
import redis
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.db import session_scope
from healthapp.job_queue import JobQueue
from healthapp.models import AnalysisJob
from healthapp.services import analysis
from healthapp.services.analysis.recognition import predict
from healthapp.worker import sweeper
from healthapp.worker.sweeper import sweep
from tests.aio import run
from tests.conftest import MealPhotoFactory


@pytest.fixture
def queue(redis_client: tuple[redis.Redis, str]) -> JobQueue:
    client, prefix = redis_client
    return JobQueue(client, prefix)


def new_jobs(engine: Engine, add_meal_photo: MealPhotoFactory, count: int) -> list[int]:
    with session_scope(engine) as db:
        jobs = [analysis.create_job(db, photo=add_meal_photo(db)) for _ in range(count)]
        db.flush()
        return [job.id for job in jobs if job.id is not None]


def test_a_round_enqueues_only_what_redis_does_not_hold(
    engine: Engine,
    queue: JobQueue,
    add_meal_photo: MealPhotoFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sweeper, "PAGE", 2)  # several pages in one round
    waiting, retrying, lost, never, done = new_jobs(engine, add_meal_photo, 5)
    queue.enqueue(waiting)
    queue.schedule_retry(retrying, 60)
    queue.enqueue(lost)
    queue.client.delete(queue.stream_key)  # Redis lost the stream ...
    queue.enqueue(waiting)  # ... and the upload of `waiting` came after
    with session_scope(engine) as db:
        analysis.start_job(db, done)
    with session_scope(engine) as db:
        scores = np.full(1000, 0.1 / 999, dtype=np.float32)
        scores[967] = 0.9
        analysis.complete_job(db, done, predict(scores))

    assert run(sweep(engine, queue, analysing_idle_s=30)) == [lost, never]
    assert run(sweep(engine, queue, analysing_idle_s=30)) == []
    assert queue.length() == 3
    queue.ensure_group()  # the group went with the deleted stream
    assert sorted(m.job_id for m in queue.read("w1", count=5, block_ms=100)) == [
        waiting,
        lost,
        never,
    ]
    with Session(engine) as db:
        swept = [db.get(AnalysisJob, job_id) for job_id in (lost, never)]
        assert all(job is not None and job.enqueued_at is not None for job in swept)
