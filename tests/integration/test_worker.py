"""The analysis worker end to end: a real tritonserver with the exported food model, real Redis,
a migrated database, and the worker as a real process (python -m healthapp.worker).

(a) a real photo goes DB job -> stream -> worker -> Triton -> DB and is recognised; a job whose
    upload could not reach Redis is found by the sweeper; a non-food picture gives no item;
(b) a worker killed (SIGKILL) in the middle of a job neither loses nor doubles it;
(c) with Triton down, jobs wait (not failed) and finish once it is back.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import sqlalchemy as sa
from sqlmodel import Session, col, select

from bench.food_eval import dataset, personal
from healthapp.db import make_engine, migrate, session_scope
from healthapp.models import AnalysisJob, MealItem, MealPhoto
from healthapp.services import analysis, meals
from healthapp.services.analysis import examples
from healthapp.services.analysis.recognition import predict
from tests.integration.worker_stack import (
    ESPRESSO,
    ORANGE,
    FreezableProxy,
    MealPhotoFactory,
    Stack,
    Triton,
    noise_png,
)

# --- (a) end to end -----------------------------------------------------------------------


def test_coffee_photo_is_recognised_as_espresso_end_to_end(stack: Stack) -> None:
    events = stack.queue.client.pubsub()
    events.subscribe(stack.queue.events_channel(1))
    worker = stack.worker("w-a", "--sweep-interval", "1")
    worker.wait_healthy()

    # Uploaded while Redis was unreachable: in the database only (never enqueued, a minute old).
    # Stored before photos had a small rendition: the worker makes one from the photo.
    lost = stack.upload("orange.jpg", enqueue=False, renditions=False)
    with session_scope(stack.engine) as db:
        db.exec(
            sa.update(AnalysisJob)
            .where(AnalysisJob.id == lost)  # type: ignore[arg-type]
            .values(created_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    started = time.monotonic()
    coffee = stack.upload("coffee.png")
    with Session(stack.engine) as db:
        coffee_key = db.exec(
            select(MealPhoto.storage_key)
            .join(AnalysisJob, col(AnalysisJob.photo_id) == col(MealPhoto.id))
            .where(AnalysisJob.id == coffee)
        ).one()
    # Only the small rendition is read (and sent to Triton): without the full photo it works.
    stack.storage.delete(coffee_key)
    noise = stack.upload(data=noise_png())
    [done] = stack.wait_for([coffee])
    latency = time.monotonic() - started

    assert done.status == "done"
    assert done.error_key == ""
    assert done.attempts == 1
    assert done.result is not None
    top = done.result["candidates"][0]
    assert (top["label"], top["food_id"]) == ("espresso", ESPRESSO)
    assert top["score"] > 0.9
    assert done.result["estimate"]["food_id"] == ESPRESSO
    assert set(done.result["timings_ms"]) == {"read_ms", "infer_ms"}  # nothing to decode
    [item] = stack.items(coffee)
    assert (item.food_id, item.grams, item.source) == (ESPRESSO, 30.0, "estimate")
    assert item.kcal == done.result["estimate"]["kcal"]

    # The non-food picture: done, "no food recognised", no item.
    [no_food] = stack.wait_for([noise])
    assert no_food.error_key == "analysis.no_food"
    assert stack.items(noise) == []
    # The sweeper found the job Redis never saw.
    [orange] = stack.wait_for([lost], timeout=15)
    assert orange.result is not None
    assert orange.result["estimate"]["food_id"] == ORANGE
    assert {"decode_ms", "preprocess_ms"} <= set(orange.result["timings_ms"])
    assert len(stack.items(lost)) == 1

    # The page's channel heard analysing and done; the stream is empty, nothing pending.
    heard = []
    while (message := events.get_message(timeout=0.5)) is not None:
        if message["type"] == "message":
            heard.append(json.loads(message["data"]))
    events.close()
    assert {
        "job_id": coffee,
        "meal_id": item.meal_id,
        "photo_id": item.photo_id,
        "status": "done",
        "error_key": "",
    } in heard
    assert [e["status"] for e in heard if e["job_id"] == coffee] == ["analysing", "done"]
    assert stack.queue.pending() == []
    assert stack.queue.length() == 0

    code, health = worker.health()
    assert code == 200
    assert health["status"] == "ok"
    assert health["triton_ready"]
    assert health["redis_ok"]
    assert health["jobs_done"] == 3
    assert health["jobs_failed"] == 0
    assert health["last_job_at"]
    [line] = [entry for entry in worker.job_lines(at_least=3) if entry["job_id"] == coffee]
    assert line["outcome"] == "done"
    assert line["food_id"] == ESPRESSO
    assert {"read_ms", "infer_ms", "store_ms", "total_ms"} <= set(line)
    print(f"\nupload->done {latency * 1000:.0f} ms; worker timings {line}")
    assert worker.terminate() == 0  # SIGTERM: a clean exit


def test_a_named_photo_teaches_the_worker_the_persons_dish(stack: Stack) -> None:
    """Ragi, which the model cannot know: the worker keeps the photo's embedding; once the
    person names the food, another shot of the plate comes back with that food as `personal`."""
    worker = stack.worker("w-p")
    worker.wait_healthy()
    ragi = next(p for p in dataset.photos() if p.photo == "ifct:A010").path.read_bytes()
    [first] = stack.wait_for([stack.upload(data=personal.view(ragi, 0))])
    assert first.result is not None
    assert (first.error_key, first.result["personal"]) == ("analysis.no_food", None)
    assert first.embedding is not None
    assert len(first.embedding) == 2560
    assert abs(float(np.linalg.norm(examples.unpack(first.embedding))) - 1) < 1e-3
    with session_scope(stack.engine) as db:
        meals.name_photo_food(db, user_id=first.user_id, photo_id=first.photo_id,
                              form={"food_id": "sr_millet_raw", "grams": "50"})  # fmt: skip
    [second] = stack.wait_for([stack.upload(data=personal.view(ragi, 2))])
    assert second.result is not None
    offer = second.result["personal"]
    assert (offer["food_id"], offer["grams"], offer["photo_id"]) == (
        "sr_millet_raw",
        50,
        first.photo_id,
    )
    assert offer["similarity"] >= examples.SIMILARITY
    assert stack.items(second.id or 0) == []  # offered, never filled in
    assert worker.terminate() == 0


# --- (b) a worker killed mid-job --------------------------------------------------------------


def test_worker_killed_mid_job_is_reclaimed_without_loss_or_double(
    stack: Stack, triton: Triton
) -> None:
    proxy = FreezableProxy(triton.grpc_port)
    try:
        doomed = stack.worker(
            "w-doomed",
            TRITON_URL=f"127.0.0.1:{proxy.port}",
            TRITON_TIMEOUT_SECONDS="120",
            JOB_RECLAIM_IDLE_SECONDS="2",  # its lease (1.5 s) runs out soon after the kill
        )
        doomed.wait_healthy()
        proxy.frozen.set()  # from now on its inference request hangs in flight
        job_id = stack.upload("coffee.png")
        stack.wait_for([job_id], statuses=("analysing",), timeout=15)
        assert [p["consumer"] for p in stack.queue.pending()] == ["w-doomed"]
        time.sleep(0.3)
        doomed.kill()
        assert stack.job(job_id).status == "analysing"

        rescuer = stack.worker("w-rescuer", JOB_RECLAIM_IDLE_SECONDS="1")
        [done] = stack.wait_for([job_id], timeout=30)
    finally:
        proxy.close()
    assert done.attempts == 2  # the killed attempt and the one that finished
    assert len(stack.items(job_id)) == 1
    assert stack.queue.pending() == []
    # Reclaimed while the dead worker's lease still ran, it waited: nothing started, no attempt.
    lines = [line for line in rescuer.job_lines() if line["outcome"] != "leased_elsewhere"]
    assert [line["outcome"] for line in lines] == ["done"]
    assert lines[0]["deliveries"] >= 2

    # A stray second delivery (a sweeper duplicate) changes nothing.
    stack.queue.enqueue(job_id)
    deadline = time.monotonic() + 10
    while stack.queue.length() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stack.queue.length() == 0
    assert stack.queue.pending() == []
    assert len(stack.items(job_id)) == 1
    assert stack.job(job_id).attempts == 2
    assert rescuer.terminate() == 0


# --- (c) Triton down ------------------------------------------------------------------------


def test_jobs_wait_while_triton_is_down_and_finish_when_it_returns(
    stack: Stack, triton: Triton
) -> None:
    # Two attempts only: had the outage burned attempts, these jobs would have failed.
    worker = stack.worker("w-c", JOB_MAX_ATTEMPTS="2")
    worker.wait_healthy()
    triton.stop()
    try:
        # A worker started during the outage waits for Triton instead of exiting.
        late = stack.worker("w-late")
        jobs = [stack.upload("coffee.png"), stack.upload("orange.jpg")]
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            for job_id in jobs:
                job = stack.job(job_id)
                assert job.status in ("queued", "analysing"), (job.status, worker.log())
                assert job.attempts <= 1
            time.sleep(0.1)
        code, health = worker.health()
        assert code == 503
        assert health["triton_ready"] is False
        assert health["redis_ok"] is True
        code, health = late.health()
        assert code == 503
        assert health["status"] == "starting"
    finally:
        outage_ended = time.monotonic()
        triton.start()
    done = stack.wait_for(jobs, timeout=30)
    recovery = time.monotonic() - outage_ended
    assert [job.attempts for job in done] == [1, 1]
    assert [item.food_id for job_id in jobs for item in stack.items(job_id)] == [ESPRESSO, ORANGE]
    assert stack.queue.pending() == []
    assert stack.queue.length() == 0
    worker.wait_healthy(10)
    late.wait_healthy(10)
    print(f"\nTriton restart -> both jobs done in {recovery:.1f} s")
    assert worker.terminate() == 0
    assert late.terminate() == 0


def test_sigterm_finishes_the_job_in_hand(stack: Stack, triton: Triton) -> None:
    proxy = FreezableProxy(triton.grpc_port)
    try:
        worker = stack.worker("w-term", TRITON_URL=f"127.0.0.1:{proxy.port}")
        worker.wait_healthy()
        proxy.frozen.set()
        job_id = stack.upload("coffee.png")
        stack.wait_for([job_id], statuses=("analysing",), timeout=15)
        os.killpg(worker.process.pid, signal.SIGTERM)
        time.sleep(0.5)
        assert worker.process.poll() is None  # still finishing its job
        proxy.frozen.clear()
        assert worker.process.wait(15) == 0
    finally:
        proxy.close()
    assert stack.job(job_id).status == "done"
    assert len(stack.items(job_id)) == 1
    assert stack.queue.pending() == []


# --- complete_job under real concurrency, on both databases -------------------------------------


@pytest.mark.parametrize("workers", [4])
def test_concurrent_completions_store_one_item(
    database_url: str, workers: int, add_meal_photo: MealPhotoFactory
) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as db:
            photo = add_meal_photo(db, login="racer")
            job_id = analysis.create_job(db, photo=photo).id
        scores = np.full(1000, 0.05 / 999, dtype=np.float32)
        scores[967] = 0.95
        prediction = predict(scores)
        barrier = threading.Barrier(workers)

        def deliver(_: int) -> bool:
            with session_scope(engine) as db:
                analysis.start_job(db, job_id)
            barrier.wait()
            with session_scope(engine) as db:
                return analysis.complete_job(db, job_id, prediction)

        with ThreadPoolExecutor(workers) as pool:
            outcomes = list(pool.map(deliver, range(workers)))
        assert sorted(outcomes) == [False] * (workers - 1) + [True]
        with Session(engine) as db:
            assert len(db.exec(select(MealItem)).all()) == 1
            job = db.get(AnalysisJob, job_id)
            assert job is not None
            assert (job.status, job.attempts) == ("done", workers)
    finally:
        engine.dispose()
