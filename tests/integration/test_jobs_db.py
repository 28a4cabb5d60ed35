"""The worker's side of an analysis job on SQLite and PostgreSQL: the job and its photo read in
one locking statement, the estimate item added by one INSERT that a photo's item turns into
nothing, and two workers completing one job store it once."""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa
from sqlmodel import Session, select

from healthapp.db import make_engine, migrate, session_scope
from healthapp.models import AnalysisJob, MealItem, MealPhoto
from healthapp.services import analysis
from tests.conftest import MealPhotoFactory
from tests.unit.services.analysis.test_jobs import ESPRESSO, espresso


def _queued_job(engine: sa.Engine, add_meal_photo: MealPhotoFactory) -> int:
    with session_scope(engine) as db:
        job = analysis.create_job(db, photo=add_meal_photo(db))
        assert job.id is not None
        return job.id


def _items(engine: sa.Engine) -> list[MealItem]:
    with Session(engine) as db:
        return list(db.exec(select(MealItem)).all())


def test_a_job_runs_once_and_keeps_a_persons_item(
    database_url: str, add_meal_photo: MealPhotoFactory
) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    first, second = _queued_job(engine, add_meal_photo), _queued_job(engine, add_meal_photo)
    with session_scope(engine) as db:
        started = analysis.start_job(db, first)
        photo = db.get(MealPhoto, started.photo_id) if started else None
    assert started is not None
    assert photo is not None
    assert (started.attempts, started.storage_key, started.meal_id) == (
        1,
        photo.storage_key,
        photo.meal_id,
    )
    with session_scope(engine) as db:
        assert analysis.complete_job(db, first, espresso()) is True
    with session_scope(engine) as db:  # a redelivery: nothing starts, nothing doubles
        assert analysis.start_job(db, first) is None
        assert analysis.complete_job(db, first, espresso()) is False
    [item] = _items(engine)
    assert (item.photo_id, item.food_id, item.source) == (photo.id, ESPRESSO, "estimate")
    assert item.created_at is not None

    with session_scope(engine) as db:  # the person answered before the model did
        job = db.get(AnalysisJob, second)
        assert job is not None
        mine = db.get(MealPhoto, job.photo_id)
        assert mine is not None
        db.add(MealItem(meal_id=mine.meal_id, user_id=mine.user_id, photo_id=mine.id,
                        food_id=ESPRESSO, grams=30, kcal=1, carb_g=0, protein_g=0, fat_g=0,
                        source="manual"))  # fmt: skip
    with session_scope(engine) as db:
        assert analysis.start_job(db, second) is not None
        assert analysis.complete_job(db, second, espresso()) is True
    with Session(engine) as db:
        done = db.get(AnalysisJob, second)
        assert done is not None
        assert done.result is not None
        assert (done.status, done.result["item"]) == ("done", "kept_existing")
    # The first photo's estimate, and the person's own item on the second, untouched.
    assert sorted((i.photo_id, i.source, i.grams) for i in _items(engine)) == sorted(
        [(item.photo_id, "estimate", item.grams), (mine.id, "manual", 30)]
    )
    engine.dispose()


def test_two_workers_completing_one_job_store_it_once(
    postgres_url: str, add_meal_photo: MealPhotoFactory
) -> None:
    """The first holds the job's row lock until it commits; the second then finds it done."""
    migrate(postgres_url)
    engine = make_engine(postgres_url)
    job_id = _queued_job(engine, add_meal_photo)
    with session_scope(engine) as db:
        assert analysis.start_job(db, job_id) is not None
    stored: dict[str, bool] = {}
    locked = threading.Event()

    def slow() -> None:
        with session_scope(engine) as db:
            stored["slow"] = analysis.complete_job(db, job_id, espresso())
            locked.set()
            time.sleep(0.5)  # the second worker arrives while this one has not committed

    thread = threading.Thread(target=slow)
    thread.start()
    assert locked.wait(10)
    started = time.perf_counter()
    with session_scope(engine) as db:
        stored["fast"] = analysis.complete_job(db, job_id, espresso())
    waited = time.perf_counter() - started
    thread.join()
    assert stored == {"slow": True, "fast": False}
    assert waited > 0.2  # it waited for the lock rather than reading the row as it was
    assert len(_items(engine)) == 1
    engine.dispose()
