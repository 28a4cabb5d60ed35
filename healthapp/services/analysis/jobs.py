"""Meal photo analysis jobs, on the database side (the source of truth; Redis only carries ids).

Status: queued -> analysing -> done | failed; a failed job can be queued again by its owner.

Upload (the meal service), in this order:
    job = create_job(db, photo=photo)            # in the same transaction as meal and photo
    ... commit ...
    try:
        JobQueue(redis, prefix).enqueue(job.id)  # after the commit: a worker must find the row
        with session_scope() as db: mark_enqueued(db, job.id)
    except redis.RedisError:
        pass  # the upload still succeeds; the worker's sweeper enqueues it (open_jobs_to_sweep)

Worker, per delivered job id: start_job -> (photo, Triton, mapping) -> complete_job, or
fail_attempt / release_job; then announce; then ack. Every function here only flushes: the caller
commits (session_scope). Every transition is a compare-and-set UPDATE on the status, and reads
that precede one lock the row on PostgreSQL (SELECT ... FOR UPDATE); SQLite serialises writers.
So two workers that get the same job (a redelivery, a reclaim, a sweeper duplicate) store its
result once: complete_job is idempotent by job id, and never adds a second item for a photo.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import Session, col, select

from healthapp.db import dialect_insert, insert_row, utcnow, with_defaults
from healthapp.domain.errors import ServiceError
from healthapp.models import AnalysisJob, Food, ItemSource, JobStatus, MealItem, MealPhoto
from healthapp.services.analysis.examples import pack, personal_match
from healthapp.services.analysis.recognition import (
    NO_FOOD_KEY,
    UNSURE_KEY,
    Estimate,
    Prediction,
)
from healthapp.services.foods import last_portions, portion_columns
from healthapp.services.ownership import owned

# Short names for the JobStatus members, used by the worker and the meal pages.
QUEUED = JobStatus.QUEUED
ANALYSING = JobStatus.ANALYSING
DONE = JobStatus.DONE
FAILED = JobStatus.FAILED
FINAL_STATUSES = (DONE, FAILED)
OPEN_STATUSES = (QUEUED, ANALYSING)

# Error keys a person sees (i18n catalogue keys). `analysis.no_food` comes with status "done".
ERROR_NO_FOOD = NO_FOOD_KEY
ERROR_UNSURE = UNSURE_KEY  # also "done": the photo's top 3 foods are offered as choices
ERROR_PHOTO_MISSING = "analysis.photo_missing"
ERROR_BAD_IMAGE = "analysis.bad_image"
ERROR_TIMEOUT = "analysis.timeout"
ERROR_MODEL = "analysis.model_error"
ERROR_INTERNAL = "analysis.internal_error"
ERROR_GAVE_UP = "analysis.gave_up"  # started more than job_max_attempts times (worker crashes)

FailOutcome = Literal["retry", "failed", "ignored"]


class AnalysisJobNotRetryable(ServiceError):
    """Only a failed job can be retried by a person (a done job has its answer)."""

    def __init__(self) -> None:
        super().__init__("analysis.not_retryable")


@dataclass(frozen=True)
class JobInput:
    """What a worker needs to analyse one job (returned by start_job)."""

    job_id: int
    photo_id: int
    user_id: int
    meal_id: int
    storage_key: str
    attempts: int  # including the attempt that start_job just began
    created_at: datetime


@dataclass(frozen=True)
class JobSummary:
    """A job's state for announcements."""

    job_id: int
    photo_id: int
    user_id: int
    meal_id: int
    status: str
    error_key: str
    attempts: int

    def payload(self) -> dict[str, Any]:
        """The JSON the meal page receives on its channel."""
        return {
            "job_id": self.job_id,
            "meal_id": self.meal_id,
            "photo_id": self.photo_id,
            "status": self.status,
            "error_key": self.error_key,
        }


def _locked(db: Session, job_id: int) -> AnalysisJob | None:
    """The job row, locked until commit on PostgreSQL (FOR UPDATE is a no-op on SQLite)."""
    statement = select(AnalysisJob).where(AnalysisJob.id == job_id).with_for_update()
    return db.exec(statement).first()


# The Core tables (SQLModel's stubs do not declare `Model.__table__`).
_JOBS: Any = sa.inspect(AnalysisJob).local_table
_PHOTOS: Any = sa.inspect(MealPhoto).local_table
_ITEMS: Any = sa.inspect(MealItem).local_table
# The worker's read before a transition: the job (locked on PostgreSQL) with its photo, as plain
# columns in one statement, built once (the ORM's two loads were most of a job's database CPU).
_JOB_WITH_PHOTO = (
    sa.select(
        _JOBS.c.status,
        _JOBS.c.attempts,
        _JOBS.c.created_at,
        _JOBS.c.user_id,
        _JOBS.c.photo_id,
        _PHOTOS.c.meal_id,
        _PHOTOS.c.user_id.label("photo_user_id"),
        _PHOTOS.c.storage_key,
    )
    .select_from(_JOBS.join(_PHOTOS, _PHOTOS.c.id == _JOBS.c.photo_id))
    .where(_JOBS.c.id == sa.bindparam("job_id"))
    .with_for_update(of=_JOBS)
)


def _job_with_photo(db: Session, job_id: int) -> Any:
    """The job's row with its photo's (None when either is gone), locked until commit on
    PostgreSQL. Pending ORM changes are written first, as a query of the session would."""
    db.flush()
    return db.connection().execute(_JOB_WITH_PHOTO, {"job_id": job_id}).first()


def _transition(db: Session, job_id: int, allowed: tuple[str, ...], **values: Any) -> bool:
    """Compare-and-set: update the job only while its status is one of `allowed`."""
    statement = (
        sa.update(_JOBS)
        .where(_JOBS.c.id == job_id, _JOBS.c.status.in_(allowed))
        .values(updated_at=utcnow(), **values)
    )
    db.flush()
    changed = db.connection().execute(statement).rowcount == 1
    loaded = db.identity_map.get(db.identity_key(AnalysisJob, job_id))
    if loaded is not None:
        db.expire(loaded)  # the copy loaded before the UPDATE is stale now
    return changed


def create_job(db: Session, *, photo: MealPhoto) -> AnalysisJob:
    """A queued job for a stored photo (in the upload's transaction; flushed, so it has an id)."""
    if photo.id is None:
        db.flush()
    assert photo.id is not None
    job: AnalysisJob = insert_row(
        db, AnalysisJob, {"photo_id": photo.id, "user_id": photo.user_id, "status": QUEUED}
    )
    return job


def mark_enqueued(db: Session, job_id: int) -> bool:
    """Record that the job id was (re-)added to the Redis stream: sets enqueued_at (and
    updated_at, so the sweeper leaves it alone for a while). Only while queued or analysing."""
    return _transition(db, job_id, OPEN_STATUSES, enqueued_at=utcnow())


def job_summary(db: Session, job_id: int) -> JobSummary | None:
    """The job's status with its meal (None when the job is gone)."""
    row = db.exec(
        select(AnalysisJob, MealPhoto)
        .join(MealPhoto, col(MealPhoto.id) == col(AnalysisJob.photo_id))
        .where(AnalysisJob.id == job_id)
    ).first()
    if row is None:
        return None
    job, photo = row
    assert job.id is not None
    return JobSummary(
        job_id=job.id,
        photo_id=job.photo_id,
        user_id=job.user_id,
        meal_id=photo.meal_id,
        status=job.status,
        error_key=job.error_key,
        attempts=job.attempts,
    )


def start_job(db: Session, job_id: int) -> JobInput | None:
    """Begin an attempt: status "analysing", attempts + 1, started_at now.

    None when the job is gone, done or failed (a duplicate delivery): the worker then only acks.
    """
    row = _job_with_photo(db, job_id)
    if row is None or row.status in FINAL_STATUSES:
        return None
    if not _transition(
        db,
        job_id,
        OPEN_STATUSES,
        status=ANALYSING,
        attempts=_JOBS.c.attempts + 1,
        started_at=utcnow(),
        error_key="",
    ):
        return None
    return JobInput(
        job_id=job_id,
        photo_id=row.photo_id,
        user_id=row.user_id,
        meal_id=row.meal_id,
        storage_key=row.storage_key,
        attempts=row.attempts + 1,
        created_at=row.created_at,
    )


def release_job(db: Session, job_id: int) -> bool:
    """Put an analysing job back to "queued" without counting the attempt (the model server was
    unavailable: not the job's fault). False when the job is no longer open."""
    job = _locked(db, job_id)
    if job is None or job.status not in OPEN_STATUSES:
        return False
    return _transition(db, job_id, OPEN_STATUSES, status=QUEUED, attempts=max(job.attempts - 1, 0))


def _add_estimate_item(
    db: Session, *, row: Any, food: Food, grams: float
) -> Literal["created", "kept_existing"]:
    """The photo's estimated item, unless the photo already has one (never overwrite a person's
    correction): one INSERT that the unique photo_id turns into nothing when an item is there,
    also one a concurrent transaction has just added."""
    values = with_defaults(
        MealItem,
        {
            "meal_id": row.meal_id,
            "user_id": row.photo_user_id,
            "photo_id": row.photo_id,
            "food_id": food.id,
            "grams": grams,
            "source": ItemSource.ESTIMATE,
            **portion_columns(food, grams),
        },
    )
    written = db.connection().execute(_insert_unless_itemised(db.get_bind().dialect.name), values)
    return "created" if written.rowcount == 1 else "kept_existing"


@cache
def _insert_unless_itemised(dialect: str) -> Any:
    """INSERT INTO meal_item ... ON CONFLICT (photo_id) DO NOTHING, built once per dialect."""
    insert = dialect_insert(dialect)
    if insert is None:
        raise RuntimeError(f"{dialect}: only PostgreSQL and SQLite are served")
    return insert(_ITEMS).on_conflict_do_nothing(index_elements=["photo_id"])


def _stored_estimate(db: Session, user_id: int, estimate: Estimate, food: Food) -> dict[str, Any]:
    """The estimate as stored: the person's last portion of the food when they have one (the
    +-25 % carbohydrate range scales with it), and the food table's nutrients for it, so the
    stored estimate matches the item."""
    stored = asdict(estimate)
    mine = last_portions(db, user_id=user_id, food_ids=[food.id]).get(food.id)
    if mine is not None and estimate.grams > 0:
        scale = mine / estimate.grams
        stored.update(
            grams=mine,
            portion_name="",
            portion_source="last",
            carb_low_g=round(estimate.carb_low_g * scale, 1),
            carb_high_g=round(estimate.carb_high_g * scale, 1),
        )
    stored.update(portion_columns(food, float(stored["grams"])))
    stored.update(name_en=food.name_en, name_ko=food.name_ko)
    return stored


def complete_job(db: Session, job_id: int, prediction: Prediction) -> bool:
    """Store the model's answer; idempotent by job id.

    True when this call stored it; False when the job is gone or already done/failed (nothing
    changes, so a job delivered twice never doubles a meal's nutrients). The result (top-k
    candidates with food ids and scores, the estimate, timings) goes to AnalysisJob.result. If a
    food is recognised and the photo has no item yet, an item with source "estimate" is added
    (food x the person's last confirmed or corrected portion of it, else the default portion;
    nutrients from the food table's per-100 g values). If none is,
    the job is still "done", with error_key "analysis.no_food" and no item. The photo's
    embedding is kept with the job, and the person's nearest own example, when close enough,
    goes to result["personal"] to be offered first (services/analysis/examples.py).
    """
    row = _job_with_photo(db, job_id)
    if row is None or row.status in FINAL_STATUSES:
        return False
    result = prediction.to_result()
    estimate = prediction.estimate
    food = db.get(Food, estimate.food_id) if estimate is not None else None
    if estimate is not None and food is None:
        # The mapping names a food the table lacks (a seed out of date): say so, add nothing.
        result.update(recognised=False, error_key=ERROR_NO_FOOD, missing_food_id=estimate.food_id)
    if estimate is not None and food is not None:
        result["estimate"] = _stored_estimate(db, row.user_id, estimate, food)
    embedding = pack(prediction.embedding)
    match = personal_match(db, user_id=row.user_id, photo_id=row.photo_id, embedding=embedding)
    result["personal"] = match.to_result() if match else None
    now = utcnow()
    if not _transition(
        db,
        job_id,
        OPEN_STATUSES,
        status=DONE,
        error_key="" if food is not None else result["error_key"] or ERROR_NO_FOOD,
        result=result,
        embedding=embedding,
        finished_at=now,
    ):
        return False
    if food is not None and estimate is not None:
        grams = float(result["estimate"]["grams"])
        outcome = _add_estimate_item(db, row=row, food=food, grams=grams)
        if outcome == "kept_existing":
            result["item"] = outcome
            _transition(db, job_id, (DONE,), result=result)
    db.flush()
    return True


def fail_attempt(db: Session, job_id: int, error_key: str, *, max_attempts: int) -> FailOutcome:
    """Record a failed attempt. "retry": back to queued (the worker schedules it with backoff);
    "failed": attempts reached `max_attempts`, status failed with `error_key` for the person;
    "ignored": the job is gone or already done/failed (nothing changed, nothing to retry)."""
    job = _locked(db, job_id)
    if job is None or job.status in FINAL_STATUSES:
        return "ignored"
    if job.attempts >= max_attempts:
        changed = _transition(
            db, job_id, OPEN_STATUSES, status=FAILED, error_key=error_key, finished_at=utcnow()
        )
        return "failed" if changed else "ignored"
    changed = _transition(db, job_id, OPEN_STATUSES, status=QUEUED, error_key=error_key)
    return "retry" if changed else "ignored"


def retry_failed_job(db: Session, *, user_id: int, job_id: int) -> AnalysisJob:
    """A person's retry of their own failed job: back to "queued" with attempts 0.

    The caller commits, then enqueues the id and calls mark_enqueued (as at upload). A job that
    is already queued or analysing is returned unchanged (a double click); a done job raises
    AnalysisJobNotRetryable; another user's or a missing job raises NotFound.
    """
    job = owned(db, AnalysisJob, job_id, user_id=user_id, for_update=True)
    if job.status in OPEN_STATUSES:
        return job
    if job.status != FAILED:
        raise AnalysisJobNotRetryable
    _transition(
        db,
        job_id,
        (FAILED,),
        status=QUEUED,
        attempts=0,
        error_key="",
        result=None,
        embedding=None,
        enqueued_at=None,
        started_at=None,
        finished_at=None,
    )
    refreshed = db.get(AnalysisJob, job_id)
    assert refreshed is not None
    return refreshed


def touch_job(db: Session, job_id: int) -> bool:
    """A worker still runs this job: updated_at now, so the sweeper leaves it alone even when
    Redis lost its lease. Only while analysing."""
    return _transition(db, job_id, (ANALYSING,))
