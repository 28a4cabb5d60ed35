"""The worker's health endpoint: GET (or HEAD) /healthz answers the worker's status as JSON,
200 when it is running and Redis and Triton answer, 503 otherwise; GET /metrics the worker's
Prometheus metrics (metrics.py); any other path is 404.

A plain ASGI app served by uvicorn on the worker's own event loop, so a check sees the live
job loop. The worker handles SIGTERM/SIGINT itself (it finishes the jobs in hand), so uvicorn
is kept from installing signal handlers of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket
from collections.abc import Awaitable, Callable, Iterator
from datetime import datetime
from typing import Any, Protocol

import redis
import uvicorn

from healthapp.inference.triton_client import FoodModelClient
from healthapp.job_queue import JobQueue
from healthapp.worker.config import WorkerConfig

log = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]
Exposition = Callable[[], bytes]  # blocking: run in a thread
METRICS_CONTENT_TYPE = b"text/plain; version=0.0.4; charset=utf-8"
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
NOT_FOUND = b'{"error": "not found"}'


class Checked(Protocol):
    """What the health check reads from the worker (and the two flags it refreshes)."""

    config: WorkerConfig
    queue: JobQueue
    model_client: FoodModelClient
    started: bool
    redis_ok: bool
    triton_ready: bool
    jobs_done: int
    jobs_failed: int
    last_job_at: datetime | None

    @property
    def stopping(self) -> bool: ...

    @property
    def jobs_in_flight(self) -> int: ...


async def check_health(worker: Checked) -> tuple[bool, dict[str, Any]]:
    """(healthy, body) for GET /healthz; checks Redis and Triton live."""
    try:
        await asyncio.wait_for(asyncio.to_thread(worker.queue.client.ping), timeout=2)
        worker.redis_ok = True
    except (redis.RedisError, TimeoutError):
        worker.redis_ok = False
    if worker.started and not worker.stopping:
        ready = await worker.model_client.is_ready(timeout_s=1.0)
        if not ready:
            worker.triton_ready = False  # the job loop waits for it
    healthy = worker.started and worker.redis_ok and worker.triton_ready and not worker.stopping
    if worker.stopping:
        status = "stopping"
    elif not worker.started:
        status = "starting"
    else:
        status = "ok" if healthy else "degraded"
    body = {
        "status": status,
        "triton_ready": worker.triton_ready,
        "redis_ok": worker.redis_ok,
        "jobs_done": worker.jobs_done,
        "jobs_failed": worker.jobs_failed,
        "last_job_at": worker.last_job_at.isoformat() if worker.last_job_at else None,
        "jobs_in_flight": worker.jobs_in_flight,
        "consumer": worker.config.consumer,
        "model": worker.model_client.model,
    }
    return healthy, body


def health_app(
    check: HealthCheck, metrics: Exposition | None = None
) -> Callable[[dict[str, Any], Receive, Send], Awaitable[None]]:
    """The ASGI app: `check()` gives (healthy, body) for each request to /healthz, `metrics()`
    the page for /metrics."""

    async def app(scope: dict[str, Any], _receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        content_type = b"application/json"
        if scope["method"] in ("GET", "HEAD") and scope["path"] == "/healthz":
            healthy, body = await check()
            status, content = (200 if healthy else 503), json.dumps(body).encode()
        elif (
            metrics is not None
            and scope["method"] in ("GET", "HEAD")
            and (scope["path"] == "/metrics")
        ):
            status, content = 200, await asyncio.to_thread(metrics)
            content_type = METRICS_CONTENT_TYPE
        else:
            status, content = 404, NOT_FOUND
        headers = [
            (b"content-type", content_type),
            (b"content-length", str(len(content)).encode()),
            (b"cache-control", b"no-store"),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})  # uvicorn drops it on HEAD

    return app


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HealthServer:
    """Serves `check` on host:port from `start()` until `close()`."""

    def __init__(
        self, check: HealthCheck, host: str, port: int, metrics: Exposition | None = None
    ) -> None:
        self.host, self.port = host, port
        config = uvicorn.Config(
            health_app(check, metrics),
            http="h11",
            ws="none",
            lifespan="off",
            proxy_headers=False,
            log_config=None,  # keep the worker's logging set-up
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=5,
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listen at once (an OSError if the port is taken); requests wait in the backlog until
        uvicorn has started on the loop."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.create_server((self.host, self.port), family=family)
        self.port = sock.getsockname()[1]  # the one the system chose when asked for port 0
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        log.info("health endpoint at http://%s:%d/healthz", self.host, self.port)

    async def close(self) -> None:
        if self._task is None:
            return
        self._server.should_exit = True
        await self._task
        self._task = None
