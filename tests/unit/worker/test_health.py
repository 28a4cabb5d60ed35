"""The health endpoint: the ASGI app's answers, the check's body, and the server on a port."""

from __future__ import annotations

import asyncio
import json
import signal
import urllib.error
import urllib.request
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import fakeredis
import pytest
import redis

from healthapp.processes import free_port
from healthapp.worker.config import WorkerConfig
from healthapp.worker.health import HealthServer, check_health, health_app
from tests.aio import run


def call(app: Any, method: str, path: str) -> tuple[int, dict[bytes, bytes], bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path}
    run(app(scope, receive, send))
    start, body = sent
    return start["status"], dict(start["headers"]), body["body"]


def fixed(healthy: bool) -> Any:
    async def check() -> tuple[bool, dict[str, Any]]:
        return healthy, {"status": "ok" if healthy else "degraded"}

    return check


def test_healthz_is_200_when_healthy_and_503_otherwise() -> None:
    status, headers, body = call(health_app(fixed(True)), "GET", "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert headers[b"content-type"] == b"application/json"
    assert headers[b"cache-control"] == b"no-store"
    assert headers[b"content-length"] == str(len(body)).encode()
    status, _, body = call(health_app(fixed(False)), "HEAD", "/healthz")
    assert (status, json.loads(body)) == (503, {"status": "degraded"})


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/"), ("GET", "/metrics"), ("POST", "/healthz")]
)
def test_anything_else_is_404(method: str, path: str) -> None:
    status, _, body = call(health_app(fixed(True)), method, path)
    assert (status, json.loads(body)) == (404, {"error": "not found"})


class FakeModel:
    model = "food_classifier"

    def __init__(self, ready: bool) -> None:
        self.ready = ready

    async def is_ready(self, *, timeout_s: float = 2.0) -> bool:
        return self.ready


def fake_worker(*, started: bool = True, stopping: bool = False, triton: bool = True) -> Any:
    return SimpleNamespace(
        config=WorkerConfig(consumer="w1"),
        queue=SimpleNamespace(client=fakeredis.FakeRedis()),
        model_client=FakeModel(triton),
        started=started,
        stopping=stopping,
        redis_ok=False,
        triton_ready=True,
        jobs_done=3,
        jobs_failed=1,
        last_job_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        jobs_in_flight=2,
    )


def test_check_reports_the_worker() -> None:
    worker = fake_worker()
    healthy, body = run(check_health(worker))
    assert healthy
    assert body == {
        "status": "ok",
        "triton_ready": True,
        "redis_ok": True,
        "jobs_done": 3,
        "jobs_failed": 1,
        "last_job_at": "2026-01-02T03:04:05+00:00",
        "jobs_in_flight": 2,
        "consumer": "w1",
        "model": "food_classifier",
    }


def test_triton_gone_is_degraded_and_tells_the_job_loop() -> None:
    worker = fake_worker(triton=False)
    healthy, body = run(check_health(worker))
    assert not healthy
    assert (body["status"], body["triton_ready"], worker.triton_ready) == ("degraded", False, False)


def test_redis_gone_is_degraded() -> None:
    def ping() -> bool:
        raise redis.ConnectionError("refused")

    worker = fake_worker()
    worker.queue.client = SimpleNamespace(ping=ping)
    healthy, body = run(check_health(worker))
    assert (healthy, body["status"], body["redis_ok"]) == (False, "degraded", False)


@pytest.mark.parametrize(
    ("started", "stopping", "status"), [(False, False, "starting"), (True, True, "stopping")]
)
def test_starting_and_stopping_are_not_healthy(started: bool, stopping: bool, status: str) -> None:
    healthy, body = run(check_health(fake_worker(started=started, stopping=stopping)))
    assert (healthy, body["status"]) == (False, status)


def test_server_answers_on_its_port_and_leaves_signals_to_the_worker() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    before = signal.getsignal(signal.SIGTERM)

    def get(path: str, method: str = "GET") -> tuple[int, bytes]:
        request = urllib.request.Request(url + path, method=method)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    async def scenario() -> list[tuple[int, bytes]]:
        server = HealthServer(fixed(True), "127.0.0.1", port)
        await server.start()
        try:
            answers = [await asyncio.to_thread(get, "/healthz")]
            answers.append(await asyncio.to_thread(get, "/healthz", "HEAD"))
            answers.append(await asyncio.to_thread(get, "/nope"))
            assert signal.getsignal(signal.SIGTERM) is before
        finally:
            await server.close()
        return answers

    answers = run(scenario())
    assert answers == [(200, b'{"status": "ok"}'), (200, b""), (404, b'{"error": "not found"}')]
    with pytest.raises(urllib.error.URLError):
        get("/healthz")  # closed


def test_a_taken_port_fails_at_start() -> None:
    async def scenario() -> None:
        first = HealthServer(fixed(True), "127.0.0.1", 0)
        await first.start()
        try:
            taken = first.port
            with pytest.raises(OSError, match="in use"):
                await HealthServer(fixed(True), "127.0.0.1", taken).start()
        finally:
            await first.close()

    run(scenario())


def test_metrics_is_served_when_the_worker_gives_a_page() -> None:
    app = health_app(fixed(True), lambda: b"healthapp_jobs_total 1.0\n")
    status, headers, body = call(app, "GET", "/metrics")
    assert (status, body) == (200, b"healthapp_jobs_total 1.0\n")
    assert headers[b"content-type"].startswith(b"text/plain; version=0.0.4")
    assert call(app, "GET", "/healthz")[0] == 200
