"""deploy/prometheus and deploy/grafana, offline: promtool accepts the configuration and the
rules, the dashboard and the provisioning files parse and agree, and every PromQL expression
reads metric names only (the names are checked against the running exporters in
tests/integration/test_observability.py)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from tests.monitoring import (
    ALERTS,
    GRAFANA_PROVISIONING,
    PROMETHEUS_CONFIG,
    alert_rules,
    dashboard,
    dashboard_exprs,
    metric_names,
    used_names,
)


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool is missing: `make system-deps-test` installs Debian's prometheus")
    return subprocess.run([binary, *args], capture_output=True, text=True, timeout=60,
                          check=False)  # fmt: skip


def test_promtool_accepts_the_prometheus_configuration() -> None:
    result = promtool("check", "config", str(PROMETHEUS_CONFIG))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_accepts_the_alert_rules() -> None:
    result = promtool("check", "rules", str(ALERTS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(alert_rules())} rules found" in result.stdout


def test_the_configuration_scrapes_web_worker_and_triton_and_loads_the_rules() -> None:
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text())
    assert {job["job_name"] for job in config["scrape_configs"]} == {"web", "worker", "triton"}
    assert config["rule_files"] == [ALERTS.name]


def test_the_alerts_cover_queue_age_failures_triton_and_web_errors() -> None:
    names = {rule["alert"] for rule in alert_rules()}
    assert {"HealthappJobQueueStale", "HealthappJobFailureRate", "HealthappTritonDown",
            "HealthappWeb5xxRate"} <= names  # fmt: skip
    for rule in alert_rules():
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"]


def test_the_dashboard_uses_the_provisioned_datasource() -> None:
    datasource = yaml.safe_load(
        (GRAFANA_PROVISIONING / "datasources" / "prometheus.yml").read_text()
    )
    [source] = datasource["datasources"]
    provider = yaml.safe_load((GRAFANA_PROVISIONING / "dashboards" / "healthapp.yml").read_text())
    assert provider["providers"][0]["type"] == "file"
    board = dashboard()
    assert board["uid"] == "healthapp"
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == source["uid"]
        assert panel["targets"], panel["title"]
        assert panel["gridPos"]["w"] <= 24
    assert len(dashboard_exprs()) >= 20


def test_only_healthapp_triton_and_prometheus_names_are_used() -> None:
    for file, names in used_names().items():
        foreign = {n for n in names if not n.startswith(("healthapp_", "nv_")) and n != "up"}
        assert not foreign, (file, foreign)


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        (
            'sum by (route, status) (rate(healthapp_http_requests_total{status=~"5.."}[5m]))',
            {"healthapp_http_requests_total"},
        ),
        (
            "histogram_quantile(0.95, sum by (le) (rate(healthapp_x_bucket[10m]))) > 2",
            {"healthapp_x_bucket"},
        ),
        ("a / clamp_min(sum by (model) (rate(b[5m])), 1e-9) / 1e6", {"a", "b"}),
        ('absent(up{job="worker"} == 1)', {"up"}),
        ("x and on (instance) y unless z offset 5m", {"x", "y", "z"}),
        ("topk(10, max without (pid) (c))", {"c"}),
    ],
)
def test_metric_names_of_an_expression(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names
