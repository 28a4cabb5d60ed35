"""Logging a meal with photos, end to end on the server: validate, take in the photos, store
them privately, write the meal, photos and analysis jobs in one transaction, then queue the jobs.

The database is written first; a job whose enqueue fails (Redis down) stays `queued` with no
`enqueued_at`, and the worker's sweeper queues it later. Nothing is lost either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import redis
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.db import session_scope, utcnow
from healthapp.job_queue import JobQueue
from healthapp.services import analysis, meals
from healthapp.services.meals.photos import PhotoLimits, PhotoQuota, intake_and_count
from healthapp.services.meals.photos.intake import OUTPUT_CONTENT_TYPE
from healthapp.services.meals.storage import PhotoStorage, new_key, remove_photos, small_key
from healthapp.services.preferences import Preferences

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoggedMeal:
    meal_id: int
    job_ids: list[int]
    queued: int  # jobs that reached Redis now (the rest wait for the sweeper)


def log_meal(
    *,
    user_id: int,
    form: Mapping[str, Any],
    uploads: Sequence[bytes],
    prefs: Preferences,
    storage: PhotoStorage,
    limits: PhotoLimits,
    quota: PhotoQuota | None,
    queue: JobQueue | None,
    meal_id: int | None = None,
    engine: Engine | None = None,
    at_now: bool = False,
    before_commit: Callable[[Session, int, list[int]], None] | None = None,
) -> LoggedMeal:
    """Log a new meal, or (with `meal_id`) change one of the user's meals and add photos to it.
    With `at_now` (the person left the time as the form showed it) the meal is stamped with
    the moment of saving. Raises FormInvalid / ValidationError before anything is stored.
    `before_commit(db, meal_id, job_ids)` runs in the meal's transaction (the API stores its
    idempotent reply there); if it raises, nothing is kept."""
    now = utcnow()
    values = meals.meal_values(form, prefs, now)  # validate the form before any photo work
    if at_now:
        values["eaten_at"] = now
    processed = intake_and_count(uploads, user_id=user_id, limits=limits, quota=quota)
    keys = []
    try:
        for photo in processed:
            key = new_key(photo.extension)
            keys.append(key)
            storage.put(key, photo.data, photo.content_type)
            storage.put(small_key(key), photo.small, OUTPUT_CONTENT_TYPE)
        with session_scope(engine) as db:
            if meal_id is None:
                meal = meals.create_meal_from_values(db, user_id=user_id, values=values)
            else:
                meal = meals.update_meal_from_values(
                    db, user_id=user_id, meal_id=meal_id, values=values, tz=prefs.tz
                )
            assert meal.id is not None
            job_ids = []
            for key, photo in zip(keys, processed, strict=True):
                row = meals.add_photo(
                    db, user_id=user_id, meal_id=meal.id, storage_key=key,
                    content_type=photo.content_type, width=photo.width, height=photo.height,
                    size_bytes=len(photo.data),
                )  # fmt: skip
                job = analysis.create_job(db, photo=row)
                assert job.id is not None
                job_ids.append(job.id)
            if before_commit is not None:
                before_commit(db, meal.id, job_ids)
            saved_id = meal.id
    except BaseException:
        remove_photos(storage, keys)  # the transaction did not commit: no orphan files
        if quota is not None and processed:
            quota.refund(user_id, count=len(processed))
        raise
    return LoggedMeal(saved_id, job_ids, submit_jobs(job_ids, queue=queue, engine=engine))


def submit_jobs(job_ids: Sequence[int], *, queue: JobQueue | None, engine: Engine | None) -> int:
    """Put committed jobs on the Redis stream; returns how many made it."""
    if queue is None:
        return 0
    queued = 0
    for job_id in job_ids:
        try:
            queue.enqueue(job_id)
        except redis.RedisError:
            log.warning("Redis unavailable; job %s waits for the sweeper", job_id)
            continue
        with session_scope(engine) as db:
            analysis.mark_enqueued(db, job_id)
        queued += 1
    return queued
