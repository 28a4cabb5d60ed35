"""Ports, process groups and process trees (the helpers the launcher, bench and tests share)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import pytest

from healthapp.processes import alive, descendants, free_port, stop_group

# A parent that starts a child which ignores SIGTERM, then waits.
TREE = (
    "import subprocess, sys, time; "
    "subprocess.Popen([sys.executable, '-c', "
    "'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)']); "
    "time.sleep(60)"
)


def test_free_port_can_be_bound_and_stays_in_its_range() -> None:
    for port in (free_port(), free_port(ports=range(19000, 20000))):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))
    assert 19000 <= free_port(ports=range(19000, 20000)) < 20000


def test_free_port_says_when_the_range_is_full() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        taken = sock.getsockname()[1]
        with pytest.raises(RuntimeError, match="no free port"):
            free_port(ports=[taken])


def test_stop_group_leaves_no_process_of_the_tree() -> None:
    process = subprocess.Popen([sys.executable, "-c", TREE], start_new_session=True)
    deadline = time.monotonic() + 10
    while not descendants(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    tree = descendants(process.pid) | {process.pid}
    assert len(tree) == 2
    assert stop_group(process, grace=5) is False  # the leader exits on SIGTERM
    assert process.returncode == -signal.SIGTERM
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in tree) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in tree if alive(pid)]  # the child that ignored SIGTERM too


def test_a_gone_process_is_not_alive() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    assert not alive(process.pid)
    assert descendants(process.pid) == set()
