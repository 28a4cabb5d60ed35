"""Web events benchmark: "save a glucose reading" through the Reflex websocket.

    python -m bench.web_events                              # 1, 50, 100 clients, 30 s each
    python -m bench.web_events --duration 5 --clients 1,10  # smoke run
    python -m bench.web_events --think-ms 0                 # saturation: no pause between saves

The app runs as `make run` starts it: `python -m healthapp.launcher` (production build, granian,
one web worker) with PORT from the benchmark range, a temporary VAR_DIR and SQLite database, and
WORKERS=0 (no Triton: not needed here). REDIS_URL points at a private redis-server this script
starts on a port of the range (the launcher would otherwise pick any free port).

The load client speaks Reflex's event protocol with python-socketio's AsyncClient (aiohttp), as
the compiled frontend (.web/utils/state.js) does: a socket.io connection to the `/_event`
namespace on path `/_event` with `?token=<tab token>`, events emitted as "event" with
{name: "<full state name>.<handler>", payload, router_data}, state deltas received on "event".
Each client signs up through the real sign-up event (SignupState.submit: argon2, session row,
a one-time nonce), loads the claim route it answers with over HTTP to get the HttpOnly session
cookie, opens a new socket whose handshake carries that cookie (as the browser's next page
does), hydrates the /glucose page (`hydrate_and_load`), answers the time-zone `_call_script`
with `learn_timezone`, and waits for the page's
on_load. Then it saves readings (GlucoseState.submit with the form's fields) in a loop with a
random pause of `--think-ms` +-50 % between saves. Round trip: emit -> the delta carrying
GlucoseState's refreshed rows arrives. The backend's memory is the RSS of the web process tree
(`reflex run` and its granian children, from /proc), sampled every 0.5 s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import secrets
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import common


def _state_names() -> tuple[str, str, str, str]:
    """Full state names as Reflex derives them (and the compiled frontend uses them):
    root, AppState, SignupState, GlucoseState. Taken from the classes, so a state moved to
    another parent (SignupState sits under GuestState) is still addressed correctly."""
    from reflex.state import State

    from healthapp.state.auth import SignupState
    from healthapp.state.base import AppState
    from healthapp.state.records import GlucoseState

    return (
        State.get_full_name(),
        AppState.get_full_name(),
        SignupState.get_full_name(),
        GlucoseState.get_full_name(),
    )


ROOT_STATE, APP_STATE, SIGNUP_STATE, GLUCOSE_STATE = _state_names()
SESSION_COOKIE = "healthapp_session"
CLAIM_RE = re.compile(r"window\.location\.replace\(\"(/api/session/claim\?[^\"]+)\"\)")
HYDRATE = f"{ROOT_STATE}.hydrate_and_load"
NAMESPACE = "/_event"
START_TIMEOUT = 900  # the first production build runs bun on two cores


def router(path: str) -> dict[str, str]:
    return {"pathname": path, "asPath": path}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep the claim's 303 (and its Set-Cookie) instead of following it."""

    def redirect_request(self, *_args: Any, **_kwargs: Any) -> None:
        return None


@dataclass
class Client:
    """One browser tab: a socket, its tab token, and the deltas it receives."""

    base_url: str
    index: int
    token: str = field(default_factory=lambda: str(uuid.uuid4()))
    session: str = ""
    updates: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    sio: Any = None
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    delta_bytes: list[int] = field(default_factory=list)  # JSON size of each save's answer

    async def connect(self) -> None:
        """Open the event socket; once signed in, its handshake carries the session cookie, as
        a browser's does after the claim route set it."""
        import socketio

        self.sio = socketio.AsyncClient(reconnection=False)
        headers = {"Cookie": f"{SESSION_COOKIE}={self.session}"} if self.session else {}

        async def on_event(data: Any) -> None:
            await self.updates.put(data if isinstance(data, dict) else {})

        self.sio.on("event", on_event, namespace=NAMESPACE)
        await self.sio.connect(
            f"{self.base_url}?token={self.token}",
            namespaces=[NAMESPACE],
            socketio_path="/_event",
            transports=["websocket"],
            wait_timeout=30,
            headers=headers,
        )

    async def emit(self, name: str, payload: dict[str, Any], path: str) -> None:
        event = {"name": name, "payload": payload, "router_data": router(path)}
        await self.sio.emit("event", event, namespace=NAMESPACE)

    async def next_update(self, timeout: float) -> dict[str, Any]:
        return await asyncio.wait_for(self.updates.get(), timeout)

    async def until(self, predicate: Any, timeout: float, what: str) -> dict[str, Any]:
        """Updates until one satisfies `predicate`; answers call_script requests meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"client {self.index}: no {what} within {timeout:.0f} s")
            update = await self.next_update(remaining)
            await self._answer_scripts(update)
            if predicate(update):
                return update

    async def _answer_scripts(self, update: dict[str, Any]) -> None:
        for event in update.get("events") or []:
            if event.get("name") == "_call_script" and "timeZone" in str(event.get("payload")):
                # What the browser's callback sends: AppState.learn_timezone(<zone>).
                await self.emit(f"{APP_STATE}.learn_timezone", {"name": "Asia/Seoul"}, "/glucose")

    async def sign_up(self, password: str) -> None:
        login = f"bench{self.index}x{secrets.token_hex(3)}"
        form = {"login": login, "password": password, "password_confirm": password}
        await self.emit(f"{SIGNUP_STATE}.submit", {"form": form}, "/signup")

        claim: list[str] = []

        def has_claim(update: dict[str, Any]) -> bool:
            # The sign-up answers with a full page load of the claim route (a one-time nonce).
            found = CLAIM_RE.search(json.dumps(update.get("events") or []).replace('\\"', '"'))
            if found:
                claim.append(found.group(1))
            errors = update.get("delta", {}).get(SIGNUP_STATE, {}).get("errors_rx_state_")
            if errors:
                raise RuntimeError(f"sign-up refused: {errors}")
            return bool(found)

        await self.until(has_claim, 120, "session claim after sign-up")
        self.session = await asyncio.to_thread(self._claim, claim[0])
        # A browser loads the next page with the cookie: a new socket whose handshake has it.
        await self.sio.disconnect()
        self.token = str(uuid.uuid4())
        await self.connect()

    def _claim(self, path: str) -> str:
        """GET the claim route as the browser does; the session cookie of its 303 answer."""
        url = self.base_url + path  # the local app the bench started: http://127.0.0.1:<port>
        request = urllib.request.Request(url, headers={"Sec-Fetch-Site": "none"})  # noqa: S310
        opener = urllib.request.build_opener(_NoRedirect())
        try:
            opener.open(request, timeout=30)
        except urllib.error.HTTPError as answer:
            for value in answer.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                if name.strip() == SESSION_COOKIE:
                    return rest.split(";", 1)[0]
        raise RuntimeError(f"client {self.index}: the claim route set no session cookie")

    async def open_glucose_page(self) -> None:
        await self.emit(HYDRATE, {"vars": {}}, "/glucose")

        def loaded(update: dict[str, Any]) -> bool:
            glucose = update.get("delta", {}).get(GLUCOSE_STATE, {})
            return "shown_rows_rx_state_" in glucose and bool(glucose.get("form_values_rx_state_"))

        await self.until(loaded, 60, "glucose page load")

    async def save_reading(self, value: int) -> float:
        # Two hours ago in UTC: in the past in any zone east of UTC-2 (the user's is Seoul).
        now = time.strftime("%Y-%m-%dT%H:%M", time.gmtime(time.time() - 7200))
        form = {"measured_at": now, "value": str(value), "timing": "fasting", "note": ""}
        while not self.updates.empty():  # anything left over is not this save's answer
            self.updates.get_nowait()
        started = time.perf_counter()
        await self.emit(f"{GLUCOSE_STATE}.submit", {"form": form}, "/glucose")

        def saved(update: dict[str, Any]) -> bool:
            glucose = update.get("delta", {}).get(GLUCOSE_STATE, {})
            if glucose.get("errors_rx_state_"):
                raise RuntimeError(f"save refused: {glucose['errors_rx_state_']}")
            if "shown_rows_rx_state_" in glucose:
                self.delta_bytes.append(len(json.dumps(update)))
                return True
            return False

        await self.until(saved, 30, "delta after save")
        return (time.perf_counter() - started) * 1000

    async def close(self) -> None:
        if self.sio is not None:
            with contextlib.suppress(Exception):
                await self.sio.disconnect()


# --- the app ---------------------------------------------------------------------------------


def start_app(
    stack: common.Stack, tmp: Path, port: int, web_workers: int = 1, cwd: Path = common.ROOT
) -> tuple[common.Group, str]:
    """The app as `make run` starts it, from the checkout at `cwd` (bench/web_compare.py runs
    an older one beside this one)."""
    redis_port = common.free_port()
    redis = stack.add(
        common.start_group(
            "redis",
            common.redis_server_argv(redis_port, tmp / "redis"),
            log_path=tmp / "redis.log",
        )
    )
    redis_url = f"redis://127.0.0.1:{redis_port}/0"
    common.wait_for(lambda: common.redis_ping(redis_url), timeout=15, what="redis", group=redis)
    var_dir = tmp / "var"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SECRET_KEY", "HEALTHAPP_ENV", "TRITON_URL"}
    }
    env.update(
        VAR_DIR=str(var_dir),
        DATABASE_URL=f"sqlite:///{var_dir / 'healthapp.db'}",
        PORT=str(port),
        WORKERS="0",
        REDIS_URL=redis_url,
        REDIS_PREFIX="bench-web:",
        # Every client signs up from 127.0.0.1.
        SIGNUP_MAX_PER_CLIENT="1000000",
        SECRET_KEY=secrets.token_urlsafe(48),
        PYTHONUNBUFFERED="1",
        GRANIAN_WORKERS=str(web_workers),
    )
    if web_workers > 1:  # the workers share each tab's state through Redis (its own DB number)
        env["REFLEX_REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/1"
    log_path = tmp / "launcher.log"
    launcher = stack.add(
        common.start_group(
            "launcher",
            [sys.executable, "-m", "healthapp.launcher"],
            env=env,
            log_path=log_path,
            cwd=cwd,
        )
    )
    common.wait_for(
        lambda: "healthapp is running at" in log_path.read_text(errors="replace"),
        timeout=START_TIMEOUT,
        what="the app (python -m healthapp.launcher)",
        group=launcher,
    )
    return launcher, f"http://127.0.0.1:{port}"


def web_root(launcher_pid: int) -> int | None:
    """The `reflex run` process the launcher started (its tree is the web backend)."""
    for pid in sorted(common.descendants(launcher_pid)):
        argv = common.cmdline(pid)
        if any(Path(a).name == "reflex" for a in argv[:2]) and "run" in argv:
            return pid
    return None


class RssSampler:
    """Peak RSS of a process tree, sampled in a thread."""

    def __init__(self, pid: int, every: float = 0.5) -> None:
        self.pid = pid
        self.every = every
        self.peak = 0
        self.last = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.last = common.tree_rss_bytes(self.pid)
            self.peak = max(self.peak, self.last)
            self._stop.wait(self.every)

    def reset(self) -> None:
        self.peak = self.last = common.tree_rss_bytes(self.pid)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


# --- the load --------------------------------------------------------------------------------


async def prepare(clients: list[Client], signup_parallel: int) -> None:
    password = secrets.token_urlsafe(18)
    gate = asyncio.Semaphore(signup_parallel)

    async def one(client: Client) -> None:
        async with gate:
            await client.connect()
            await client.sign_up(password)
            await client.open_glucose_page()

    await asyncio.gather(*(one(c) for c in clients))


async def run_level(
    clients: list[Client], duration: float, think_ms: float
) -> tuple[list[float], int, float]:
    """Every client saves readings until `duration` has passed; (latencies, errors, seconds)."""
    started = time.perf_counter()
    deadline = started + duration
    errors = 0

    async def loop(client: Client) -> None:
        nonlocal errors
        # Spread the first saves over one pause, as people do not all press at once.
        await asyncio.sleep(random.uniform(0, think_ms / 1000))  # noqa: S311
        while time.perf_counter() < deadline:
            try:
                client.latencies.append(await client.save_reading(random.randint(80, 180)))  # noqa: S311
            except (TimeoutError, RuntimeError) as exc:
                errors += 1
                client.errors.append(str(exc))
            if think_ms:
                await asyncio.sleep(random.uniform(0.5, 1.5) * think_ms / 1000)  # noqa: S311

    for client in clients:
        client.latencies.clear()
        client.delta_bytes.clear()
    await asyncio.gather(*(loop(c) for c in clients))
    seconds = time.perf_counter() - started
    return [lat for c in clients for lat in c.latencies], errors, seconds


HEADERS = (
    "clients",
    "saves",
    "errors",
    "saves/s",
    "p50 ms",
    "p95 ms",
    "max ms",
    "answer KB",
    "CPU ms/save web",
    "CPU ms/save client",
    "web RSS MB peak",
    "web RSS MB end",
    "load after",
)


async def benchmark(
    base_url: str, sampler: RssSampler, args: argparse.Namespace
) -> list[list[object]]:
    rows = []
    clients: list[Client] = []
    try:
        for level in args.levels:
            new = [Client(base_url, index) for index in range(len(clients), level)]
            setup_started = time.perf_counter()
            await prepare(new, args.signup_parallel)
            clients += new
            common.print_flush(
                f"{len(new)} client(s) signed up and on /glucose in "
                f"{time.perf_counter() - setup_started:.1f} s ({len(clients)} connected)"
            )
            sampler.reset()
            server_cpu, client_cpu = common.tree_cpu_seconds(sampler.pid), time.process_time()
            latencies, errors, seconds = await run_level(
                clients[:level], args.duration, args.think_ms
            )
            server_cpu = common.tree_cpu_seconds(sampler.pid) - server_cpu
            client_cpu = time.process_time() - client_cpu
            saves = max(1, len(latencies))
            summary = common.summarize(latencies, seconds)
            rows.append(
                [
                    level,
                    summary.count,
                    errors,
                    summary.per_second,
                    summary.p50_ms,
                    summary.p95_ms,
                    summary.max_ms,
                    _mean_kb([n for c in clients[:level] for n in c.delta_bytes]),
                    server_cpu * 1000 / saves,
                    client_cpu * 1000 / saves,
                    sampler.peak / 2**20,
                    sampler.last / 2**20,
                    common.fmt_load(common.load_average()),
                ]
            )
            common.print_flush(common.table(HEADERS, rows[-1:]))
            for client in clients:
                for error in client.errors[:2]:
                    common.print_flush(f"  client {client.index}: {error}")
                client.errors.clear()
    finally:
        await asyncio.gather(*(c.close() for c in clients))
    return rows


def _mean_kb(sizes: Sequence[int]) -> float:
    return sum(sizes) / len(sizes) / 1024 if sizes else float("nan")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.web_events", description=__doc__)
    parser.add_argument("--clients", default="1,50,100", help="comma-separated levels")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per level")
    parser.add_argument("--think-ms", type=float, default=1000.0, help="mean pause between saves")
    parser.add_argument("--signup-parallel", type=int, default=4, help="sign-ups at once")
    parser.add_argument("--port", type=int, default=0, help="web port (default: free, in range)")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    parser.add_argument(
        "--web-workers",
        type=int,
        default=int(os.environ.get("GRANIAN_WORKERS", "1")),
        help="granian worker processes; more than 1 keeps Reflex state in Redis",
    )
    args = parser.parse_args(argv)
    args.levels = sorted({int(x) for x in str(args.clients).split(",") if x.strip()})
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    machine = common.machine_info()
    port = args.port or common.free_port()
    notes = []
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp_name, common.Stack() as stack:
        tmp = Path(tmp_name)
        started = time.monotonic()
        launcher, base_url = start_app(stack, tmp, port, args.web_workers)
        notes.append(
            f"app start (launcher to ready, production build) {time.monotonic() - started:.0f} s"
        )
        root = web_root(launcher.process.pid)
        if root is None:
            tail = (tmp / "launcher.log").read_text(errors="replace")[-2000:]
            raise SystemExit(f"no `reflex run` process under the launcher; its log:\n{tail}")
        granian = len(common.descendants(root))
        idle_rss = common.tree_rss_bytes(root)
        common.print_flush(
            f"app at {base_url}; web tree {granian + 1} processes, RSS {idle_rss / 2**20:.0f} MB"
        )
        with RssSampler(root) as sampler:
            rows = asyncio.run(benchmark(base_url, sampler, args))
        notes.append(f"web tree RSS idle before the load {idle_rss / 2**20:.0f} MB")
        log_text = (tmp / "launcher.log").read_text(errors="replace")
        tracebacks = len(re.findall(r"Traceback", log_text))
        if tracebacks:
            notes.append(f"the server logged {tracebacks} traceback(s)")
            common.print_flush(log_text[-3000:])
    body = "\n".join(
        [
            "### Web events: save a glucose reading over the websocket (emit -> delta)",
            "",
            common.table(HEADERS, rows),
            "",
        ]
    )
    common.print_flush("\n" + body + "\n" + "\n".join(notes))
    if not args.no_record:
        common.append_results(
            "Web events" + (" (smoke)" if args.duration < 30 else ""),
            settings={
                "clients": args.clients,
                "duration_s": args.duration,
                "think_ms": f"{args.think_ms:g} (+-50 %)",
                "GRANIAN_WORKERS": args.web_workers,
                "Reflex state": "Redis" if args.web_workers > 1 else "disk (one worker)",
                "db": "SQLite (temp)",
            },
            body=body,
            machine_start=machine,
            version_info=common.versions(
                extra={"python-socketio": common._dist_version("python-socketio")}
            ),
            notes=notes,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
