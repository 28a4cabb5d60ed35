"""The "top n%" ranks (services/ranking/): each user's current values, and a histogram of them.

rank_metric: one row per (user, metric), overwritten when the user's records change or a periodic
job runs. A row exists only while the user is counted: eligible for the metric in that period
(enough data) and not opted out.

rank_histogram: for each (metric, period, rank value), how many rank_metric rows have it. Kept
in step with rank_metric by the service, in the same transaction as every rank_metric change
(rows whose count falls to 0 are deleted), so a rank sums at most a few thousand histogram rows
whatever the number of users.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from healthapp.models.base import utc_column


class RankMetric(SQLModel, table=True):
    __tablename__ = "rank_metric"  # type: ignore[assignment]  # sqlmodel#98
    # For rebuilding the histogram of one (metric, period): an index-only GROUP BY.
    __table_args__ = (
        sa.Index("ix_rank_metric_metric_period_rank_value", "metric", "period", "rank_value"),
    )

    user_id: int = Field(
        foreign_key="app_user.id", ondelete="CASCADE", primary_key=True, nullable=False
    )
    # services.ranking.Metric: exercise_week | consistency_30d | glucose_tir_14d
    metric: str = Field(primary_key=True, max_length=24)
    # The period the value belongs to, in the user's own calendar: an ISO week ("2026-W48") for
    # weekly metrics, the last day of the window ("2026-11-29") for rolling ones.
    period: str = Field(max_length=16)
    # The user's value as shown (time in range: the exact share, e.g. 78.571...).
    value: float
    # The value ranks compare: `value` rounded half up to a whole number (minutes, days, whole
    # percent; services.ranking.rank_value). The key of rank_histogram.
    rank_value: int
    updated_at: datetime = utc_column()


class RankHistogram(SQLModel, table=True):
    __tablename__ = "rank_histogram"  # type: ignore[assignment]  # sqlmodel#98

    metric: str = Field(primary_key=True, max_length=24)
    period: str = Field(primary_key=True, max_length=16)
    # A rank_metric.rank_value; the primary key (metric, period, value) is the index ranks read.
    value: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    users: int  # rank_metric rows with this (metric, period, rank_value); > 0
