"""Two versions of the app side by side: "save a glucose reading" CPU and latency, interleaved.

    python -m bench.web_compare --before 381fc4a            # that commit vs the working tree
    python -m bench.web_compare --before main~3 --rounds 8 --round-s 10

This machine's speed drifts by a third from one minute to the next (a shared VM), more than most
changes it is meant to measure, so two benchmark runs one after the other compare the weather as
much as the code. Here both versions run at once: `--before` is checked out into a temporary git
worktree, each version is started as `make run` starts it (bench/web_events.py's start_app: its
own redis-server, SQLite database and one web worker), each gets `--clients` signed-in clients
on /glucose, and then short rounds load one version at a time, alternating which goes first,
so a slow minute falls on both. Per round: the web process tree's CPU per save (from /proc) and
each save's round trip; the table gives the median and range of the rounds' CPU per save and
the percentiles of all saves. As a yardstick for Reflex's own per-event cost, the same clients
also send an event that touches no database (`ask_delete`, one var changed) in rounds of their
own.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import common
from bench.web_events import GLUCOSE_STATE, Client, prepare, start_app, web_root

Action = Callable[[Client, int], Awaitable[float]]


@dataclass
class Version:
    name: str
    base_url: str
    root_pid: int
    clients: list[Client] = field(default_factory=list)
    cpu_per_event: dict[str, list[float]] = field(default_factory=dict)
    latencies: dict[str, list[float]] = field(default_factory=dict)


def git(*args: str, check: bool = True) -> str:
    git_path = shutil.which("git")
    if git_path is None:
        raise SystemExit("git is not installed")
    done = subprocess.run(
        [git_path, *args], cwd=common.ROOT, check=check, capture_output=True, text=True
    )
    return done.stdout.strip()


def worktree(ref: str, into: Path) -> Path:
    """`ref` checked out at `into`, sharing this checkout's tools (bun, Reflex's cache)."""
    git("worktree", "add", "--detach", str(into), ref)
    (into / ".tools").symlink_to(common.ROOT / ".tools")
    return into


async def ask_delete(client: Client, index: int) -> float:
    """A round trip that touches no database: the delete dialog's record id, set and answered."""
    while not client.updates.empty():
        client.updates.get_nowait()
    started = time.perf_counter()
    record_id = 1 + index % 2  # changes every time, so every event has a delta
    await client.emit(f"{GLUCOSE_STATE}.ask_delete", {"record_id": record_id}, "/glucose")
    await client.until(
        lambda update: "delete_id_rx_state_" in update.get("delta", {}).get(GLUCOSE_STATE, {}),
        30,
        "delta after ask_delete",
    )
    return (time.perf_counter() - started) * 1000


async def save(client: Client, index: int) -> float:
    return await client.save_reading(80 + index % 100)


ACTIONS: dict[str, Action] = {"save": save, "ask_delete": ask_delete}


async def load_round(version: Version, action: str, seconds: float, think_ms: float) -> None:
    deadline = time.perf_counter() + seconds
    done: list[float] = []

    async def loop(client: Client) -> None:
        await asyncio.sleep(random.uniform(0, think_ms / 1000))  # noqa: S311
        index = 0
        while time.perf_counter() < deadline:
            done.append(await ACTIONS[action](client, index))
            index += 1
            await asyncio.sleep(random.uniform(0.5, 1.5) * think_ms / 1000)  # noqa: S311

    cpu = common.tree_cpu_seconds(version.root_pid)
    await asyncio.gather(*(loop(c) for c in version.clients))
    cpu = common.tree_cpu_seconds(version.root_pid) - cpu
    version.cpu_per_event.setdefault(action, []).append(cpu * 1000 / max(1, len(done)))
    version.latencies.setdefault(action, []).extend(done)


async def compare(versions: list[Version], args: argparse.Namespace) -> None:
    for version in versions:
        version.clients = [Client(version.base_url, i) for i in range(args.clients)]
        await prepare(version.clients, args.signup_parallel)
    try:
        for number in range(args.rounds):
            order = versions if number % 2 == 0 else versions[::-1]
            for action in ACTIONS:
                for version in order:
                    await load_round(version, action, args.round_s, args.think_ms)
            last = [f"{v.name} {a} {v.cpu_per_event[a][-1]:.2f}" for v in versions for a in ACTIONS]
            common.print_flush(f"round {number + 1}/{args.rounds}, CPU ms/event: {', '.join(last)}")
    finally:
        for version in versions:
            await asyncio.gather(*(c.close() for c in version.clients))


HEADERS = (
    "code",
    "event",
    "events",
    "CPU ms/event web (median of rounds)",
    "CPU ms/event range",
    "p50 ms",
    "p95 ms",
    "max ms",
)


def rows(versions: Sequence[Version]) -> list[list[object]]:
    table: list[list[object]] = []
    for action in ACTIONS:
        for version in versions:
            cpu = version.cpu_per_event[action]
            summary = common.summarize(version.latencies[action], 1.0)
            table.append(
                [
                    version.name,
                    action,
                    summary.count,
                    statistics.median(cpu),
                    f"{min(cpu):.2f}-{max(cpu):.2f}",
                    summary.p50_ms,
                    summary.p95_ms,
                    summary.max_ms,
                ]
            )
    return table


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.web_compare", description=__doc__)
    parser.add_argument("--before", required=True, help="git ref of the version to compare with")
    parser.add_argument("--clients", type=int, default=10, help="clients per version")
    parser.add_argument("--rounds", type=int, default=6, help="rounds per version and event")
    parser.add_argument("--round-s", type=float, default=8.0, help="seconds per round")
    parser.add_argument("--think-ms", type=float, default=200.0, help="mean pause between events")
    parser.add_argument("--signup-parallel", type=int, default=4, help="sign-ups at once")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    machine = common.machine_info()
    before_commit = git("rev-parse", "--short", args.before)
    after_commit = git("describe", "--always", "--dirty")
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp_name:
        tmp = Path(tmp_name)
        checkout = worktree(args.before, tmp / "before")
        try:
            with common.Stack() as stack:
                versions = []
                for name, cwd in ((f"before ({before_commit})", checkout),
                                  (f"after ({after_commit})", common.ROOT)):  # fmt: skip
                    work = tmp / name.split()[0] / "run"
                    work.mkdir(parents=True)
                    launcher, base_url = start_app(stack, work, common.free_port(), cwd=cwd)
                    root = web_root(launcher.process.pid)
                    if root is None:
                        raise SystemExit(f"no `reflex run` for {name}; see {work}/launcher.log")
                    versions.append(Version(name, base_url, root))
                asyncio.run(compare(versions, args))
        finally:
            git("worktree", "remove", "--force", str(checkout), check=False)
    body = "\n".join(
        [
            "### Web events side by side: CPU per event and round trip",
            "",
            common.table(HEADERS, rows(versions)),
            "",
        ]
    )
    common.print_flush("\n" + body)
    if not args.no_record:
        common.append_results(
            "Web events, two versions side by side",
            settings={
                "before": before_commit,
                "after": after_commit,
                "clients": f"{args.clients} per version",
                "rounds": f"{args.rounds} x {args.round_s:g} s per version and event, alternating",
                "think_ms": f"{args.think_ms:g} (+-50 %)",
                "GRANIAN_WORKERS": 1,
                "db": "SQLite (temp)",
            },
            body=body,
            machine_start=machine,
            version_info=common.versions(
                extra={"python-socketio": common._dist_version("python-socketio")}
            ),
        )
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
