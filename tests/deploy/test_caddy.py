"""deploy/caddy/Caddyfile: `caddy validate` and `caddy fmt`, then a real Caddy (Debian's) with
its internal CA in front of a stub backend: HSTS and the fallback security headers without
overriding the app's own, /metrics never proxied, X-Forwarded-* set by Caddy (a client's own
X-Forwarded-For dropped), the body limit, the HTTP -> HTTPS redirect, a WebSocket upgrade, and the
admin endpoint the compose health check asks. (The app itself behind Caddy, in Chromium, is
another test of issue 13.)"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from healthapp.config import Settings
from healthapp.processes import free_port, stop_group
from tests.deploy.conftest import CADDYFILE, failed, run, scratch_env, tool

APP_CSP = "default-src 'self'; frame-ancestors 'none'"
BODY_LIMIT = 4096


def caddy_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    defaults = {
        "DOMAIN": "localhost",
        "CADDY_TLS": "internal",
        "WEB_UPSTREAM": "127.0.0.1:9",
        "CADDY_ADMIN": "localhost:0",
    }
    return scratch_env(tmp_path, **{**defaults, **extra})


def test_caddy_validate(tmp_path: Path) -> None:
    result = run(
        [tool("caddy"), "validate", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env=caddy_env(tmp_path),
    )
    assert result.returncode == 0, failed(result)
    assert "Valid configuration" in result.stdout + result.stderr


def test_caddyfile_is_formatted() -> None:
    result = run([tool("caddy"), "fmt", str(CADDYFILE)])
    assert result.returncode == 0, failed(result)
    assert result.stdout == CADDYFILE.read_text(), "run `caddy fmt --overwrite` on the Caddyfile"


def test_default_body_limit_is_the_apps_upload_limit() -> None:
    default = Settings.model_fields["upload_max_bytes"].default
    assert f"max_size {{$UPLOAD_MAX_BYTES:{default}}}" in CADDYFILE.read_text()


@dataclass
class Seen:
    """What the stub backend received."""

    requests: list[tuple[str, str, dict[str, str], int]] = field(default_factory=list)


def stub_backend(seen: Seen) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: object) -> None:
            pass

        def _record(self, body_bytes: int = 0) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            seen.requests.append((self.command, self.path, headers, body_bytes))

        def do_GET(self) -> None:
            if self.headers.get("Upgrade", "").lower() == "websocket":
                self._record()
                accept = base64.b64encode(
                    hashlib.sha1(
                        (
                            self.headers["Sec-WebSocket-Key"]
                            + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
                        ).encode()
                    ).digest()
                ).decode()
                self.send_response(101)
                self.send_header("Upgrade", "websocket")
                self.send_header("Connection", "Upgrade")
                self.send_header("Sec-WebSocket-Accept", accept)
                self.end_headers()
                self.wfile.flush()
                self.wfile.write(self.rfile.read(5))  # echo the client's first bytes
                self.wfile.flush()
                self.close_connection = True
                return
            self._record()
            body = b"<html><body>ok</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if self.path == "/":  # the app's own headers, which Caddy must leave alone
                self.send_header("Content-Security-Policy", APP_CSP)
                self.send_header("X-Frame-Options", "SAMEORIGIN")
                self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            data = self.rfile.read(length)
            self._record(len(data))
            self.send_response(204)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@dataclass
class Proxy:
    https_port: int
    http_port: int
    admin_port: int
    context: ssl.SSLContext
    seen: Seen

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPSConnection(
            "localhost", self.https_port, context=self.context, timeout=10
        )
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return (
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                response.read(),
            )
        finally:
            connection.close()


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"caddy exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.1)
    pytest.fail(f"caddy did not listen on {port}:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    caddy = tool("caddy")
    tmp_path = tmp_path_factory.mktemp("caddy")
    seen = Seen()
    backend = stub_backend(seen)
    https_port, http_port, admin_port = free_port(), free_port(), free_port()
    env = caddy_env(
        tmp_path,
        WEB_UPSTREAM=f"127.0.0.1:{backend.server_address[1]}",
        HTTPS_PORT=str(https_port),
        HTTP_PORT=str(http_port),
        CADDY_ADMIN=f"localhost:{admin_port}",
        UPLOAD_MAX_BYTES=str(BODY_LIMIT),
    )
    log = tmp_path / "caddy.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [caddy, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_for_port(https_port, process, log)
        root = Path(env["XDG_DATA_HOME"]) / "caddy/pki/authorities/local/root.crt"
        deadline = time.monotonic() + 20
        while not root.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        context = ssl.create_default_context(cafile=str(root))  # Caddy's internal CA only
        yield Proxy(https_port, http_port, admin_port, context, seen)
    finally:
        stop_group(process, grace=10)
        backend.shutdown()
        backend.server_close()


def _https_ready(proxy: Proxy) -> None:
    """The internal CA signs the site's certificate just after start: retry the first request."""
    deadline = time.monotonic() + 20
    while True:
        try:
            proxy.request("GET", "/plain")
            return
        except (ssl.SSLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_security_headers_without_overriding_the_app(proxy: Proxy) -> None:
    _https_ready(proxy)
    status, headers, _ = proxy.request("GET", "/")
    assert status == 200
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    assert headers["content-security-policy"] == APP_CSP  # the app's policy, untouched
    assert headers["x-frame-options"] == "SAMEORIGIN"  # the app's value, not Caddy's DENY
    assert headers["x-content-type-options"] == "nosniff"
    assert "server" not in headers
    status, headers, _ = proxy.request("GET", "/plain")  # a response without the app's headers
    assert status == 200
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" in headers


@pytest.mark.parametrize(
    "path", ["/metrics", "/METRICS", "/metrics/", "/metrics?x=1", "/%6detrics"]
)
def test_metrics_are_never_proxied(proxy: Proxy, path: str) -> None:
    _https_ready(proxy)
    before = len(proxy.seen.requests)
    status, _, _ = proxy.request("GET", path)
    assert status == 404
    assert [r for r in proxy.seen.requests[before:] if "etrics" in r[1].lower()] == []


def test_forwarded_headers_come_from_caddy(proxy: Proxy) -> None:
    _https_ready(proxy)
    proxy.request(
        "GET", "/who", headers={"X-Forwarded-For": "6.6.6.6", "X-Forwarded-Proto": "http"}
    )
    _, _path, headers, _ = next(r for r in reversed(proxy.seen.requests) if r[1] == "/who")
    assert headers["x-forwarded-for"] == "127.0.0.1"  # the real peer; the forged hop is gone
    assert headers["x-forwarded-proto"] == "https"
    assert headers["x-forwarded-host"] == f"localhost:{proxy.https_port}"
    assert headers["host"] == f"localhost:{proxy.https_port}"  # the app's CSP names this host


def test_request_body_limit(proxy: Proxy) -> None:
    _https_ready(proxy)
    status, _, _ = proxy.request("POST", "/_upload", body=b"x" * 1000)
    assert status == 204
    status, _, _ = proxy.request("POST", "/_upload", body=b"x" * (BODY_LIMIT * 4))
    assert status == 413
    received = [r[3] for r in proxy.seen.requests if r[0] == "POST"]
    assert max(received) <= BODY_LIMIT


def test_http_redirects_to_https(proxy: Proxy) -> None:
    connection = http.client.HTTPConnection("localhost", proxy.http_port, timeout=10)
    try:
        connection.request("GET", "/glucose")
        response = connection.getresponse()
        assert response.status in (301, 308)
        assert response.getheader("Location", "").startswith("https://localhost")
    finally:
        connection.close()


def test_websocket_upgrade_is_proxied(proxy: Proxy) -> None:
    _https_ready(proxy)
    raw = socket.create_connection(("127.0.0.1", proxy.https_port), timeout=10)
    with proxy.context.wrap_socket(raw, server_hostname="localhost") as sock:
        key = base64.b64encode(b"0123456789abcdef").decode()
        sock.sendall(
            (
                "GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\n"
                f"Host: localhost:{proxy.https_port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(1024)
        assert head.startswith(b"HTTP/1.1 101"), head
        sock.sendall(b"hello")
        echoed = head.split(b"\r\n\r\n", 1)[1]
        while len(echoed) < 5:
            echoed += sock.recv(5)
        assert echoed == b"hello"


def test_admin_endpoint_answers_the_compose_healthcheck(proxy: Proxy) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", proxy.admin_port, timeout=10)
    try:
        connection.request("GET", "/config/")
        assert connection.getresponse().status == 200
    finally:
        connection.close()
