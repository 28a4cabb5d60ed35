"""The open analysis jobs of all users, read for the worker: how many wait and for how long
(its metrics), and which ones the sweeper offers to Redis again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, select

from healthapp.db import utcnow
from healthapp.models import AnalysisJob
from healthapp.services.analysis.jobs import ANALYSING, OPEN_STATUSES, QUEUED


@dataclass(frozen=True)
class OpenJobStats:
    """The open jobs of all users, for the worker's metrics."""

    queued: int
    analysing: int
    oldest_created_at: datetime | None  # of the oldest open job; None when none is open


def open_job_stats(db: Session) -> OpenJobStats:
    """How many jobs are queued and analysing, and when the oldest of them was uploaded (two
    aggregates over the status index)."""
    rows = db.exec(
        select(AnalysisJob.status, sa.func.count(), sa.func.min(AnalysisJob.created_at))
        .where(col(AnalysisJob.status).in_(OPEN_STATUSES))
        .group_by(AnalysisJob.status)
    ).all()
    counts = {str(status): int(count) for status, count, _oldest in rows}
    oldest = [created for _status, _count, created in rows if created is not None]
    return OpenJobStats(
        queued=counts.get(str(QUEUED), 0),
        analysing=counts.get(str(ANALYSING), 0),
        oldest_created_at=min(oldest, default=None),
    )


def open_jobs_to_sweep(
    db: Session,
    *,
    analysing_idle: timedelta,
    after_id: int = 0,
    limit: int = 500,
    now: datetime | None = None,
) -> list[int]:
    """Job ids the sweeper offers to Redis, by id after `after_id` (one page): every queued job,
    and analysing jobs no worker has touched for `analysing_idle` (its worker died, or Redis
    lost the entry). Redis then adds only those it holds nowhere (JobQueue.enqueue_missing), so
    a job waiting in the stream or the retry set is never doubled."""
    moment = now or utcnow()
    statement = (
        select(AnalysisJob.id)
        .where(
            col(AnalysisJob.id) > after_id,
            sa.or_(
                col(AnalysisJob.status) == QUEUED,
                sa.and_(
                    col(AnalysisJob.status) == ANALYSING,
                    col(AnalysisJob.updated_at) < moment - analysing_idle,
                ),
            ),
        )
        .order_by(col(AnalysisJob.id))
        .limit(limit)
    )
    return [int(job_id) for job_id in db.exec(statement).all() if job_id is not None]
