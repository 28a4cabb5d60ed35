"""GET /metrics: the web backend's Prometheus exposition (observability/metrics.py), with the
active sessions counted in the database at scrape time.

Prometheus scrapes the backend port directly (inside the deployment's network); the TLS proxy
in front of the site does not pass /metrics on, since the page tells how busy the site is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from healthapp.api.deps import get_engine_override
from healthapp.db import session_scope
from healthapp.observability import metrics
from healthapp.services.auth import sessions

PATH = "/metrics"
log = logging.getLogger(__name__)
router = APIRouter()


class ActiveSessions:
    """healthapp_active_sessions: live sessions in the database (every worker sees the same
    table, so this is read once per scrape rather than kept per process)."""

    def __init__(self, engine: Engine | None) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        try:
            with session_scope(self.engine) as db:
                count = sessions.count_live_sessions(db)
        except SQLAlchemyError as exc:
            log.warning("active sessions not counted: %s", type(exc).__name__)
            return
        gauge = GaugeMetricFamily(
            "healthapp_active_sessions", "Signed-in sessions that have not expired (database)."
        )
        gauge.add_metric([], count)
        yield gauge


@router.get(PATH, include_in_schema=False)
def prometheus_metrics(engine: Annotated[Engine | None, Depends(get_engine_override)]) -> Response:
    body = metrics.exposition(metrics.WEB, ActiveSessions(engine))
    return Response(body, media_type=metrics.CONTENT_TYPE, headers={"Cache-Control": "no-store"})
