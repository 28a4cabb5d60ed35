"""Each user's current value of every "top n%" metric (services/ranking.py).

One row per (user, metric), overwritten when the user's records change or a periodic job runs.
A row exists only while the user is counted: eligible for the metric in that period (enough data)
and not opted out. The rank is then two COUNTs over the (metric, period, value) index.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from healthapp.models.base import utc_column


class RankMetric(SQLModel, table=True):
    __tablename__ = "rank_metric"
    __table_args__ = (sa.Index("ix_rank_metric_metric_period_value", "metric", "period", "value"),)

    user_id: int = Field(
        foreign_key="app_user.id", ondelete="CASCADE", primary_key=True, nullable=False
    )
    # services.ranking.Metric: exercise_week | consistency_30d | glucose_tir_14d
    metric: str = Field(primary_key=True, max_length=24)
    # The period the value belongs to, in the user's own calendar: an ISO week ("2026-W48") for
    # weekly metrics, the last day of the window ("2026-11-29") for rolling ones.
    period: str = Field(max_length=16)
    value: float
    updated_at: datetime = utc_column()
