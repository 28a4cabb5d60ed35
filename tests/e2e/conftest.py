"""The app as `make run` starts it (launcher, private Redis, production build), driven by
Debian's Chromium through Playwright."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, WebSocket, expect

from healthapp.launcher import free_port
from healthapp.processes import alive, descendants

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 600
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

expect.set_options(timeout=15_000)


@dataclass
class RunningApp:
    url: str
    log_path: Path
    process: subprocess.Popen[bytes]
    port: int  # the web process's own port (url may be a proxy in front of it)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextlib.contextmanager
def launched_app(
    var_dir: Path, extra_env: dict[str, str] | None = None, url: str | None = None
) -> Iterator[RunningApp]:
    """The launcher (`make run`) on a free port with its own var/ dir, stopped afterwards with
    nothing left behind. `extra_env` adds settings; `url` is where the browser goes (default:
    the app's own port)."""
    log_path = var_dir / "launcher.log"
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"REDIS_URL", "DATABASE_URL", "SECRET_KEY", "HEALTHAPP_ENV"}
    }
    # Every test signs up from 127.0.0.1: lift the per-client sign-up limit for the run.
    env.update(
        VAR_DIR=str(var_dir), PORT=str(port), PYTHONUNBUFFERED="1", SIGNUP_MAX_PER_CLIENT="100000"
    )
    env.update(extra_env or {})
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "healthapp.launcher"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = RunningApp(url or f"http://localhost:{port}", log_path, process, port)
    deadline = time.monotonic() + START_TIMEOUT
    while "healthapp is running at" not in running.log_text():
        if process.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            pytest.fail(f"the launcher did not start the app:\n{running.log_text()[-4000:]}")
        time.sleep(0.5)
    try:
        yield running
    finally:
        started = descendants(process.pid)
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        time.sleep(0.5)
        orphans = [pid for pid in started if alive(pid)]
        for pid in orphans:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert process.returncode == 0, running.log_text()[-2000:]
    assert not orphans, f"processes left behind by the launcher: {orphans}"


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    with launched_app(tmp_path_factory.mktemp("var")) as running:
        yield running


_STATE_PREFIX = re.compile(r"reflex___state____state\.?|healthapp___state___\w+?____")


class BrowserLog:
    """What the browser printed and what went over its websockets (a Reflex event out, a
    state delta back), with seconds since the test began: a failed test's report shows
    whether an event was sent and answered."""

    def __init__(self) -> None:
        self.start = time.monotonic()
        self.console: list[str] = []
        self.frames: list[str] = []

    def _stamp(self, text: str) -> str:
        return f"{time.monotonic() - self.start:7.2f} {text}"

    def watch(self, page: Page) -> None:
        page.on("console", lambda m: self.console.append(self._stamp(f"{m.type}: {m.text}")))
        page.on("websocket", self._watch_socket)

    def _watch_socket(self, socket: WebSocket) -> None:
        self.frames.append(self._stamp(f"open {socket.url}"))
        socket.on("framesent", lambda data: self._frame(">", data))
        socket.on("framereceived", lambda data: self._frame("<", data))
        socket.on("close", lambda _socket: self.frames.append(self._stamp("closed")))

    def _frame(self, direction: str, data: str | bytes) -> None:
        # State names repeat Reflex's prefixes; without them a line shows which handler ran.
        text = _STATE_PREFIX.sub("", str(data))
        self.frames.append(self._stamp(f"{direction} {text:.200}"))


@pytest.fixture(autouse=True)
def _no_server_errors(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Fail a browser test whose actions logged a traceback on the server; a failed test's
    report carries what the server logged meanwhile and what the browser did."""
    if "app" not in request.fixturenames:
        yield
        return
    running: RunningApp = request.getfixturevalue("app")
    browser_log = BrowserLog()
    if "page" in request.fixturenames:
        browser_log.watch(request.getfixturevalue("page"))
    # Tests open their own contexts (sizes, languages, a second person): watch every page.
    new_context = Browser.new_context

    def watched_context(self: Browser, *args: Any, **kwargs: Any) -> BrowserContext:
        context = new_context(self, *args, **kwargs)
        context.on("page", browser_log.watch)
        return context

    monkeypatch.setattr(Browser, "new_context", watched_context)
    start = len(running.log_text())
    yield
    new = running.log_text()[start:]
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        report.sections.append(("server log during the test", new[-6000:]))
        report.sections.append(("browser console", "\n".join(browser_log.console[-100:])))
        report.sections.append(("websocket frames", "\n".join(browser_log.frames[-80:])))
        _FAILED_DIGESTS.append(
            f"{request.node.nodeid}\n-- server log (last lines)\n"
            + "\n".join(new.splitlines()[-25:])
            + "\n-- browser console (last lines)\n"
            + "\n".join(browser_log.console[-10:])
            + "\n-- websocket frames (last)\n"
            + "\n".join(line[:140] for line in browser_log.frames[-25:])
        )
    assert "Traceback" not in new, new[-4000:]


# Printed again at the very end of the run, where a CI log's tail still shows it.
_FAILED_DIGESTS: list[str] = []


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for digest in _FAILED_DIGESTS:
        terminalreporter.write_sep("-", "browser test failure digest")
        terminalreporter.write_line(digest)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Kept on the item so that a fixture's teardown can tell whether the test itself failed.
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed; `make test` installs it")
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    # A zone far from UTC, so that local days and UTC days differ in the tests.
    return {**browser_context_args, "locale": "en-US", "timezone_id": "Asia/Seoul"}
