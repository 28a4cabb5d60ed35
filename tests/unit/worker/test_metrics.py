"""The worker's metrics: what the job steps record, and the queue figures read at scrape time
from a real Redis (stream, pending, retries) and a migrated database (open jobs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import redis
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import Engine

from healthapp.db import session_scope
from healthapp.inference.triton_client import TritonRequestError, TritonTimeout, TritonUnavailable
from healthapp.job_queue import JobQueue
from healthapp.models import AnalysisJob
from healthapp.services import analysis
from healthapp.worker import metrics
from tests.conftest import MealPhotoFactory


def value(name: str, **labels: str) -> float:
    return metrics.WORKER.get_sample_value(name, labels) or 0.0


def page_values(page: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(page.decode())
        for s in family.samples
    }


def test_outcomes_results_steps_and_triton_are_recorded() -> None:
    done = value("healthapp_jobs_total", outcome="done")
    metrics.record_job("done")
    assert value("healthapp_jobs_total", outcome="done") == done + 1

    before = value("healthapp_job_upload_to_result_seconds_count", status="failed")
    metrics.record_result("failed", 42.0, 3)
    assert value("healthapp_job_upload_to_result_seconds_count", status="failed") == before + 1
    assert value("healthapp_job_upload_to_result_seconds_bucket", status="failed", le="60.0") >= 1
    assert value("healthapp_job_attempts_per_result_bucket", le="3.0") >= 1

    infer = value("healthapp_job_step_duration_seconds_count", step="infer")
    metrics.record_steps({"read_ms": 1.0, "infer_ms": 20.0, "queued_ms": 5.0, "total_ms": 30.0})
    assert value("healthapp_job_step_duration_seconds_count", step="infer") == infer + 1
    assert value("healthapp_job_step_duration_seconds_count", step="queued") == 0  # not a step

    for exc, result in [(None, "ok"), (TritonUnavailable("down"), "unavailable"),
                        (TritonTimeout("slow"), "timeout"), (TritonRequestError("bad"), "error"),
                        (ValueError("shape"), "error")]:  # fmt: skip
        before = value("healthapp_triton_request_duration_seconds_count", result=result)
        metrics.record_triton(0.01, exc)
        assert value("healthapp_triton_request_duration_seconds_count", result=result) == before + 1


def test_every_outcome_starts_at_zero_in_the_page() -> None:
    page = page_values(metrics.exposition(metrics.WORKER))
    for outcome in metrics.JOB_OUTCOMES:
        assert ("healthapp_jobs_total", (("outcome", outcome),)) in page
    # The web's names are not the worker's.
    assert not [name for name, _ in page if name.startswith("healthapp_http_")]


def test_the_queue_figures_come_from_redis_and_the_database(
    engine: Engine, redis_client: tuple[redis.Redis, str], add_meal_photo: MealPhotoFactory
) -> None:
    client, prefix = redis_client
    queue = JobQueue(client, prefix)
    worker = SimpleNamespace(queue=queue, engine=engine, triton_ready=True, redis_ok=True,
                             jobs_in_flight=2)  # fmt: skip
    collector = metrics.QueueCollector(worker)  # type: ignore[arg-type]

    empty = page_values(metrics.exposition(metrics.WORKER, collector))
    assert empty[("healthapp_job_queue_messages", (("state", "stream"),))] == 0
    assert empty[("healthapp_job_queue_messages", (("state", "pending"),))] == 0
    assert empty[("healthapp_job_stream_oldest_age_seconds", ())] == 0
    assert empty[("healthapp_job_oldest_open_age_seconds", ())] == 0
    assert empty[("healthapp_worker_jobs_in_flight", ())] == 2
    assert empty[("healthapp_worker_triton_ready", ())] == 1

    job_ids = []
    with session_scope(engine) as db:
        for _ in range(3):
            job = analysis.create_job(db, photo=add_meal_photo(db))
            assert job.id is not None
            job_ids.append(job.id)
        db.exec(sa.update(AnalysisJob).where(AnalysisJob.id == job_ids[0])  # type: ignore[arg-type]
                .values(created_at=datetime.now(UTC) - timedelta(minutes=10)))  # fmt: skip
    for job_id in job_ids[:2]:
        queue.enqueue(job_id)
    queue.schedule_retry(job_ids[2], 30)
    [taken] = queue.read("w1", count=1, block_ms=None)
    with session_scope(engine) as db:
        assert analysis.start_job(db, taken.job_id) is not None

    figures = page_values(metrics.exposition(metrics.WORKER, collector))
    assert figures[("healthapp_job_queue_messages", (("state", "stream"),))] == 2
    assert figures[("healthapp_job_queue_messages", (("state", "pending"),))] == 1
    assert figures[("healthapp_job_queue_messages", (("state", "retry"),))] == 1
    assert 0 <= figures[("healthapp_job_stream_oldest_age_seconds", ())] < 60
    assert figures[("healthapp_jobs_open", (("status", "queued"),))] == 2
    assert figures[("healthapp_jobs_open", (("status", "analysing"),))] == 1
    assert 590 < figures[("healthapp_job_oldest_open_age_seconds", ())] < 700


def test_a_source_that_is_down_leaves_out_its_part_only(engine: Engine) -> None:
    down = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2)
    worker = SimpleNamespace(queue=JobQueue(down, "x:"), engine=engine, triton_ready=False,
                             redis_ok=False, jobs_in_flight=0)  # fmt: skip
    page = page_values(metrics.exposition(metrics.WORKER, metrics.QueueCollector(worker)))  # type: ignore[arg-type]
    assert ("healthapp_job_queue_messages", (("state", "stream"),)) not in page
    assert page[("healthapp_jobs_open", (("status", "queued"),))] == 0
    assert page[("healthapp_worker_redis_ok", ())] == 0
