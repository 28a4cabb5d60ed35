"""The launcher's failure paths and process handling, with real processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from healthapp.launcher import LaunchError, Service, Supervisor, free_port
from healthapp.processes import alive, descendants

ROOT = Path(__file__).resolve().parents[2]


def launch(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"REDIS_URL", "DATABASE_URL", "SECRET_KEY", "HEALTHAPP_ENV", "PORT"}
    }
    return subprocess.run(
        [sys.executable, "-m", "healthapp.launcher", *args],
        cwd=ROOT,
        env={**clean, "VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = launch(tmp_path, "--port", str(port))
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "PORT=<n>" in result.stderr


def test_production_without_secret_key_refuses_to_start(tmp_path: Path) -> None:
    result = launch(tmp_path, HEALTHAPP_ENV="production")
    assert result.returncode == 2
    assert "SECRET_KEY is not set; HEALTHAPP_ENV=production refuses to start" in result.stderr


def test_unreachable_redis_url_is_named(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    result = launch(tmp_path, "--port", str(free_port()), REDIS_URL=url)
    assert result.returncode == 1
    assert f"REDIS_URL={url} does not answer PING" in result.stderr


def test_stop_all_ends_every_process_of_every_group() -> None:
    supervisor = Supervisor()
    # A leader with a grandchild: the group kill must reach both.
    supervisor.start(
        Service("shell", ["bash", "-c", "sleep 300 & sleep 300"], lambda: True, timeout=5)
    )
    process = supervisor.services[0].process
    assert process is not None
    time.sleep(0.3)
    spawned = descendants(process.pid) | {process.pid}
    assert len(spawned) >= 2
    supervisor.stop_all()
    time.sleep(0.2)
    assert not [pid for pid in spawned if alive(pid)]


def test_service_that_dies_before_ready_is_named() -> None:
    supervisor = Supervisor()
    with pytest.raises(LaunchError, match=r"broken exited with status 3 before it was ready"):
        supervisor.start(Service("broken", ["bash", "-c", "exit 3"], lambda: False, timeout=5))
    supervisor.stop_all()


def test_service_not_ready_in_time_is_named() -> None:
    supervisor = Supervisor()
    with pytest.raises(LaunchError, match=r"slow was not ready within 1 s"):
        supervisor.start(Service("slow", ["sleep", "30"], lambda: False, timeout=1))
    supervisor.stop_all()
    process = supervisor.services[0].process
    assert process is not None
    assert process.poll() is not None


def test_watch_reports_a_dead_service() -> None:
    supervisor = Supervisor()
    supervisor.start(Service("short", ["sleep", "0.5"], lambda: True, timeout=5))
    assert supervisor.watch() == 1
    supervisor.stop_all()


def test_log_format_json_makes_the_launchers_lines_json(tmp_path: Path) -> None:
    import json

    url = f"redis://:pw-not-for-logs@127.0.0.1:{free_port()}/0"
    result = launch(tmp_path, "--port", str(free_port()), REDIS_URL=url, LOG_FORMAT="json")
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    [refusal] = [line for line in lines if "does not answer PING" in line["message"]]
    assert (refusal["level"], refusal["process"]) == ("ERROR", "launcher")
    assert "pw-not-for-logs" not in result.stderr
