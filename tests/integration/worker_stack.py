"""What the worker tests run against: a tritonserver that can be stopped and started again,
the worker as a real process (python -m healthapp.worker), a TCP proxy that can freeze Triton's
replies, and one test's database, Redis prefix and photo storage (`Stack`). The fixtures that
build them are in conftest.py."""

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import redis
from PIL import Image
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from healthapp import processes
from healthapp.db import session_scope
from healthapp.domain.errors import ValidationError
from healthapp.inference import triton_server
from healthapp.job_queue import JobQueue
from healthapp.models import AnalysisJob, MealItem, MealPhoto
from healthapp.services import analysis
from healthapp.services.meals.photos import PhotoLimits, intake_photo
from healthapp.services.meals.storage import LocalPhotoStorage, new_key, small_key

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ROOT / "tests" / "fixtures" / "photos"
MODEL_FILE = ROOT / "triton_models" / "food_classifier" / "1" / "model.onnx"
ESPRESSO = "fndds_coffee_espresso"
ORANGE = "fdn_oranges_raw_navels"
TEST_PORTS = range(19000, 20000)  # the range this project's tests use
MealPhotoFactory = Callable[..., MealPhoto]  # the add_meal_photo fixture


_handed_out: set[int] = set()


def free_port() -> int:
    """A free test port never handed out before in this run: a server stopped for an outage
    (Triton, Redis) must find its ports unclaimed when it starts again, and a port that is free
    only because its server is down looks free to the kernel."""
    if len(_handed_out) > len(TEST_PORTS) * 0.9:  # a very long run: start the record over
        _handed_out.clear()
    port = processes.free_port(ports=[p for p in TEST_PORTS if p not in _handed_out])
    _handed_out.add(port)
    return port


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
        renditions: bool = True,
    ) -> int:
        """What the meal service does at upload: the photo through intake (stored with its
        small rendition; with `renditions=False`, or for bytes intake refuses, stored as they
        are, like a photo from before renditions), rows + job, commit, then enqueue."""
        if data is None:
            assert photo_name is not None
            data = (PHOTOS / photo_name).read_bytes()
        key, content_type = new_key("png"), "image/png"
        processed = None
        if renditions:
            with contextlib.suppress(ValidationError):
                processed = intake_photo(data, limits=PhotoLimits())
        if processed is not None:
            key, content_type, data = new_key("jpg"), processed.content_type, processed.data
            self.storage.put(small_key(key), processed.small, content_type)
        self.storage.put(key, data, content_type)
        with session_scope(self.engine) as db:
            photo = self.add_meal_photo(
                db,
                login=login,
                meal_type="snack",
                storage_key=key,
                content_type=content_type,
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


def noise_png() -> bytes:
    import io

    rng = np.random.default_rng(3)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (300, 400, 3), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


@contextlib.contextmanager
def running_triton(log_dir: Path) -> Iterator[Triton]:
    """The `triton` fixture: one tritonserver for the whole run."""
    if not MODEL_FILE.exists():  # ~40 s: a throwaway torch venv exports the ONNX file
        subprocess.run(
            [str(ROOT / "triton_models" / "build.sh")], cwd=ROOT, check=True, timeout=900
        )
    triton_server.setup_triton()  # quick when var/triton-venv is current, ~25 s otherwise
    server = Triton(log_dir / "triton.log")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def worker_stack(
    triton: Triton,
    engine: Engine,
    *,
    database_url: str,
    redis_client: tuple[redis.Redis, str],
    redis_url: str,
    tmp_path: Path,
    add_meal_photo: MealPhotoFactory,
) -> Iterator[Stack]:
    """The `stack` fixture: one test's stack; its worker processes are killed afterwards."""
    client, prefix = redis_client
    var_dir = tmp_path / "var"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("JOB_", "TRITON_"))}
    env = {
        **clean,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": prefix,
        "TRITON_URL": triton.url,
        "VAR_DIR": str(var_dir),
        "SECRET_KEY": "x" * 8 + os.urandom(24).hex(),
        "HEALTHAPP_ENV": "development",
        "PYTHONUNBUFFERED": "1",
    }
    storage = LocalPhotoStorage(var_dir / "photos")
    stack = Stack(engine, JobQueue(client, prefix), storage, env, tmp_path, add_meal_photo)
    try:
        yield stack
    finally:
        for worker in stack.workers:
            if worker.process.poll() is None:
                worker.kill()
