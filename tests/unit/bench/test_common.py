import math
import os
import sys
import time

import pytest

from bench import common


def test_percentile_interpolates_like_numpy():
    values = [4.0, 1.0, 3.0, 2.0]
    assert common.percentile(values, 50) == 2.5
    assert common.percentile(values, 95) == pytest.approx(3.85)
    assert common.percentile(values, 0) == 1.0
    assert common.percentile(values, 100) == 4.0
    assert common.percentile([7.0], 95) == 7.0
    assert math.isnan(common.percentile([], 50))


def test_percentile_refuses_out_of_range():
    with pytest.raises(ValueError, match="0..100"):
        common.percentile([1.0], 101)


def test_summarize():
    summary = common.summarize([10.0, 20.0, 30.0, 40.0], seconds=2.0)
    assert summary.count == 4
    assert summary.per_second == 2.0
    assert summary.p50_ms == 25.0
    assert summary.mean_ms == 25.0
    assert summary.max_ms == 40.0
    empty = common.summarize([], seconds=1.0)
    assert empty.count == 0
    assert math.isnan(empty.p95_ms)


def test_table_is_markdown_and_checks_widths():
    text = common.table(("a", "bb"), [[1, 2.345], ["x", float("nan")]])
    lines = text.splitlines()
    assert lines[0].startswith("| a ")
    assert set(lines[1].replace("|", "").replace(" ", "")) == {"-"}
    assert "2.3" in lines[2]
    assert "| -" in lines[3]
    with pytest.raises(ValueError, match="columns"):
        common.table(("a",), [[1, 2]])


def test_free_port_stays_in_range(monkeypatch):
    monkeypatch.setenv("BENCH_PORT_RANGE", "19950-19999")
    ports = {common.free_port() for _ in range(5)}
    assert len(ports) == 5
    assert all(19950 <= p <= 19999 for p in ports)


def test_port_range_default_and_invalid(monkeypatch):
    monkeypatch.delenv("BENCH_PORT_RANGE", raising=False)
    assert common.port_range() == (19000, 19999)
    monkeypatch.setenv("BENCH_PORT_RANGE", "80-90")
    with pytest.raises(ValueError, match="BENCH_PORT_RANGE"):
        common.port_range()


def test_append_results_writes_header_once(tmp_path):
    path = tmp_path / "RESULTS.md"
    machine = common.machine_info()
    for run in (1, 2):
        common.append_results(
            f"Run {run}",
            settings={"n": run},
            body="| a |\n| - |\n| 1 |",
            machine_start=machine,
            version_info={"python": "3.11"},
            path=path,
            notes=["a note"],
        )
    text = path.read_text()
    assert text.count("# Benchmark results") == 1
    assert "## Run 1 (" in text
    assert "## Run 2 (" in text
    assert "- settings: n=2" in text
    assert "- versions: python 3.11" in text
    assert "- a note" in text
    assert "load average" in text


def test_machine_info_and_versions():
    info = common.machine_info()
    assert info["cores"] >= 1
    assert len(info["loadavg"]) == 3
    assert common.versions()["python"].startswith("3.")


def test_process_accounting_of_this_process():
    assert common.rss_bytes(os.getpid()) > 0
    assert common.tree_rss_bytes(os.getpid()) >= common.rss_bytes(os.getpid())
    assert common.cpu_seconds(os.getpid()) > 0
    assert common.cmdline(os.getpid())
    assert common.rss_bytes(2**22 + 12345) == 0


def test_group_stop_ends_the_whole_process_group(tmp_path):
    script = "import subprocess, time; subprocess.Popen(['sleep', '60']); time.sleep(60)"
    group = common.start_group("sleeper", [sys.executable, "-c", script], log_path=tmp_path / "log")
    deadline = time.monotonic() + 10
    while not common.descendants(group.process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    children = common.descendants(group.process.pid)
    assert children
    cleaned = []
    group.cleanup.append(lambda: cleaned.append(True))
    group.stop(grace=5)
    assert not group.alive()
    assert cleaned == [True]
    deadline = time.monotonic() + 10
    while any(not _gone(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(pid) for pid in children)


def _gone(pid: int) -> bool:
    """Exited (a zombie waiting for init to reap it counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_photo_paths_lists_the_fixtures():
    names = [p.name for p in common.photo_paths()]
    assert "coffee.png" in names
    assert all(n.endswith((".jpg", ".png")) for n in names)
