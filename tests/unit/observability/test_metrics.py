"""The web's metric definitions and the exposition, in one process and in prometheus-client's
multiprocess mode (several processes, one page)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from healthapp.observability import metrics

ROOT = Path(__file__).resolve().parents[3]


def samples(page: bytes) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(page.decode())
        for sample in family.samples
    }


def value(name: str, **labels: str) -> float:
    return metrics.WEB.get_sample_value(name, labels) or 0.0


def test_event_recorder_counts_and_times_by_handler() -> None:
    recorder = metrics.EventRecorder()
    before = value("healthapp_events_total", handler="T.save", outcome="ok")
    recorder.record("T.save", 0.02, "ok")
    recorder.record("T.save", 0.2, "error")
    assert value("healthapp_events_total", handler="T.save", outcome="ok") == before + 1
    assert value("healthapp_events_total", handler="T.save", outcome="error") >= 1
    assert value("healthapp_event_duration_seconds_bucket", handler="T.save", le="0.025") >= 1
    assert value("healthapp_event_duration_seconds_count", handler="T.save") >= 2


def test_http_records_the_route_template_and_folds_odd_methods() -> None:
    metrics.record_http("BREW", "/api/v1/glucose/{reading_id}", 404, 0.003)
    assert value("healthapp_http_requests_total", method="OTHER",
                 route="/api/v1/glucose/{reading_id}", status="404") >= 1  # fmt: skip


def test_refusal_reasons_and_throttle_kinds_start_at_zero() -> None:
    page = samples(metrics.exposition(metrics.WEB))
    for reason in metrics.UPLOAD_REASONS:
        assert (("healthapp_uploads_refused_total", (("reason", reason),))) in page
    for kind in metrics.THROTTLE_KINDS:
        assert ("healthapp_throttle_hits_total", (("kind", kind),)) in page
    assert ("healthapp_uploads_accepted_total", ()) in page
    # The process's own figures, and no *_created series.
    assert ("process_cpu_seconds_total", ()) in page
    assert not [name for name, _ in page if name.endswith("_created")]


def test_extra_collectors_are_read_at_scrape_time() -> None:
    from prometheus_client.core import GaugeMetricFamily

    class Now:
        def collect(self):
            gauge = GaugeMetricFamily("healthapp_test_now", "a figure read at scrape time")
            gauge.add_metric([], 5)
            yield gauge

    assert samples(metrics.exposition(metrics.WEB, Now()))[("healthapp_test_now", ())] == 5


CHILD = """
import sys
from healthapp.observability import metrics
metrics.EventRecorder().record("GlucoseState.submit", 0.01, "ok")
metrics.record_throttle_hit("login")
if sys.argv[1] == "print":
    sys.stdout.buffer.write(metrics.exposition(metrics.WEB))
"""


def test_multiprocess_mode_adds_up_every_process(tmp_path: Path) -> None:
    """Two server workers count in the shared directory; the scrape of either shows both."""
    env = {**os.environ, metrics.MULTIPROC_ENV: str(tmp_path), "PYTHONPATH": str(ROOT)}
    run = [sys.executable, "-c", CHILD]
    subprocess.run([*run, "count"], env=env, check=True, timeout=60)
    page = subprocess.run([*run, "print"], env=env, check=True, capture_output=True, timeout=60)
    values = samples(page.stdout)
    ok = (("handler", "GlucoseState.submit"), ("outcome", "ok"))
    assert values[("healthapp_events_total", ok)] == 2
    assert values[("healthapp_throttle_hits_total", (("kind", "login"),))] == 2
    assert values[("healthapp_event_duration_seconds_count",
                   (("handler", "GlucoseState.submit"),))] == 2  # fmt: skip
    assert len(list(tmp_path.glob("counter_*.db"))) == 2
