"""Analysis jobs on the database side: transitions, idempotency, corrections kept, retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from healthapp.db import session_scope
from healthapp.domain.errors import NotFound
from healthapp.models import AnalysisJob, Food, Meal, MealItem, MealPhoto, User
from healthapp.services import analysis
from healthapp.services.analysis.recognition import Prediction, predict
from tests.conftest import MealPhotoFactory

ESPRESSO = "fndds_coffee_espresso"


def scores_for(index: int, probability: float) -> np.ndarray:
    vector = np.full(1000, (1.0 - probability) / 999, dtype=np.float32)
    vector[index] = probability
    return vector


def espresso() -> Prediction:
    return predict(scores_for(967, 0.95), model="food_classifier", timings_ms={"infer_ms": 9.0})


def nothing() -> Prediction:
    return predict(scores_for(852, 0.9))  # a tennis ball


@pytest.fixture
def job_id(engine: Engine, add_meal_photo: MealPhotoFactory) -> int:
    with session_scope(engine) as db:
        job = analysis.create_job(db, photo=add_meal_photo(db))
        assert job.id is not None
        return job.id


def job(engine: Engine, job_id: int) -> AnalysisJob:
    with Session(engine) as db:
        row = db.get(AnalysisJob, job_id)
        assert row is not None
        return row


def items(engine: Engine) -> list[MealItem]:
    with Session(engine) as db:
        return list(db.exec(select(MealItem)).all())


def run(engine: Engine, fn, *args, **kwargs):
    with session_scope(engine) as db:
        return fn(db, *args, **kwargs)


def test_create_and_mark_enqueued(engine: Engine, job_id: int) -> None:
    created = job(engine, job_id)
    assert (created.status, created.attempts, created.enqueued_at) == ("queued", 0, None)
    assert run(engine, analysis.mark_enqueued, job_id)
    assert job(engine, job_id).enqueued_at is not None


def test_start_job_returns_what_the_worker_needs(engine: Engine, job_id: int) -> None:
    started = run(engine, analysis.start_job, job_id)
    assert started is not None
    row = job(engine, job_id)
    assert (row.status, row.attempts, started.attempts) == ("analysing", 1, 1)
    assert row.started_at is not None
    with Session(engine) as db:
        photo = db.get(MealPhoto, started.photo_id)
        assert photo is not None
        assert (started.storage_key, started.meal_id, started.user_id) == (
            photo.storage_key,
            photo.meal_id,
            photo.user_id,
        )
    assert run(engine, analysis.start_job, 999_999) is None


def test_complete_twice_stores_one_result_and_one_item(engine: Engine, job_id: int) -> None:
    run(engine, analysis.start_job, job_id)
    assert run(engine, analysis.complete_job, job_id, espresso()) is True
    assert run(engine, analysis.complete_job, job_id, espresso()) is False
    # A redelivery after completion is not started again either.
    assert run(engine, analysis.start_job, job_id) is None
    [item] = items(engine)
    with Session(engine) as db:
        food = db.get(Food, ESPRESSO)
        assert food is not None
    assert (item.food_id, item.grams, item.source) == (ESPRESSO, 30.0, "estimate")
    assert item.kcal == round(food.kcal_per_100g * 0.3, 1)
    assert item.protein_g == round(food.protein_g_per_100g * 0.3, 1)
    done = job(engine, job_id)
    assert (done.status, done.error_key, done.attempts) == ("done", "", 1)
    assert done.finished_at is not None
    assert done.result is not None
    assert done.result["estimate"]["food_id"] == ESPRESSO
    assert done.result["estimate"]["kcal"] == item.kcal
    assert done.result["candidates"][0]["imagenet_index"] == 967
    assert len(done.result["candidates"]) == 5
    assert done.result["timings_ms"] == {"infer_ms": 9.0}


def test_the_estimate_takes_the_persons_last_portion_of_the_food(
    engine: Engine, job_id: int, add_meal_photo: MealPhotoFactory
) -> None:
    """alice drinks double espressos: her last confirmed one was 60 g, so the next photo of one
    is estimated at 60 g (not USDA's 30 g), with the carbohydrate range scaled to it."""
    run(engine, analysis.start_job, job_id)
    assert run(engine, analysis.complete_job, job_id, espresso())
    [first] = items(engine)
    with session_scope(engine) as db:
        mine = db.get(MealItem, first.id)
        assert mine is not None
        mine.grams, mine.source = 60.0, "confirmed"
        db.add(mine)
    default = job(engine, job_id).result
    assert default is not None
    with session_scope(engine) as db:
        second = analysis.create_job(db, photo=add_meal_photo(db)).id
    assert second is not None
    run(engine, analysis.start_job, second)
    assert run(engine, analysis.complete_job, second, espresso())
    [item] = [i for i in items(engine) if i.id != first.id]
    assert (item.grams, item.source) == (60.0, "estimate")
    estimate = (job(engine, second).result or {})["estimate"]
    assert (estimate["grams"], estimate["portion_source"]) == (60.0, "last")
    assert estimate["kcal"] == item.kcal
    before = default["estimate"]
    assert estimate["carb_low_g"] == pytest.approx(before["carb_low_g"] * 2, abs=0.1)
    assert estimate["carb_high_g"] == pytest.approx(before["carb_high_g"] * 2, abs=0.1)


def test_complete_from_two_deliveries_racing(engine: Engine, job_id: int) -> None:
    # Both deliveries started before either finished (a reclaim while the first was slow).
    run(engine, analysis.start_job, job_id)
    run(engine, analysis.start_job, job_id)
    outcomes = [run(engine, analysis.complete_job, job_id, espresso()) for _ in range(2)]
    assert sorted(outcomes) == [False, True]
    assert len(items(engine)) == 1
    assert job(engine, job_id).attempts == 2


def test_a_manual_correction_is_never_overwritten(engine: Engine, job_id: int) -> None:
    with session_scope(engine) as db:
        row = db.get(AnalysisJob, job_id)
        assert row is not None
        photo = db.get(MealPhoto, row.photo_id)
        assert photo is not None
        db.add(
            MealItem(
                meal_id=photo.meal_id,
                user_id=photo.user_id,
                photo_id=photo.id,
                food_id="fdn_bananas_ripe_and_slightly_ripe_raw",
                grams=120,
                kcal=107,
                carb_g=27,
                protein_g=1.3,
                fat_g=0.4,
                source="manual",
            )
        )
    run(engine, analysis.start_job, job_id)
    assert run(engine, analysis.complete_job, job_id, espresso()) is True
    [item] = items(engine)
    assert (item.source, item.food_id, item.grams) == (
        "manual",
        "fdn_bananas_ripe_and_slightly_ripe_raw",
        120,
    )
    done = job(engine, job_id)
    # The model's own answer is still kept, apart from the person's item.
    assert done.status == "done"
    assert done.result is not None
    assert done.result["estimate"]["food_id"] == ESPRESSO
    assert done.result["item"] == "kept_existing"


def test_no_food_is_done_without_an_item(engine: Engine, job_id: int) -> None:
    run(engine, analysis.start_job, job_id)
    assert run(engine, analysis.complete_job, job_id, nothing()) is True
    done = job(engine, job_id)
    assert (done.status, done.error_key) == ("done", "analysis.no_food")
    assert done.result is not None
    assert done.result["recognised"] is False
    assert done.result["candidates"][0]["food_id"] is None
    assert items(engine) == []


def test_fail_attempt_retries_then_fails(engine: Engine, job_id: int) -> None:
    run(engine, analysis.start_job, job_id)
    assert run(engine, analysis.fail_attempt, job_id, "analysis.timeout", max_attempts=2) == "retry"
    row = job(engine, job_id)
    assert (row.status, row.error_key, row.attempts) == ("queued", "analysis.timeout", 1)
    run(engine, analysis.start_job, job_id)
    assert (
        run(engine, analysis.fail_attempt, job_id, "analysis.timeout", max_attempts=2) == "failed"
    )
    row = job(engine, job_id)
    assert (row.status, row.error_key, row.attempts) == ("failed", "analysis.timeout", 2)
    assert row.finished_at is not None
    # A late delivery neither restarts nor completes a failed job.
    assert run(engine, analysis.start_job, job_id) is None
    assert run(engine, analysis.complete_job, job_id, espresso()) is False
    assert run(engine, analysis.fail_attempt, job_id, "x", max_attempts=9) == "ignored"
    assert items(engine) == []


def test_release_does_not_count_the_attempt(engine: Engine, job_id: int) -> None:
    run(engine, analysis.start_job, job_id)
    assert run(engine, analysis.release_job, job_id) is True
    row = job(engine, job_id)
    assert (row.status, row.attempts) == ("queued", 0)
    run(engine, analysis.start_job, job_id)
    run(engine, analysis.complete_job, job_id, espresso())
    assert run(engine, analysis.release_job, job_id) is False
    assert job(engine, job_id).status == "done"


def test_retry_failed_job_is_scoped_to_its_owner(engine: Engine, job_id: int) -> None:
    owner = job(engine, job_id).user_id
    with session_scope(engine) as db:
        other = User(login="mallory", password_hash="x")
        db.add(other)
        db.flush()
        other_id = other.id
    run(engine, analysis.start_job, job_id)
    run(engine, analysis.fail_attempt, job_id, "analysis.bad_image", max_attempts=0)
    with pytest.raises(NotFound):
        run(engine, analysis.retry_failed_job, user_id=other_id, job_id=job_id)
    with pytest.raises(NotFound):
        run(engine, analysis.retry_failed_job, user_id=owner, job_id=999_999)
    assert job(engine, job_id).status == "failed"
    retried = run(engine, analysis.retry_failed_job, user_id=owner, job_id=job_id)
    assert (retried.id, retried.status, retried.attempts, retried.error_key) == (
        job_id,
        "queued",
        0,
        "",
    )
    row = job(engine, job_id)
    assert (row.status, row.attempts, row.enqueued_at, row.finished_at) == ("queued", 0, None, None)
    # A second click while it waits changes nothing; a done job is not retried.
    assert run(engine, analysis.retry_failed_job, user_id=owner, job_id=job_id).status == "queued"
    run(engine, analysis.start_job, job_id)
    run(engine, analysis.complete_job, job_id, espresso())
    with pytest.raises(analysis.AnalysisJobNotRetryable):
        run(engine, analysis.retry_failed_job, user_id=owner, job_id=job_id)


def test_open_jobs_to_sweep_are_queued_ones_and_analysing_ones_nobody_touches(
    engine: Engine, add_meal_photo: MealPhotoFactory
) -> None:
    with session_scope(engine) as db:
        queued = analysis.create_job(db, photo=add_meal_photo(db)).id
        running = analysis.create_job(db, photo=add_meal_photo(db)).id
        finished = analysis.create_job(db, photo=add_meal_photo(db)).id
    run(engine, analysis.start_job, running)
    run(engine, analysis.start_job, finished)
    run(engine, analysis.complete_job, finished, nothing())
    idle = timedelta(seconds=20)
    # Queued jobs are always offered (Redis decides whether it holds them); a job its worker
    # touched within `idle` is not.
    assert run(engine, analysis.open_jobs_to_sweep, analysing_idle=idle) == [queued]
    later = datetime.now(UTC) + timedelta(seconds=30)
    assert run(engine, analysis.open_jobs_to_sweep, analysing_idle=idle, now=later) == [
        queued,
        running,
    ]
    # The worker's renewal keeps a live job out of the sweep.
    assert run(engine, analysis.touch_job, running)
    soon = datetime.now(UTC) + timedelta(seconds=10)
    assert run(engine, analysis.open_jobs_to_sweep, analysing_idle=idle, now=soon) == [queued]
    assert not run(engine, analysis.touch_job, finished)  # only analysing jobs
    # Pages by id.
    assert run(
        engine, analysis.open_jobs_to_sweep, analysing_idle=idle, now=later, after_id=queued
    ) == [running]
    assert run(engine, analysis.open_jobs_to_sweep, analysing_idle=idle, limit=1, now=later) == [
        queued
    ]


def test_job_summary_and_payload(engine: Engine, job_id: int) -> None:
    summary = run(engine, analysis.job_summary, job_id)
    assert summary is not None
    payload = summary.payload()
    assert payload["job_id"] == job_id
    assert payload["status"] == "queued"
    assert {"job_id", "meal_id", "status"} <= set(payload)
    assert run(engine, analysis.job_summary, 999_999) is None


def test_deleting_the_meal_removes_its_jobs(engine: Engine, job_id: int) -> None:
    run(engine, analysis.start_job, job_id)
    with session_scope(engine) as db:
        row = db.get(AnalysisJob, job_id)
        assert row is not None
        photo = db.get(MealPhoto, row.photo_id)
        assert photo is not None
        meal = db.get(Meal, photo.meal_id)
        db.delete(meal)
    assert run(engine, analysis.complete_job, job_id, espresso()) is False
    assert run(engine, analysis.fail_attempt, job_id, "x", max_attempts=1) == "ignored"
    assert items(engine) == []
