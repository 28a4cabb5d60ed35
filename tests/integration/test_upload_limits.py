"""A 200 MB upload, anonymous and signed in, against UploadLimits served by granian in its own
process with a stand-in route that reads what it is given: refused (401 / 413) while the body
streams, by declared length and chunked, and the serving process does not grow. The same
refusal in front of the whole Reflex app, as `make run` serves it, is tests/e2e/test_upload_edge."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.api.upload_limits import NOT_SIGNED_IN, REASON_HEADER, TOO_LARGE
from healthapp.launcher import free_port
from healthapp.processes import descendants
from healthapp.services.auth import sessions
from tests.accounts import sign_up
from tests.big_upload import MB, post_upload, rss

ROOT = Path(__file__).resolve().parents[2]
SECRET = "upload-limit-test-secret-0123456789abcdef"
LIMIT = 8 * 1024 * 1024
BIG = 200 * 1024 * 1024


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]

    def rss(self) -> int:
        """Resident bytes of the server and its workers (granian serves from a child)."""
        return rss([self.process.pid, *descendants(self.process.pid)])


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


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_200mb_upload_is_refused_without_growing_the_server(
    server: Server, token: str, chunked: bool
) -> None:
    # A body under the limit is read whole by the route: the server is the real thing.
    small = post_upload(server.port, 1 * MB, cookie=token, chunked=chunked)
    assert small.status == 200, small
    assert small.body.endswith(b'{"read":1048576}')
    before = server.rss()

    anonymous = post_upload(server.port, BIG, chunked=chunked)
    forged = post_upload(server.port, BIG, cookie="not-a-session", chunked=chunked)
    signed_in = post_upload(server.port, BIG, cookie=token, chunked=chunked)

    grown = server.rss() - before
    assert (anonymous.status, anonymous.headers[REASON_HEADER]) == (401, NOT_SIGNED_IN)
    assert (forged.status, forged.headers[REASON_HEADER]) == (401, NOT_SIGNED_IN)
    assert (signed_in.status, signed_in.headers[REASON_HEADER]) == (413, TOO_LARGE)
    assert grown < 10 * MB, f"the server grew by {grown / MB:.1f} MB"
