"""Ports, process groups and process trees: shared by the launcher, Triton's runner, the
benchmarks and the tests, which all start servers in their own process group on a free port and
must leave nothing behind.

Linux only (reads /proc), like the rest of the tooling that runs servers.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
from collections.abc import Sequence
from pathlib import Path


def free_port(host: str = "127.0.0.1", ports: Sequence[int] | None = None) -> int:
    """A TCP port nothing listens on now: any the kernel picks, or one of `ports` (tried in
    random order, so parallel runs sharing a range rarely pick the same one)."""
    if ports is None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            return int(sock.getsockname()[1])
    for port in random.sample(list(ports), len(ports)):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port among the {len(ports)} given")


def signal_group(pgid: int, sig: signal.Signals) -> None:
    """Send `sig` to a process group; a group that is gone already is not an error."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def stop_group(process: subprocess.Popen[bytes], *, grace: float = 10.0) -> bool:
    """SIGTERM the group `process` leads, SIGKILL it after `grace` seconds; True when it had to
    be killed. Children that ignored SIGTERM while their leader exited still share the group, so
    the group gets a SIGKILL either way."""
    signal_group(process.pid, signal.SIGTERM)
    killed = False
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        killed = True
        signal_group(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    signal_group(process.pid, signal.SIGKILL)
    return killed


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (from /proc's parent links)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name (in parentheses) may hold spaces; the fields after it do not.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting for its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
