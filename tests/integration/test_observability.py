"""Metrics and logs of the running app, end to end.

The web backend runs as its production image runs it (granian, two server workers, the app
factory, prometheus-client's multiprocess mode, JSON logs at DEBUG), the analysis worker as a
real process with a real tritonserver, Redis and a migrated database. A client signs up and
saves a glucose reading through Reflex's event socket (bench/web_events.py's client, which
speaks the compiled frontend's protocol), sends a refused upload, and a meal photo job runs
through the worker. Then:
- the web's and the worker's /metrics count what happened;
- every metric name the alert rules and the Grafana dashboard use is in the exposition of the
  running web, worker or Triton;
- Debian's prometheus, started against the three endpoints with the project's alert rules,
  scrapes them and answers the series from its HTTP API, and evaluates every rule;
- the logs are JSON lines with request, event and job ids and durations, and neither the
  glucose value nor the password, the session cookie, the sign-in nonce or the secret key
  appears in them.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
import yaml
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import select

from bench.web_events import Client
from healthapp import processes
from healthapp.db import make_engine, migrate, session_scope, utcnow
from healthapp.job_queue import JobQueue
from healthapp.models import Meal, User
from healthapp.services import analysis, meals
from healthapp.services.meals.storage import LocalPhotoStorage, new_key
from tests.aio import run
from tests.integration.worker_stack import PHOTOS, Triton, WorkerProcess, free_port
from tests.monitoring import ALERTS, PROMETHEUS_OWN, used_names

ROOT = Path(__file__).resolve().parents[2]
GLUCOSE = 287  # mg/dL: the value saved; it must not reach any log line
START_TIMEOUT = 120


@dataclass
class World:
    web_url: str
    web_log: Path
    worker: WorkerProcess
    triton: Triton
    job_id: int
    secrets: dict[str, str]  # what must never be logged, by what it is
    tmp: Path

    @property
    def worker_url(self) -> str:
        return f"http://127.0.0.1:{self.worker.health_port}"

    @property
    def triton_metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.triton.metrics_port}/metrics"


def get(url: str, timeout: float = 10) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def samples(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, body = get(url)
    assert status == 200, body[:500]
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def names(url: str) -> set[str]:
    """The sample names as the endpoint writes them (prometheus-client's parser would add
    _total to the name of a counter that lacks it, as Triton's do, and Prometheus does not)."""
    status, body = get(url)
    assert status == 200, body[:500]
    lines = body.decode().splitlines()
    return {re.split(r"[{ ]", line, maxsplit=1)[0] for line in lines if line and line[0] != "#"}


def wait_until(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.25)


class RecordingClient(Client):
    """The benchmark's client, keeping the one-time claim link it followed."""

    claim_path = ""

    def _claim(self, path: str) -> str:
        self.claim_path = path
        return super()._claim(path)


async def save_a_reading(base_url: str, password: str) -> RecordingClient:
    client = RecordingClient(base_url, 0)
    try:
        await client.connect()
        await client.sign_up(password)
        await client.open_glucose_page()
        await client.save_reading(GLUCOSE)
    finally:
        await client.close()
    return client


def start_group(argv: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log:
        return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip


def enqueue_photo_job(database_url: str, queue: JobQueue, photo_dir: Path, login: str) -> int:
    """What the meal service does for an upload: the photo stored, rows and job, then Redis."""
    data = (PHOTOS / "coffee.png").read_bytes()
    key = new_key("png")
    LocalPhotoStorage(photo_dir).put(key, data, "image/png")
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as db:
            user = db.exec(select(User).where(User.login == login)).one()
            assert user.id is not None
            meal = Meal(user_id=user.id, eaten_at=utcnow(), meal_type="snack")
            db.add(meal)
            db.flush()
            assert meal.id is not None
            photo = meals.add_photo(db, user_id=user.id, meal_id=meal.id, storage_key=key,
                                    content_type="image/png", width=1, height=1,
                                    size_bytes=len(data))  # fmt: skip
            job = analysis.create_job(db, photo=photo)
            assert job.id is not None
            job_id = job.id
        queue.enqueue(job_id)
        with session_scope(engine) as db:
            analysis.mark_enqueued(db, job_id)
        return job_id
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def world(
    triton: Triton, redis_server_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("observability")
    prefix = f"healthapp-test:{uuid.uuid4().hex[:12]}:"
    database_url = f"sqlite:///{tmp / 'app.db'}"
    migrate(database_url)
    secret_key = secrets.token_urlsafe(40)
    var_dir = tmp / "var"
    dropped = ("JOB_", "TRITON_", "REFLEX_", "GRANIAN_", "PROMETHEUS_")
    base = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    common = {**base, "DATABASE_URL": database_url, "REDIS_URL": redis_server_url,
              "REDIS_PREFIX": prefix, "SECRET_KEY": secret_key, "VAR_DIR": str(var_dir),
              "HEALTHAPP_ENV": "development", "LOG_FORMAT": "json", "LOG_LEVEL": "DEBUG",
              "PYTHONUNBUFFERED": "1"}  # fmt: skip
    port = free_port()
    (tmp / "multiproc").mkdir()
    web_env = {
        **common,
        # As deploy/Dockerfile.web runs it: granian serves the app factory, no compile; state
        # stays in each server worker (one socket is served by one worker throughout).
        "REFLEX_ENV_MODE": "prod",
        "__REFLEX_SKIP_COMPILE": "true",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "REFLEX_DIR": str(tmp / "reflex"),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp / "multiproc"),
        "SIGNUP_MAX_PER_CLIENT": "1000",
    }
    granian = str(Path(sys.executable).with_name("granian"))
    web_log = tmp / "web.log"
    web = start_group([granian, "--factory", "healthapp.healthapp:app", "--interface", "asgi",
                       "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
                      web_env, web_log)  # fmt: skip
    worker = WorkerProcess({**common, "TRITON_URL": triton.url}, "obs-w", tmp / "worker.log",
                           "--sweep-interval", "1")  # fmt: skip
    client = redis.Redis.from_url(redis_server_url, decode_responses=True)
    try:
        web_url = f"http://127.0.0.1:{port}"

        def web_up() -> bool:
            assert web.poll() is None, web_log.read_text()[-4000:]
            try:
                return get(f"{web_url}/ping", timeout=2)[0] == 200
            except OSError:
                return False

        wait_until(web_up, START_TIMEOUT, "the web backend")
        worker.wait_healthy(timeout=60)

        password = "Obs-" + secrets.token_urlsafe(12)
        signed_up = run(save_a_reading(web_url, password))
        assert get(f"{web_url}/api/v1/glucose/1")[0] == 401
        request = urllib.request.Request(f"{web_url}/_upload", data=b"x" * 10, method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401

        engine = make_engine(database_url)
        with session_scope(engine) as db:
            [login] = db.exec(select(User.login)).all()
        engine.dispose()
        queue = JobQueue(client, prefix)
        job_id = enqueue_photo_job(database_url, queue, var_dir / "photos", login)
        wait_until(lambda: analysis_done(database_url, job_id), 60, f"job {job_id} done")
        worker.job_lines(at_least=1)

        nonce = urllib.parse.parse_qs(urllib.parse.urlsplit(signed_up.claim_path).query)["nonce"]
        yield World(
            web_url=web_url,
            web_log=web_log,
            worker=worker,
            triton=triton,
            job_id=job_id,
            secrets={
                "password": password,
                "session cookie": signed_up.session,
                "sign-in nonce": nonce[0],
                "secret key": secret_key,
            },
            tmp=tmp,
        )
    finally:
        for process in (web, worker.process):
            if process.poll() is None:
                processes.stop_group(process, grace=10)
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


def analysis_done(database_url: str, job_id: int) -> bool:
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as db:
            summary = analysis.job_summary(db, job_id)
            return summary is not None and summary.status == analysis.DONE
    finally:
        engine.dispose()


def test_the_web_counts_the_save_the_requests_and_the_refused_upload(world: World) -> None:
    web = samples(f"{world.web_url}/metrics")
    submit = (("handler", "GlucoseState.submit"), ("outcome", "ok"))
    assert web[("healthapp_events_total", submit)] >= 1
    timed = (("handler", "GlucoseState.submit"),)
    assert web[("healthapp_event_duration_seconds_count", timed)] >= 1
    signup = (("handler", "SignupState.submit"), ("outcome", "ok"))
    assert web[("healthapp_events_total", signup)] >= 1
    assert web[("healthapp_uploads_refused_total", (("reason", "not_signed_in"),))] >= 1
    upload = (("method", "POST"), ("route", "/_upload"), ("status", "401"))
    assert web[("healthapp_http_requests_total", upload)] >= 1
    claim = (("method", "GET"), ("route", "/api/session/claim"), ("status", "303"))
    assert web[("healthapp_http_requests_total", claim)] >= 1
    v1 = [
        labels
        for name, labels in web
        if name == "healthapp_http_requests_total"
        and ("status", "401") in labels
        and dict(labels)["route"].startswith("/api/v1/")
    ]
    assert v1, "the REST route's template"
    assert all("/1" not in dict(labels)["route"] for labels in v1)  # a template, not the path
    assert web[("healthapp_active_sessions", ())] >= 1
    # No label carries a user: nothing of the login, the session or the reading.
    for _name, labels in web:
        for _label, value in labels:
            assert str(GLUCOSE) not in value
            assert world.secrets["session cookie"] not in value
    # Two server workers, one page: the multiprocess directory holds their values.
    assert len(list((world.tmp / "multiproc").glob("counter_*.db"))) >= 2


def test_the_worker_counts_the_job_its_latencies_and_the_queue(world: World) -> None:
    worker = samples(f"{world.worker_url}/metrics")
    assert worker[("healthapp_jobs_total", (("outcome", "done"),))] >= 1
    assert worker[("healthapp_job_attempts_total", ())] >= 1
    assert worker[("healthapp_job_upload_to_result_seconds_count", (("status", "done"),))] >= 1
    assert worker[("healthapp_triton_request_duration_seconds_count", (("result", "ok"),))] >= 1
    assert worker[("healthapp_job_step_duration_seconds_count", (("step", "infer"),))] >= 1
    assert worker[("healthapp_job_queue_messages", (("state", "stream"),))] == 0
    assert worker[("healthapp_jobs_open", (("status", "queued"),))] == 0
    assert worker[("healthapp_worker_triton_ready", ())] == 1
    assert ("process_resident_memory_bytes", ()) in worker


def test_every_name_in_the_alerts_and_the_dashboard_is_exported(world: World) -> None:
    exported = (
        names(f"{world.web_url}/metrics")
        | names(f"{world.worker_url}/metrics")
        | names(world.triton_metrics_url)
        | PROMETHEUS_OWN
    )
    for file, used in used_names().items():
        missing = sorted(used - exported)
        assert not missing, f"{file} uses names no running endpoint exports: {missing}"


def query(base: str, promql: str) -> list[dict[str, Any]]:
    url = f"{base}/api/v1/query?{urllib.parse.urlencode({'query': promql})}"
    status, body = get(url)
    assert status == 200, body
    answer = json.loads(body)
    assert answer["status"] == "success", answer
    return answer["data"]["result"]


def test_prometheus_scrapes_the_running_app_and_evaluates_the_rules(world: World) -> None:
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("prometheus is missing: `make system-deps-test` installs Debian's package")
    targets = {
        "web": f"127.0.0.1:{urllib.parse.urlsplit(world.web_url).port}",
        "worker": f"127.0.0.1:{world.worker.health_port}",
        "triton": f"127.0.0.1:{world.triton.metrics_port}",
    }
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s", "scrape_timeout": "1s"},
        "rule_files": [str(ALERTS)],
        "scrape_configs": [
            {"job_name": job, "metrics_path": "/metrics", "static_configs": [{"targets": [t]}]}
            for job, t in targets.items()
        ],
    }
    folder = world.tmp / "prometheus"
    folder.mkdir()
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = folder / "prometheus.log"
    server = start_group([binary, f"--config.file={folder / 'prometheus.yml'}",
                          f"--storage.tsdb.path={folder / 'data'}",
                          f"--web.listen-address=127.0.0.1:{port}"],
                         dict(os.environ), log_path)  # fmt: skip
    try:

        def ready() -> bool:
            assert server.poll() is None, log_path.read_text()[-4000:]
            try:
                return get(f"{base}/-/ready", timeout=2)[0] == 200
            except OSError:
                return False

        wait_until(ready, 60, "prometheus")
        up = wait_until(
            lambda: len(query(base, "up == 1")) == 3 and query(base, "up == 1"),
            30,
            "all three targets up",
        )
        assert {series["metric"]["job"] for series in up} == set(targets)

        save = 'healthapp_events_total{handler="GlucoseState.submit",outcome="ok"}'
        saves = wait_until(lambda: query(base, save), 15, "the save's series")
        assert saves[0]["metric"]["job"] == "web"
        assert float(saves[0]["value"][1]) >= 1
        jobs = query(base, 'healthapp_jobs_total{outcome="done"}')
        assert jobs[0]["metric"]["job"] == "worker"
        assert float(jobs[0]["value"][1]) >= 1
        assert query(base, "max(healthapp_job_oldest_open_age_seconds)")
        assert query(base, 'nv_inference_count{job="triton"}')

        def rules_evaluated() -> list[dict[str, Any]] | None:
            status, body = get(f"{base}/api/v1/rules")
            groups = json.loads(body)["data"]["groups"] if status == 200 else []
            rules = [rule for group in groups for rule in group["rules"]]
            done = rules and all(rule.get("lastEvaluation", "").startswith("20") for rule in rules)
            return rules if done else None

        rules = wait_until(rules_evaluated, 15, "the alert rules evaluated")
        loaded = {rule["name"] for rule in rules}
        expected = {rule["alert"] for group in yaml.safe_load(ALERTS.read_text())["groups"]
                    for rule in group["rules"]}  # fmt: skip
        assert loaded == expected
        assert [r["name"] for r in rules if r["health"] != "ok"] == []

        def quiet() -> bool:
            rules = rules_evaluated() or []
            return bool(rules) and all(r["state"] == "inactive" for r in rules)

        # Everything is up, nothing waits: no alert fires (once the rules have seen a scrape of
        # every target; an evaluation before the first one finds no worker).
        try:
            wait_until(quiet, 20, "every alert inactive")
        except AssertionError:
            firing = [r["name"] for r in rules_evaluated() or [] if r["state"] != "inactive"]
            raise AssertionError(f"alerts not inactive: {firing}") from None
    finally:
        processes.stop_group(server, grace=10)


def json_lines(path: Path) -> tuple[list[dict[str, Any]], list[str]]:
    records, other = [], []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            records.append(json.loads(line))
        elif line.strip():
            other.append(line)
    return records, other


NOISE_KEYS = ("ts", "pid", "request_id", "event_id")
# The value on its own (as a number or a word), not inside a longer one (a hex id, 12871).
VALUE = re.compile(rf"(?<![\w.]){GLUCOSE}(?![\w])")


def shows_the_value(record: dict[str, Any]) -> bool:
    """The line, without its clock, ids and timings (they hold arbitrary digits), names the
    saved glucose value."""
    kept = {k: v for k, v in record.items() if k not in NOISE_KEYS and not k.endswith("_ms")}
    return bool(VALUE.search(json.dumps(kept)))


def test_logs_are_json_lines_with_ids_and_durations_and_leak_nothing(world: World) -> None:
    web, web_other = json_lines(world.web_log)
    worker, worker_other = json_lines(world.worker.log_path)
    # Only granian's own start-up banner (its main process) is not JSON.
    assert all(line.startswith("[") for line in web_other), web_other[:5]
    assert worker_other == []

    requests = [r for r in web if r["logger"] == "healthapp.http"]
    assert requests
    for record in requests:
        assert len(record["request_id"]) == 16
        assert {"method", "route", "status", "duration_ms"} <= set(record)
        assert "?" not in record["route"]
    events = [r for r in web if r["logger"] == "healthapp.events"]
    [save] = [r for r in events if r["handler"] == "GlucoseState.submit"]
    assert save["outcome"] == "ok"
    assert save["event_id"]
    assert save["duration_ms"] > 0
    assert {r["process"] for r in web} == {"web"}

    [job_line] = [r for r in worker if r.get("event") == "analysis_job"
                  and r["job_id"] == world.job_id]  # fmt: skip
    assert job_line["outcome"] == "done"
    assert job_line["total_ms"] > 0
    assert job_line["process"] == "worker"

    for path, records, other in ((world.web_log, web, web_other),
                                 (world.worker.log_path, worker, worker_other)):  # fmt: skip
        text = path.read_text(errors="replace")
        for what, value in world.secrets.items():
            assert value not in text, f"the {what} is in {path.name}"
        for record in records:
            assert not shows_the_value(record), record
        for line in other:
            assert not VALUE.search(line), line
