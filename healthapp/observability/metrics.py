"""Prometheus plumbing for every process, and the metrics the web process records.

The web process may run several granian workers (GRANIAN_WORKERS): each is its own process
with its own counters, and a scrape reaches one of them. So the web runs prometheus-client's
multiprocess mode: PROMETHEUS_MULTIPROC_DIR names a directory (emptied before the web starts:
the launcher does it, a container starts with an empty one) where every worker keeps its
values in memory-mapped files, and `/metrics` adds them all up. The analysis worker is one
process per health port and keeps the plain in-process registry (the launcher does not give
it that variable). `exposition()` serves either.

The web's metrics are defined here, below every layer that records them: the Reflex event
middleware (state/observe.py), the HTTP middleware and the upload limits (api/), and the log-in
throttle (services/auth/throttle.py). No label carries a user, a session or a value a user
typed: handlers are the app's own event handler names, routes are route templates, reasons and
kinds come from fixed sets.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

# No *_created series: they double the exposition and nothing here reads them.
disable_created_metrics()

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# The web's metrics; the worker keeps its own registry (worker/metrics.py), so neither process
# shows the other's names (both import this module).
WEB = CollectorRegistry()
CONTENT_TYPE = CONTENT_TYPE_LATEST

# Seconds: an event or request of the app takes milliseconds to a few seconds (a photo upload).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

EVENTS = Counter(
    "healthapp_events_total",
    "Reflex events handled, by handler (State.handler) and outcome (ok, error, cancelled).",
    ["handler", "outcome"],
    registry=WEB,
)
EVENT_SECONDS = Histogram(
    "healthapp_event_duration_seconds",
    "Time from the event's state being locked to its task's end (handler, delta, state write).",
    ["handler"],
    buckets=LATENCY_BUCKETS,
    registry=WEB,
)
HTTP_REQUESTS = Counter(
    "healthapp_http_requests_total",
    "HTTP requests answered by the web backend, by method, route template and status.",
    ["method", "route", "status"],
    registry=WEB,
)
HTTP_SECONDS = Histogram(
    "healthapp_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response, by method and route template.",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
    registry=WEB,
)
UPLOADS_ACCEPTED = Counter(
    "healthapp_uploads_accepted_total",
    "Photo upload requests (the page's /_upload, the REST API's meal photos) that passed the "
    "edge: the page's session check and the body limit.",
    registry=WEB,
)
UPLOADS_REFUSED = Counter(
    "healthapp_uploads_refused_total",
    "Photo upload requests refused before the app read them, by reason (api/upload_limits.py).",
    ["reason"],
    registry=WEB,
)
BODIES_REFUSED = Counter(
    "healthapp_request_bodies_refused_total",
    "Other requests whose body was refused (over REQUEST_MAX_BYTES, a bad length), by reason.",
    ["reason"],
    registry=WEB,
)
THROTTLE_HITS = Counter(
    "healthapp_throttle_hits_total",
    "Attempts refused by a throttle: login (password checks), signup, api (requests/token).",
    ["kind"],
    registry=WEB,
)

UPLOAD_REASONS = ("not_signed_in", "too_large", "bad_length")
BODY_REASONS = ("too_large", "bad_length")
THROTTLE_KINDS = ("login", "signup", "api")
EVENT_OUTCOMES = ("ok", "error", "cancelled")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Zero from the start, so a rate() over them is defined before the first refusal.
for _reason in UPLOAD_REASONS:
    UPLOADS_REFUSED.labels(reason=_reason)
for _reason in BODY_REASONS:
    BODIES_REFUSED.labels(reason=_reason)
for _kind in THROTTLE_KINDS:
    THROTTLE_HITS.labels(kind=_kind)


def upload_reason(key: str) -> str:
    """'upload.too_large' -> 'too_large' (the reason label of a refusal's message key)."""
    return key.rpartition(".")[2]


def record_throttle_hit(kind: str) -> None:
    THROTTLE_HITS.labels(kind=kind).inc()


def record_http(method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in METHODS else "OTHER"
    HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
    HTTP_SECONDS.labels(method=method, route=route).observe(seconds)


class EventRecorder:
    """Records one event's time and outcome with the label children cached per handler: on
    the path of every Reflex event, so it costs two dict lookups and two increments."""

    def __init__(self) -> None:
        self._children: dict[str, tuple[Histogram, dict[str, Counter]]] = {}

    def record(self, handler: str, seconds: float, outcome: str) -> None:
        children = self._children.get(handler)
        if children is None:
            children = (
                EVENT_SECONDS.labels(handler=handler),
                {name: EVENTS.labels(handler=handler, outcome=name) for name in EVENT_OUTCOMES},
            )
            self._children[handler] = children
        histogram, counters = children
        histogram.observe(seconds)
        counters[outcome].inc()


class Collector(Protocol):
    def collect(self) -> Iterable[Metric]: ...


class _Together:
    """Several collectors read as one registry (what generate_latest needs)."""

    def __init__(self, sources: Iterable[Collector]) -> None:
        self.sources = list(sources)

    def collect(self) -> Iterator[Metric]:
        for source in self.sources:
            yield from source.collect()


def multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def exposition(registry: CollectorRegistry, *collectors: Collector) -> bytes:
    """The text exposition of `registry` with the process's own metrics (CPU, memory, GC) or,
    in multiprocess mode, of every process sharing PROMETHEUS_MULTIPROC_DIR; plus `collectors`,
    read now (values taken from the database or Redis at scrape time)."""
    if multiprocess():
        base = CollectorRegistry()
        MultiProcessCollector(base)
        sources: list[Collector] = [base]
    else:
        sources = [REGISTRY, registry]
    return generate_latest(_Together([*sources, *collectors]))  # type: ignore[arg-type]
