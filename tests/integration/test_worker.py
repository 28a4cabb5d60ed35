"""The analysis worker end to end: a real tritonserver with the exported food model, real Redis,
a migrated database, and the worker as a real process (python -m healthapp.worker).

(a) a real photo goes DB job -> stream -> worker -> Triton -> DB and is recognised; a job whose
    upload could not reach Redis is found by the sweeper; a non-food picture gives no item;
(b) a worker killed (SIGKILL) in the middle of a job neither loses nor doubles it;
(c) with Triton down, jobs wait (not failed) and finish once it is back.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import redis
import sqlalchemy as sa
from PIL import Image
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from healthapp import processes
from healthapp.db import make_engine, migrate, session_scope
from healthapp.inference import triton_server
from healthapp.job_queue import JobQueue
from healthapp.models import AnalysisJob, MealItem, MealPhoto
from healthapp.services import analysis
from healthapp.services.analysis.recognition import predict
from healthapp.services.meals.storage import LocalPhotoStorage, new_key

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ROOT / "tests" / "fixtures" / "photos"
MODEL_FILE = ROOT / "triton_models" / "food_classifier" / "1" / "model.onnx"
ESPRESSO = "fndds_coffee_espresso"
ORANGE = "fdn_oranges_raw_navels"
TEST_PORTS = range(19000, 20000)  # the range this project's tests use
MealPhotoFactory = Callable[..., MealPhoto]  # the add_meal_photo fixture


# --- infrastructure -------------------------------------------------------------------------


def free_port() -> int:
    return processes.free_port(ports=TEST_PORTS)


@dataclass
class Triton:
    """A tritonserver serving triton_models/ on fixed ports; can be stopped and started again."""

    log_path: Path
    grpc_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    metrics_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def start(self) -> float:
        argv, env = triton_server.triton_command(
            triton_server.DEFAULT_MODEL_REPOSITORY,
            self.grpc_port,
            self.http_port,
            self.metrics_port,
        )
        triton_server.cleanup_shm(self.grpc_port)
        self.process = triton_server.start_server(argv, env, log_path=self.log_path)
        return triton_server.wait_until_ready(self.http_port, timeout=90, process=self.process)

    def stop(self) -> None:
        if self.process is not None:
            triton_server.stop_server(self.process, self.grpc_port)
            self.process = None


@pytest.fixture(scope="session")
def triton(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Triton]:
    if not MODEL_FILE.exists():  # ~40 s: a throwaway torch venv exports the ONNX file
        subprocess.run(
            [str(ROOT / "triton_models" / "build.sh")], cwd=ROOT, check=True, timeout=900
        )
    triton_server.setup_triton()  # quick when var/triton-venv is current, ~25 s otherwise
    server = Triton(tmp_path_factory.mktemp("triton") / "triton.log")
    server.start()
    yield server
    server.stop()


class WorkerProcess:
    """`python -m healthapp.worker` in its own process group."""

    def __init__(self, env: dict[str, str], consumer: str, log_path: Path, *args: str) -> None:
        self.consumer = consumer
        self.health_port = free_port()
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "healthapp.worker",
                    "--consumer",
                    consumer,
                    "--health-port",
                    str(self.health_port),
                    *args,
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def health(self) -> tuple[int, dict[str, Any]]:
        url = f"http://127.0.0.1:{self.health_port}/healthz"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def wait_healthy(self, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log()
            with contextlib.suppress(urllib.error.URLError, ConnectionError):
                code, body = self.health()
                if code == 200:
                    return body
            time.sleep(0.1)
        raise AssertionError(f"worker not healthy after {timeout} s\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def job_lines(self, *, at_least: int = 1, timeout: float = 10) -> list[dict[str, Any]]:
        """The worker's per-job log lines. It writes a job's line just after acking it, so a
        test that saw the ack waits (bounded) for the line to reach the file."""
        deadline = time.monotonic() + timeout
        while True:
            lines = [
                json.loads(line[line.index("{") :])
                for line in self.log_path.read_text(errors="replace").splitlines()
                if '"event": "analysis_job"' in line
            ]
            if len(lines) >= at_least or time.monotonic() > deadline:
                return lines
            time.sleep(0.05)

    def terminate(self, timeout: float = 20) -> int:
        processes.signal_group(self.process.pid, signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        processes.signal_group(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


class FreezableProxy:
    """A TCP proxy in front of Triton's gRPC port that can stop forwarding (to hold a request
    in flight, so a worker can be killed in the middle of a job)."""

    def __init__(self, target_port: int) -> None:
        self.port = free_port()
        self.target_port = target_port
        self.frozen = threading.Event()
        self.closed = threading.Event()
        self.server = socket.create_server(("127.0.0.1", self.port))
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.server.accept()
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                return
            self.sockets += [client, upstream]
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                break
            if not data:
                break
            while self.frozen.is_set() and not self.closed.is_set():
                time.sleep(0.01)
            try:
                dst.sendall(data)
            except OSError:
                break
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.closed.set()
        self.server.close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()


@dataclass
class Stack:
    """One test's database, Redis prefix, photo storage and worker environment."""

    engine: Engine
    queue: JobQueue
    storage: LocalPhotoStorage
    env: dict[str, str]
    tmp_path: Path
    add_meal_photo: MealPhotoFactory
    workers: list[WorkerProcess] = field(default_factory=list)

    def worker(self, consumer: str, *args: str, **env: str) -> WorkerProcess:
        log_path = self.tmp_path / f"{consumer}.log"
        worker = WorkerProcess({**self.env, **env}, consumer, log_path, *args)
        self.workers.append(worker)
        return worker

    def upload(
        self,
        photo_name: str | None = None,
        *,
        data: bytes | None = None,
        login: str = "alice",
        enqueue: bool = True,
    ) -> int:
        """What the meal service does at upload: rows + job, commit, then enqueue."""
        if data is None:
            assert photo_name is not None
            data = (PHOTOS / photo_name).read_bytes()
        key = new_key("png")
        self.storage.put(key, data, "image/png")
        with session_scope(self.engine) as db:
            photo = self.add_meal_photo(
                db,
                login=login,
                meal_type="snack",
                storage_key=key,
                content_type="image/png",
                size_bytes=len(data),
            )
            job = analysis.create_job(db, photo=photo)
            assert job.id is not None
            job_id = job.id
        if enqueue:
            self.queue.enqueue(job_id)
            with session_scope(self.engine) as db:
                analysis.mark_enqueued(db, job_id)
        return job_id

    def job(self, job_id: int) -> AnalysisJob:
        with Session(self.engine) as db:
            job = db.get(AnalysisJob, job_id)
            assert job is not None
            return job

    def items(self, job_id: int) -> list[MealItem]:
        with Session(self.engine) as db:
            job = db.get(AnalysisJob, job_id)
            assert job is not None
            return list(db.exec(select(MealItem).where(MealItem.photo_id == job.photo_id)).all())

    def wait_for(
        self, job_ids: list[int], statuses: tuple[str, ...] = ("done",), timeout: float = 30
    ) -> list[AnalysisJob]:
        deadline = time.monotonic() + timeout
        while True:
            jobs = [self.job(job_id) for job_id in job_ids]
            if all(job.status in statuses for job in jobs):
                return jobs
            if time.monotonic() > deadline:
                logs = "\n".join(w.log() for w in self.workers)
                raise AssertionError(
                    f"{[(j.id, j.status) for j in jobs]} after {timeout} s\n{logs}"
                )
            time.sleep(0.05)


@pytest.fixture
def stack(
    triton: Triton,
    engine: Engine,
    sqlite_url: str,
    redis_client: tuple[redis.Redis, str],
    redis_server_url: str,
    tmp_path: Path,
    add_meal_photo: MealPhotoFactory,
) -> Iterator[Stack]:
    client, prefix = redis_client
    var_dir = tmp_path / "var"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("JOB_", "TRITON_"))}
    env = {
        **clean,
        "DATABASE_URL": sqlite_url,
        "REDIS_URL": redis_server_url,
        "REDIS_PREFIX": prefix,
        "TRITON_URL": triton.url,
        "VAR_DIR": str(var_dir),
        "SECRET_KEY": "x" * 8 + os.urandom(24).hex(),
        "HEALTHAPP_ENV": "development",
        "PYTHONUNBUFFERED": "1",
    }
    storage = LocalPhotoStorage(var_dir / "photos")
    stack = Stack(engine, JobQueue(client, prefix), storage, env, tmp_path, add_meal_photo)
    yield stack
    for worker in stack.workers:
        if worker.process.poll() is None:
            worker.kill()


def noise_png() -> bytes:
    import io

    rng = np.random.default_rng(3)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


# --- (a) end to end -----------------------------------------------------------------------


def test_coffee_photo_is_recognised_as_espresso_end_to_end(stack: Stack) -> None:
    events = stack.queue.client.pubsub()
    events.subscribe(stack.queue.events_channel(1))
    worker = stack.worker("w-a", "--sweep-interval", "1")
    worker.wait_healthy()

    # Uploaded while Redis was unreachable: in the database only (never enqueued, a minute old).
    lost = stack.upload("orange.jpg", enqueue=False)
    with session_scope(stack.engine) as db:
        db.exec(
            sa.update(AnalysisJob)
            .where(AnalysisJob.id == lost)  # type: ignore[arg-type]
            .values(created_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    started = time.monotonic()
    coffee = stack.upload("coffee.png")
    noise = stack.upload(data=noise_png())
    [done] = stack.wait_for([coffee])
    latency = time.monotonic() - started

    assert done.status == "done"
    assert done.error_key == ""
    assert done.attempts == 1
    assert done.result is not None
    top = done.result["candidates"][0]
    assert (top["label"], top["food_id"]) == ("espresso", ESPRESSO)
    assert top["score"] > 0.9
    assert done.result["estimate"]["food_id"] == ESPRESSO
    assert set(done.result["timings_ms"]) == {"read_ms", "decode_ms", "preprocess_ms", "infer_ms"}
    [item] = stack.items(coffee)
    assert (item.food_id, item.grams, item.source) == (ESPRESSO, 30.0, "estimate")
    assert item.kcal == done.result["estimate"]["kcal"]

    # The non-food picture: done, "no food recognised", no item.
    [no_food] = stack.wait_for([noise])
    assert no_food.error_key == "analysis.no_food"
    assert stack.items(noise) == []
    # The sweeper found the job Redis never saw.
    [orange] = stack.wait_for([lost], timeout=15)
    assert orange.result is not None
    assert orange.result["estimate"]["food_id"] == ORANGE
    assert len(stack.items(lost)) == 1

    # The page's channel heard analysing and done; the stream is empty, nothing pending.
    heard = []
    while (message := events.get_message(timeout=0.5)) is not None:
        if message["type"] == "message":
            heard.append(json.loads(message["data"]))
    events.close()
    assert {
        "job_id": coffee,
        "meal_id": item.meal_id,
        "photo_id": item.photo_id,
        "status": "done",
        "error_key": "",
    } in heard
    assert [e["status"] for e in heard if e["job_id"] == coffee] == ["analysing", "done"]
    assert stack.queue.pending() == []
    assert stack.queue.length() == 0

    code, health = worker.health()
    assert code == 200
    assert health["status"] == "ok"
    assert health["triton_ready"]
    assert health["redis_ok"]
    assert health["jobs_done"] == 3
    assert health["jobs_failed"] == 0
    assert health["last_job_at"]
    [line] = [entry for entry in worker.job_lines(at_least=3) if entry["job_id"] == coffee]
    assert line["outcome"] == "done"
    assert line["food_id"] == ESPRESSO
    assert {"decode_ms", "preprocess_ms", "infer_ms", "store_ms", "total_ms"} <= set(line)
    print(f"\nupload->done {latency * 1000:.0f} ms; worker timings {line}")
    assert worker.terminate() == 0  # SIGTERM: a clean exit


# --- (b) a worker killed mid-job --------------------------------------------------------------


def test_worker_killed_mid_job_is_reclaimed_without_loss_or_double(
    stack: Stack, triton: Triton
) -> None:
    proxy = FreezableProxy(triton.grpc_port)
    try:
        doomed = stack.worker(
            "w-doomed",
            TRITON_URL=f"127.0.0.1:{proxy.port}",
            TRITON_TIMEOUT_SECONDS="120",
            JOB_RECLAIM_IDLE_SECONDS="2",  # its lease (1.5 s) runs out soon after the kill
        )
        doomed.wait_healthy()
        proxy.frozen.set()  # from now on its inference request hangs in flight
        job_id = stack.upload("coffee.png")
        stack.wait_for([job_id], statuses=("analysing",), timeout=15)
        assert [p["consumer"] for p in stack.queue.pending()] == ["w-doomed"]
        time.sleep(0.3)
        doomed.kill()
        assert stack.job(job_id).status == "analysing"

        rescuer = stack.worker("w-rescuer", JOB_RECLAIM_IDLE_SECONDS="1")
        [done] = stack.wait_for([job_id], timeout=30)
    finally:
        proxy.close()
    assert done.attempts == 2  # the killed attempt and the one that finished
    assert len(stack.items(job_id)) == 1
    assert stack.queue.pending() == []
    # Reclaimed while the dead worker's lease still ran, it waited: nothing started, no attempt.
    lines = [line for line in rescuer.job_lines() if line["outcome"] != "leased_elsewhere"]
    assert [line["outcome"] for line in lines] == ["done"]
    assert lines[0]["deliveries"] >= 2

    # A stray second delivery (a sweeper duplicate) changes nothing.
    stack.queue.enqueue(job_id)
    deadline = time.monotonic() + 10
    while stack.queue.length() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert stack.queue.length() == 0
    assert stack.queue.pending() == []
    assert len(stack.items(job_id)) == 1
    assert stack.job(job_id).attempts == 2
    assert rescuer.terminate() == 0


# --- (c) Triton down ------------------------------------------------------------------------


def test_jobs_wait_while_triton_is_down_and_finish_when_it_returns(
    stack: Stack, triton: Triton
) -> None:
    # Two attempts only: had the outage burned attempts, these jobs would have failed.
    worker = stack.worker("w-c", JOB_MAX_ATTEMPTS="2")
    worker.wait_healthy()
    triton.stop()
    try:
        # A worker started during the outage waits for Triton instead of exiting.
        late = stack.worker("w-late")
        jobs = [stack.upload("coffee.png"), stack.upload("orange.jpg")]
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            for job_id in jobs:
                job = stack.job(job_id)
                assert job.status in ("queued", "analysing"), (job.status, worker.log())
                assert job.attempts <= 1
            time.sleep(0.1)
        code, health = worker.health()
        assert code == 503
        assert health["triton_ready"] is False
        assert health["redis_ok"] is True
        code, health = late.health()
        assert code == 503
        assert health["status"] == "starting"
    finally:
        outage_ended = time.monotonic()
        triton.start()
    done = stack.wait_for(jobs, timeout=30)
    recovery = time.monotonic() - outage_ended
    assert [job.attempts for job in done] == [1, 1]
    assert [item.food_id for job_id in jobs for item in stack.items(job_id)] == [ESPRESSO, ORANGE]
    assert stack.queue.pending() == []
    assert stack.queue.length() == 0
    worker.wait_healthy(10)
    late.wait_healthy(10)
    print(f"\nTriton restart -> both jobs done in {recovery:.1f} s")
    assert worker.terminate() == 0
    assert late.terminate() == 0


def test_sigterm_finishes_the_job_in_hand(stack: Stack, triton: Triton) -> None:
    proxy = FreezableProxy(triton.grpc_port)
    try:
        worker = stack.worker("w-term", TRITON_URL=f"127.0.0.1:{proxy.port}")
        worker.wait_healthy()
        proxy.frozen.set()
        job_id = stack.upload("coffee.png")
        stack.wait_for([job_id], statuses=("analysing",), timeout=15)
        os.killpg(worker.process.pid, signal.SIGTERM)
        time.sleep(0.5)
        assert worker.process.poll() is None  # still finishing its job
        proxy.frozen.clear()
        assert worker.process.wait(15) == 0
    finally:
        proxy.close()
    assert stack.job(job_id).status == "done"
    assert len(stack.items(job_id)) == 1
    assert stack.queue.pending() == []


# --- complete_job under real concurrency, on both databases -------------------------------------


@pytest.mark.parametrize("workers", [4])
def test_concurrent_completions_store_one_item(
    database_url: str, workers: int, add_meal_photo: MealPhotoFactory
) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as db:
            photo = add_meal_photo(db, login="racer")
            job_id = analysis.create_job(db, photo=photo).id
        scores = np.full(1000, 0.05 / 999, dtype=np.float32)
        scores[967] = 0.95
        prediction = predict(scores)
        barrier = threading.Barrier(workers)

        def deliver(_: int) -> bool:
            with session_scope(engine) as db:
                analysis.start_job(db, job_id)
            barrier.wait()
            with session_scope(engine) as db:
                return analysis.complete_job(db, job_id, prediction)

        with ThreadPoolExecutor(workers) as pool:
            outcomes = list(pool.map(deliver, range(workers)))
        assert sorted(outcomes) == [False] * (workers - 1) + [True]
        with Session(engine) as db:
            assert len(db.exec(select(MealItem)).all()) == 1
            job = db.get(AnalysisJob, job_id)
            assert job is not None
            assert (job.status, job.attempts) == ("done", workers)
    finally:
        engine.dispose()
