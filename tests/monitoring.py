"""The monitoring files in deploy/ (Prometheus alert rules, the Grafana dashboard) and the
metric names their PromQL expressions use: what tests/unit/deploy and the observability
integration test check against the exporters."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
PROMETHEUS_CONFIG = DEPLOY / "prometheus" / "prometheus.yml"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "healthapp.json"
GRAFANA_PROVISIONING = DEPLOY / "grafana" / "provisioning"
# Series Prometheus makes itself for every target.
PROMETHEUS_OWN = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})

_KEYWORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
     "unless", "offset", "inf", "nan"}
)  # fmt: skip
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_MATCHERS = re.compile(r"\{[^}]*\}")
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_RANGE = re.compile(r"\[[^\]]*\]")
_NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (not functions, keywords, labels or numbers)."""
    text = _STRING.sub('""', expr)
    text = _MATCHERS.sub("", text)
    text = _GROUPING.sub("", text)
    text = _RANGE.sub("", text)
    names = set()
    for match in _NAME.finditer(text):
        name = match.group(0)
        before = text[match.start() - 1] if match.start() else ""
        if before.isdigit() or before == ".":  # the exponent of 1e-9
            continue
        if text[match.end() :].lstrip().startswith("("):  # a function or aggregation
            continue
        if name.lower() in _KEYWORDS:
            continue
        names.add(name)
    return names


def alert_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text())


def dashboard_exprs() -> list[str]:
    return [
        target["expr"]
        for panel in dashboard()["panels"]
        for target in panel.get("targets", [])
        if target.get("expr")
    ]


def used_names() -> dict[str, set[str]]:
    """Every metric name each file uses: {"alerts.yml": {...}, "healthapp.json": {...}}."""
    return {
        ALERTS.name: set().union(*(metric_names(rule["expr"]) for rule in alert_rules())),
        DASHBOARD.name: set().union(*(metric_names(expr) for expr in dashboard_exprs())),
    }
