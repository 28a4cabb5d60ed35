"""ObserveRequests around real Starlette routing: the route template of what answered, the
request id (the proxy's, or a new one), the metrics and the log line."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from healthapp.api.observe import UNMATCHED, ObserveRequests
from healthapp.api.upload_limits import UploadLimits
from healthapp.observability import metrics
from healthapp.observability.logs import REQUEST_ID
from tests.aio import run


def ok(request: Request) -> PlainTextResponse:
    return PlainTextResponse(f"ok {REQUEST_ID.get()}")


def boom(_request: Request) -> PlainTextResponse:
    raise RuntimeError("boom")


def build(tmp_path: Any) -> Starlette:
    """Mounts as the web's stack has them: the REST app, a versioned app mounted under it,
    and a catch-all mount (Reflex's app, its frontend files) at the root."""
    (tmp_path / "index.html").write_text("<p>page</p>")
    v1 = Starlette(routes=[Route("/glucose/{reading_id}", ok)])
    frontend = Starlette(routes=[Route("/ping", ok), Mount("/", StaticFiles(directory=tmp_path))])
    return Starlette(
        routes=[
            Route("/api/photos/{photo_id}", ok),
            Route("/api/boom", boom),
            Mount("/api/v1", v1),
            Mount("", frontend),
        ]
    )


Answer = tuple[int, dict[bytes, bytes], bytes]


def call(app: Any, path: str, *, headers: list[tuple[bytes, bytes]] | None = None,
         client: str = "10.0.0.9", method: str = "GET") -> Answer:  # fmt: skip
    sent: list[dict[str, Any]] = []
    asked = 0

    async def receive() -> dict[str, Any]:
        nonlocal asked
        asked += 1
        if asked > 1:  # a response that listens for a disconnect waits here until it is done
            await asyncio.Event().wait()
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
             "root_path": "", "query_string": b"nonce=SECRET-NONCE", "headers": headers or [],
             "client": (client, 5000), "server": ("testserver", 80), "scheme": "http",
             "http_version": "1.1"}  # fmt: skip
    run(app(scope, receive, send))
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], dict(start["headers"]), body


def count(route: str, status: int, method: str = "GET") -> float:
    labels = {"method": method, "route": route, "status": str(status)}
    return metrics.WEB.get_sample_value("healthapp_http_requests_total", labels) or 0.0


@pytest.mark.parametrize(
    ("path", "route", "status"),
    [
        ("/api/photos/17", "/api/photos/{photo_id}", 200),
        ("/api/v1/glucose/99", "/api/v1/glucose/{reading_id}", 200),
        ("/ping", "/ping", 200),
        ("/index.html", "/{path}", 200),
        ("/assets/app-1234.js", "/{path}", 404),
    ],
)
def test_the_route_template_of_what_answered_is_the_label(
    tmp_path: Any, path: str, route: str, status: int
) -> None:
    app = ObserveRequests(build(tmp_path), trusted=())
    before = count(route, status)
    code, _headers, _ = call(app, path)
    assert code == status
    assert count(route, status) == before + 1
    duration = metrics.WEB.get_sample_value(
        "healthapp_http_request_duration_seconds_count", {"method": "GET", "route": route}
    )
    assert duration is not None
    assert duration >= 1


def test_a_path_no_route_matches_is_one_label(tmp_path: Any) -> None:
    app = ObserveRequests(Starlette(routes=[Route("/only", ok)]), trusted=())
    before = count(UNMATCHED, 404)
    for path in ("/a/1", "/b/2", "/c/3"):
        assert call(app, path)[0] == 404
    assert count(UNMATCHED, 404) == before + 3


def test_a_refused_upload_is_counted_under_the_upload_route(tmp_path: Any) -> None:
    limits = UploadLimits(build(tmp_path), max_bytes=10_000, request_max_bytes=10_000,
                          secret_key="k" * 40)  # fmt: skip
    app = ObserveRequests(limits, trusted=())
    before = count("/_upload", 401, "POST")
    refused = metrics.WEB.get_sample_value("healthapp_uploads_refused_total",
                                           {"reason": "not_signed_in"})  # fmt: skip
    code, headers, _ = call(app, "/_upload", method="POST")
    assert code == 401
    assert b"x-request-id" in headers
    assert count("/_upload", 401, "POST") == before + 1
    assert (
        metrics.WEB.get_sample_value("healthapp_uploads_refused_total", {"reason": "not_signed_in"})
        == (refused or 0) + 1
    )


def test_a_server_error_is_counted_as_500(tmp_path: Any) -> None:
    app = ObserveRequests(build(tmp_path), trusted=())
    before = count("/api/boom", 500)
    with pytest.raises(RuntimeError):
        call(app, "/api/boom")
    assert count("/api/boom", 500) == before + 1


def test_a_new_request_id_unless_a_trusted_proxy_sent_one(tmp_path: Any) -> None:
    proxy = (ipaddress.ip_network("10.0.0.0/24"),)
    app = ObserveRequests(build(tmp_path), trusted=proxy)
    given = [(b"x-request-id", b"proxy-abc-123")]
    _, headers, body = call(app, "/ping", headers=given, client="10.0.0.2")
    assert headers[b"x-request-id"] == b"proxy-abc-123"
    assert body == b"ok proxy-abc-123"  # the id is the request's context while it runs

    _, headers, body = call(app, "/ping", headers=given, client="203.0.113.5")  # not the proxy
    assert headers[b"x-request-id"] != b"proxy-abc-123"
    assert len(headers[b"x-request-id"]) == 16
    assert body == b"ok " + headers[b"x-request-id"]

    odd = [(b"x-request-id", b"bad id\nwith a line break")]
    _, headers, _ = call(app, "/ping", headers=odd, client="10.0.0.2")
    assert headers[b"x-request-id"] != odd[0][1]
    assert REQUEST_ID.get() == ""  # reset after the request


def test_the_log_line_names_the_route_not_the_path_or_query(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = ObserveRequests(build(tmp_path), trusted=())
    with caplog.at_level(logging.DEBUG, logger="healthapp.http"):
        _, _headers, _ = call(app, "/api/photos/4711")
    [record] = [r for r in caplog.records if r.name == "healthapp.http"]
    fields = record.fields  # type: ignore[attr-defined]
    assert fields["route"] == "/api/photos/{photo_id}"
    assert (fields["method"], fields["status"]) == ("GET", 200)
    assert fields["duration_ms"] >= 0
    text = json.dumps(fields) + record.getMessage()
    assert "4711" not in text
    assert "SECRET-NONCE" not in text
    assert record.levelno == logging.INFO


def test_scrapes_probes_and_frontend_files_log_at_debug_unless_they_fail(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    app = ObserveRequests(build(tmp_path), trusted=())
    with caplog.at_level(logging.DEBUG, logger="healthapp.http"):
        for path in ("/ping", "/index.html", "/missing.js"):
            call(app, path)
    levels = [(r.fields["route"], r.fields["status"], r.levelno)  # type: ignore[attr-defined]
              for r in caplog.records if r.name == "healthapp.http"]  # fmt: skip
    assert levels == [("/ping", 200, logging.DEBUG), ("/{path}", 200, logging.DEBUG),
                      ("/{path}", 404, logging.INFO)]  # fmt: skip
