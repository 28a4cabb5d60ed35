"""A 200 MB upload, anonymous and signed in, against UploadLimits served by granian in its own
process: refused (401 / 413) while the body streams, and the serving process does not grow.

The body is generated as it is sent (one 64 KiB buffer, reused) over a raw socket, so neither
side of the test holds it; the response is read by a second thread while the body is still
going out, because the server answers and closes before the body ends."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.api.upload_limits import NOT_SIGNED_IN, REASON_HEADER, TOO_LARGE, UPLOAD_PATH
from healthapp.launcher import free_port
from healthapp.processes import descendants
from healthapp.services.auth import sessions
from tests.accounts import sign_up

ROOT = Path(__file__).resolve().parents[2]
SECRET = "upload-limit-test-secret-0123456789abcdef"
LIMIT = 8 * 1024 * 1024
BIG = 200 * 1024 * 1024
CHUNK = b"\0" * (64 * 1024)
BOUNDARY = "healthapp-test-boundary"
MB = 1024 * 1024


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]

    def rss(self) -> int:
        """Resident bytes of the server and its workers (granian serves from a child)."""
        total = 0
        for pid in {self.process.pid, *descendants(self.process.pid)}:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except FileNotFoundError:
                continue
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        return total


@pytest.fixture
def server(engine: Engine, sqlite_url: str, tmp_path: Path) -> Iterator[Server]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "HEALTHAPP_ENV"}}
    env.update(DATABASE_URL=sqlite_url, SECRET_KEY=SECRET, VAR_DIR=str(tmp_path),
               UPLOAD_MAX_BYTES=str(LIMIT), UPLOAD_MAX_FILES="1",
               PHOTO_MAX_BYTES=str(LIMIT // 2))  # fmt: skip
    granian = Path(sys.executable).with_name("granian")
    process = subprocess.Popen(
        [str(granian), "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "--log-level", "warning", "tests.integration.upload_server:app"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        _wait_for_port(port, process)
        yield Server(port, process)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"granian exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    pytest.fail("granian did not listen within 60 s")


@pytest.fixture
def token(engine: Engine) -> str:
    with Session(engine) as db:
        user = sign_up(db)
        assert user.id is not None
        token = sessions.create_session(
            db, user_id=user.id, secret_key=SECRET, ttl=timedelta(hours=1)
        )
        db.commit()
    return token


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def _post(port: int, size: int, *, cookie: str = "", chunked: bool = False) -> Reply:
    """POST a multipart body with one file of `size` zero bytes, generated while sending."""
    head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; '
            f'filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n').encode()  # fmt: skip
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    lines = [f"POST {UPLOAD_PATH} HTTP/1.1", f"Host: 127.0.0.1:{port}",
             f"Content-Type: multipart/form-data; boundary={BOUNDARY}",
             "Reflex-Client-Token: t", "Reflex-Event-Handler: h", "Connection: close"]  # fmt: skip
    if cookie:
        lines.append(f"Cookie: {sessions.SESSION_COOKIE}={cookie}")
    lines.append("Transfer-Encoding: chunked" if chunked else
                 f"Content-Length: {len(head) + size + len(tail)}")  # fmt: skip
    received = bytearray()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:

        def read() -> None:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                received.extend(data)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()

        def parts() -> Iterator[bytes]:
            yield head
            for start in range(0, size, len(CHUNK)):
                yield CHUNK[: min(len(CHUNK), size - start)]
            yield tail

        try:
            conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
            for part in parts():
                if b"\r\n\r\n" in received:  # answered: the rest would go unread
                    break
                conn.sendall(b"%x\r\n%b\r\n" % (len(part), part) if chunked else part)
            else:
                if chunked:
                    conn.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server refused and closed while the body was going out
        reader.join(timeout=30)
    head_bytes, _, body = bytes(received).partition(b"\r\n\r\n")
    status_line, *header_lines = head_bytes.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in header_lines if ": " in line)
    return Reply(int(status_line.split()[1]), headers, body)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_200mb_upload_is_refused_without_growing_the_server(
    server: Server, token: str, chunked: bool
) -> None:
    # A body under the limit is read whole by the route: the server is the real thing.
    small = _post(server.port, 1 * MB, cookie=token, chunked=chunked)
    assert small.status == 200, small
    assert small.body.endswith(b'{"read":1048576}')
    before = server.rss()

    anonymous = _post(server.port, BIG, chunked=chunked)
    forged = _post(server.port, BIG, cookie="not-a-session", chunked=chunked)
    signed_in = _post(server.port, BIG, cookie=token, chunked=chunked)

    grown = server.rss() - before
    assert (anonymous.status, anonymous.headers[REASON_HEADER]) == (401, NOT_SIGNED_IN)
    assert (forged.status, forged.headers[REASON_HEADER]) == (401, NOT_SIGNED_IN)
    assert (signed_in.status, signed_in.headers[REASON_HEADER]) == (413, TOO_LARGE)
    assert grown < 10 * MB, f"the server grew by {grown / MB:.1f} MB"
