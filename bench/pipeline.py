"""Meal pipeline benchmark: the real stack, from the upload service to the announcement.

    python -m bench.pipeline                    # 1 and 10 uploaders, 60 s each
    python -m bench.pipeline --duration 10      # smoke run
    python -m bench.pipeline --uploaders 1,10,20 --workers 2
    python -m bench.pipeline --path tensor,jpeg --uploaders 10   # old and new path, back to back

`--path` (default `tensor,jpeg`): `tensor` is the worker sending a preprocessed float32 tensor
(602 KB) to `food_classifier`; `jpeg` is the worker sending a small JPEG to the ensemble
`food_recognizer`, which decodes and preprocesses inside Triton. Each path gets a fresh stack in
turn, in the same invocation, and the report puts them side by side with the bytes per request
and the CPU seconds per photo of the worker and of Triton (their process groups, from /proc).

Started as the launcher starts them (healthapp.launcher's Supervisor and Service, so the same
readiness checks and process-group shutdown), each on a port in the benchmark range: a private
redis-server, tritonserver serving triton_models/ (or `--config` in a temporary copy) and
`--workers` inference workers (`python -m healthapp.worker`). The database is a
temporary SQLite file migrated with healthapp.db.migrate; VAR_DIR and the photo store are
temporary too. The photo quotas are raised through their settings (PHOTO_UPLOADS_PER_* and
PHOTO_ATTEMPTS_PER_*).

Each uploader is a thread with a user of its own. It calls the upload service exactly as the
meal page does (`healthapp.services.meals.meal_log.log_meal`: intake, private storage, one
transaction, enqueue) with one fixture photo, then waits until the worker announces the job's
result on the user's Redis pub/sub channel, then uploads the next photo (a closed loop: each
uploader is a person waiting for the estimate). Latency: from upload accepted (log_meal
returned) to the "done" announcement, which the worker publishes only after the result is
committed, so it is stored and announced. A subscriber thread (PSUBSCRIBE on every user's
channel) takes the time of each announcement.

At the end: every upload has exactly one job, every job is done once (one "done" announcement,
one estimate item per recognised photo, none doubled), and the stream holds nothing pending.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import common

PREFIX = "bench:"
# What the worker is configured with on each path.
MODELS = {"tensor": "food_classifier", "jpeg": "food_recognizer"}


@dataclass
class Upload:
    job_id: int
    uploader: int
    phase: str
    started: float  # log_meal called
    accepted: float  # log_meal returned: the upload is committed and queued


@dataclass
class Tracker:
    """Announcements seen on the users' channels: job id -> [(status, perf_counter time)]."""

    events: dict[int, list[tuple[str, float]]] = field(default_factory=lambda: defaultdict(list))
    waiters: dict[int, threading.Event] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _event(self, job_id: int) -> threading.Event:
        with self.lock:
            return self.waiters.setdefault(job_id, threading.Event())

    def seen(self, job_id: int, status: str, when: float) -> None:
        with self.lock:
            self.events[job_id].append((status, when))
        if status in ("done", "failed"):
            self._event(job_id).set()

    def wait(self, job_id: int, timeout: float) -> bool:
        return self._event(job_id).wait(timeout)

    def final(self, job_id: int) -> list[tuple[str, float]]:
        with self.lock:
            return [e for e in self.events.get(job_id, []) if e[0] in ("done", "failed")]


def subscribe(client: Any, tracker: Tracker, stop: threading.Event, ready: threading.Event) -> None:
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    pubsub.psubscribe(f"{PREFIX}meal-events:*")
    while not stop.is_set():
        message = pubsub.get_message(timeout=0.2)
        if message is None:
            ready.set()
            continue
        when = time.perf_counter()
        with contextlib.suppress(ValueError, KeyError, TypeError):
            data = json.loads(message["data"])
            tracker.seen(int(data["job_id"]), str(data.get("status", "")), when)
    pubsub.close()


# --- the stack ---------------------------------------------------------------------------------


def configure_environment(tmp: Path, args: argparse.Namespace, path: str) -> dict[str, str]:
    """Settings for this process and the workers (before anything reads get_settings)."""
    ports = {"redis": common.free_port()}
    var_dir = tmp / "var"
    var_dir.mkdir()
    env = {
        "VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'healthapp.db'}",
        "REDIS_URL": f"redis://127.0.0.1:{ports['redis']}/0",
        "REDIS_PREFIX": PREFIX,
        "SECRET_KEY": secrets.token_urlsafe(48),
        "HEALTHAPP_ENV": "development",
        "PHOTO_DIR": str(var_dir / "photos"),
        "PHOTO_STORAGE_URL": "",
        "PHOTO_UPLOADS_PER_MINUTE": "1000000",
        "PHOTO_UPLOADS_PER_DAY": "100000000",
        "PHOTO_ATTEMPTS_PER_MINUTE": "1000000",
        "PHOTO_ATTEMPTS_PER_DAY": "100000000",
        "TRITON_MODEL": MODELS[path],
        "WORKERS": str(args.workers),
        "LOG_LEVEL": "INFO",
    }
    os.environ.update(env)
    env["_REDIS_PORT"] = str(ports["redis"])
    return env


def start_stack(
    supervisor: Any, tmp: Path, env: dict[str, str], args: argparse.Namespace
) -> dict[str, Any]:
    from healthapp import launcher
    from healthapp.db import migrate
    from healthapp.inference import triton_server

    port = int(env["_REDIS_PORT"])
    supervisor.start(
        redis_service := launcher.Service(
            "redis",
            common.redis_server_argv(port, tmp / "redis"),
            launcher.redis_ready(env["REDIS_URL"]),
            timeout=15,
            log_file=tmp / "redis.log",
        )
    )
    info: dict[str, Any] = {
        "groups": {"redis": [redis_service.process.pid] if redis_service.process else []}
    }
    migrate(env["DATABASE_URL"])
    if args.sqlite_wal:
        # WAL is a property of the database file: every connection (workers too) gets it.
        import sqlite3

        path = env["DATABASE_URL"].split("///", 1)[1]
        with contextlib.closing(sqlite3.connect(path)) as db:
            mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        info["journal_mode"] = mode

    repository = triton_server.DEFAULT_MODEL_REPOSITORY
    if args.config:
        from bench.inference import make_repository

        repository = make_repository(tmp / "repo", args.config.read_text())
    grpc, http, metrics = common.free_port(), common.free_port(), common.free_port()
    model = env["TRITON_MODEL"]
    argv, triton_env = triton_server.triton_command(
        repository, grpc, http, metrics, models=(*triton_server.DEFAULT_MODELS,)
    )
    base = f"http://127.0.0.1:{http}/v2"
    server_ok, model_ok = (
        launcher.http_ok(f"{base}/health/ready"),
        launcher.http_ok(f"{base}/models/{model}/ready"),
    )
    triton_server.cleanup_shm(grpc)
    supervisor.start(
        triton := launcher.Service(
            "triton",
            argv,
            lambda: server_ok() and model_ok(),
            timeout=180,
            env=triton_env,
            log_file=tmp / "triton.log",
            cleanup=lambda: triton_server.cleanup_shm(grpc),
        )
    )
    info["groups"]["triton"] = [triton.process.pid] if triton.process else []
    triton_url = f"127.0.0.1:{grpc}"
    os.environ["TRITON_URL"] = triton_url
    info["triton_url"] = triton_url
    info["triton_http"] = http

    worker_env = {k: v for k, v in env.items() if not k.startswith("_")}
    worker_env.update(TRITON_URL=triton_url, PYTHONUNBUFFERED="1")
    info["worker_logs"] = []
    info["groups"]["worker"] = []
    for index in range(args.workers):
        health = common.free_port()
        log_path = tmp / f"worker-{index}.log"
        argv = [sys.executable, "-m", "healthapp.worker"]
        argv += ["--consumer", f"bench-{index}", "--health-port", str(health)]
        argv += ["--concurrency", str(args.worker_concurrency)]
        worker = launcher.Service(
            f"worker-{index}",
            argv,
            launcher.http_ok(f"http://127.0.0.1:{health}/healthz"),
            timeout=60,
            env=worker_env,
            log_file=log_path,
        )
        supervisor.start(worker)
        if worker.process:
            info["groups"]["worker"].append(worker.process.pid)
        info["worker_logs"].append(log_path)
    return info


# --- the load ----------------------------------------------------------------------------------


@dataclass
class Context:
    engine: Any
    storage: Any
    limits: Any
    quota: Any
    queue: Any
    photos: list[bytes]
    users: list[tuple[int, Any]]  # (user_id, Preferences)
    tracker: Tracker
    uploads: list[Upload] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def make_users(engine: Any, count: int) -> list[tuple[int, Any]]:
    from healthapp.db import session_scope
    from healthapp.models import User
    from healthapp.services import preferences
    from healthapp.services.auth import passwords

    # One argon2 hash for all: how the users were made is not what is measured.
    password_hash = passwords.hash_password(secrets.token_urlsafe(16))
    users = []
    with session_scope(engine) as db:
        for index in range(count):
            user = User(
                login=f"bench-{index}-{secrets.token_hex(3)}",
                password_hash=password_hash,
                timezone="UTC",
            )
            db.add(user)
            db.flush()
            assert user.id is not None
            users.append((user.id, preferences.get_preferences(db, user_id=user.id)))
    return users


def upload_once(ctx: Context, uploader: int, photo: bytes, phase: str) -> Upload:
    from healthapp.db import utcnow
    from healthapp.services.forms import to_local_input
    from healthapp.services.meals.meal_log import log_meal

    user_id, prefs = ctx.users[uploader]
    form = {"eaten_at": to_local_input(utcnow(), prefs.tz), "meal_type": "lunch", "note": ""}
    started = time.perf_counter()
    logged = log_meal(
        user_id=user_id,
        form=form,
        uploads=[photo],
        prefs=prefs,
        storage=ctx.storage,
        limits=ctx.limits,
        quota=ctx.quota,
        queue=ctx.queue,
        engine=ctx.engine,
    )
    accepted = time.perf_counter()
    (job_id,) = logged.job_ids
    upload = Upload(job_id, uploader, phase, started, accepted)
    with ctx.lock:
        ctx.uploads.append(upload)
    return upload


def uploader_loop(
    ctx: Context, uploader: int, phase: str, deadline: float, think_s: float, timeout_s: float
) -> None:
    index = uploader
    while time.perf_counter() < deadline:
        photo = ctx.photos[index % len(ctx.photos)]
        index += 1
        try:
            upload = upload_once(ctx, uploader, photo, phase)
        except Exception as exc:
            with ctx.lock:
                ctx.errors.append(f"uploader {uploader}: {type(exc).__name__}: {exc}")
            time.sleep(0.5)
            continue
        if not ctx.tracker.wait(upload.job_id, timeout_s):
            with ctx.lock:
                ctx.errors.append(f"job {upload.job_id}: no result within {timeout_s:.0f} s")
        if think_s:
            time.sleep(think_s)


@dataclass
class Phase:
    name: str
    uploaders: int
    seconds: float
    uploads: list[Upload]


def run_phase(ctx: Context, uploaders: int, duration: float, args: argparse.Namespace) -> Phase:
    name = f"{uploaders} uploader{'s' if uploaders != 1 else ''}"
    started = time.perf_counter()
    deadline = started + duration
    threads = [
        threading.Thread(
            target=uploader_loop,
            args=(ctx, index, name, deadline, args.think_ms / 1000, args.job_timeout),
            name=f"uploader-{index}",
            daemon=True,
        )
        for index in range(uploaders)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    uploads = [u for u in ctx.uploads if u.phase == name]
    return Phase(name, uploaders, seconds, uploads)


# --- report ------------------------------------------------------------------------------------


def phase_row(phase: Phase, tracker: Tracker) -> list[object]:
    latencies, service = [], []
    for upload in phase.uploads:
        final = tracker.final(upload.job_id)
        service.append((upload.accepted - upload.started) * 1000)
        if final:
            latencies.append((final[0][1] - upload.accepted) * 1000)
    done = common.summarize(latencies, phase.seconds)
    return [
        phase.name,
        len(phase.uploads),
        len(latencies),
        done.per_second,
        done.p50_ms,
        done.p95_ms,
        done.max_ms,
        common.percentile(service, 50),
        common.percentile(service, 95),
    ]


def worker_breakdown(logs: Sequence[Path], phases: Sequence[Phase]) -> list[list[object]]:
    """Median per-step times from the workers' JSON log lines, per phase."""
    records: dict[int, dict[str, Any]] = {}
    for path in logs:
        for line in path.read_text(errors="replace").splitlines():
            # Text logs: the job's fields follow the message; JSON logs: the line is the object.
            start = 0 if line.startswith("{") else line.find('{"event": "analysis_job"')
            if start < 0 or '"event": "analysis_job"' not in line:
                continue
            with contextlib.suppress(ValueError):
                record = json.loads(line[start:])
                if record.get("outcome") in ("done", "no_food"):
                    records[int(record["job_id"])] = record
    steps = (
        "queued_ms",
        "read_ms",
        "decode_ms",
        "preprocess_ms",
        "infer_ms",
        "store_ms",
        "total_ms",
    )
    rows = []
    for phase in phases:
        mine = [records[u.job_id] for u in phase.uploads if u.job_id in records]
        row: list[object] = [phase.name]
        for step in steps:
            values = [float(r[step]) for r in mine if step in r]
            row.append(statistics.median(values) if values else float("nan"))
        rows.append(row)
    return rows


def integrity(ctx: Context, env: dict[str, str]) -> tuple[list[list[object]], bool]:
    """Every upload one job; every job done once; one estimate item per recognised photo."""
    from sqlmodel import Session, col, func, select

    from healthapp.models import AnalysisJob, MealItem, MealPhoto

    job_ids = [u.job_id for u in ctx.uploads]
    with Session(ctx.engine) as db:
        jobs = db.exec(select(AnalysisJob)).all()
        photos = db.exec(select(func.count()).select_from(MealPhoto)).one()
        item_counts = dict(
            db.exec(
                select(MealItem.photo_id, func.count())
                .where(col(MealItem.photo_id).is_not(None), MealItem.source == "estimate")
                .group_by(col(MealItem.photo_id))
            ).all()
        )
    by_status: dict[str, int] = defaultdict(int)
    for job in jobs:
        by_status[job.status] += 1
    recognised = [j for j in jobs if j.status == "done" and not j.error_key]
    missing_items = sum(1 for j in recognised if item_counts.get(j.photo_id, 0) == 0)
    doubled_items = sum(1 for n in item_counts.values() if n > 1)
    announced = [len(ctx.tracker.final(job_id)) for job_id in job_ids]
    pending = ctx.queue.pending()
    stream_len = ctx.queue.length()
    retries = len(ctx.queue.retry_due_times())
    rows: list[list[object]] = [
        [
            "uploads accepted = jobs in the DB = photos",
            len(job_ids),
            f"{len(jobs)} / {photos}",
            len(jobs) == len(job_ids) == photos and len(set(job_ids)) == len(job_ids),
        ],
        [
            "jobs done",
            len(job_ids),
            by_status.get("done", 0),
            by_status.get("done", 0) == len(job_ids),
        ],
        [
            "jobs failed / queued / analysing",
            0,
            f"{by_status.get('failed', 0)} / {by_status.get('queued', 0)} / "
            f"{by_status.get('analysing', 0)}",
            not (by_status.get("failed") or by_status.get("queued") or by_status.get("analysing")),
        ],
        ["recognised photos without their estimate item", 0, missing_items, missing_items == 0],
        ["photos with more than one estimate item", 0, doubled_items, doubled_items == 0],
        ["jobs never announced as final", 0, announced.count(0), announced.count(0) == 0],
        [
            "jobs announced final more than once",
            0,
            sum(1 for n in announced if n > 1),
            all(n <= 1 for n in announced),
        ],
        [
            "stream entries left / pending / retries",
            0,
            f"{stream_len} / {len(pending)} / {retries}",
            stream_len == 0 and not pending and retries == 0,
        ],
        ["uploads refused or failed in the bench", 0, len(ctx.errors), not ctx.errors],
    ]
    return rows, all(bool(r[-1]) for r in rows)


def wait_all_final(ctx: Context, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for upload in list(ctx.uploads):
        remaining = max(0.0, deadline - time.monotonic())
        ctx.tracker.wait(upload.job_id, remaining)
    time.sleep(1.0)  # a late duplicate announcement would land now


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__)
    parser.add_argument("--uploaders", default="1,10", help="comma-separated concurrency levels")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per level")
    parser.add_argument("--workers", type=int, default=1, help="inference workers (WORKERS)")
    parser.add_argument("--worker-concurrency", type=int, default=4, help="jobs per worker")
    parser.add_argument("--think-ms", type=float, default=0.0, help="pause between uploads")
    parser.add_argument("--job-timeout", type=float, default=60.0)
    parser.add_argument("--config", type=Path, help="a config.pbtxt to serve instead of ours")
    parser.add_argument(
        "--sqlite-wal",
        action="store_true",
        help="switch the temp SQLite database to WAL (the app uses the default rollback journal)",
    )
    parser.add_argument(
        "--path",
        default="tensor,jpeg",
        help="comma-separated: tensor (float32 to food_classifier), jpeg (to food_recognizer)",
    )
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args(argv)
    args.levels = [int(x) for x in str(args.uploaders).split(",") if x.strip()]
    args.paths = [x.strip() for x in str(args.path).split(",") if x.strip()]
    unknown = sorted(set(args.paths) - set(MODELS))
    if unknown or not args.paths:
        parser.error(f"--path: tensor and/or jpeg, not {unknown}")
    return args


def group_cpu_seconds(leaders: Sequence[int]) -> float:
    """User + system CPU seconds of every live process in the process groups of `leaders` (each
    service runs in a group of its own; Triton's python backend stubs are in its group)."""
    ticks = os.sysconf("SC_CLK_TCK")
    groups, total = set(leaders), 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) in groups:  # pgrp
                total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / ticks


def own_cpu_seconds() -> float:
    """User + system CPU seconds of this process, every thread: the uploaders' intake, storage
    and enqueue (log_meal) and the announcement subscriber."""
    times = os.times()
    return times.user + times.system


def request_bytes(path: str, photos: Sequence[bytes]) -> int:
    """What one request carries to Triton on `path` (median over the photos)."""
    if path == "tensor":
        return 3 * 224 * 224 * 4
    from healthapp.inference.compact import compact_jpeg

    return int(statistics.median(len(compact_jpeg(photo)) for photo in photos))


@dataclass
class PathRun:
    path: str
    rows: list[list[object]]
    breakdown: list[list[object]]
    checks: list[list[object]]
    ok: bool
    cpu_rows: list[list[object]]
    errors: list[str]
    photos: int


def run_path(path: str, args: argparse.Namespace) -> PathRun:
    """A fresh stack for one path, the warm-up, then each uploader level."""
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp_name:
        tmp = Path(tmp_name)
        env = configure_environment(tmp, args, path)

        import redis

        from healthapp import launcher
        from healthapp.config import get_settings
        from healthapp.db import get_engine, make_engine
        from healthapp.job_queue import JobQueue
        from healthapp.redis_client import get_redis
        from healthapp.services.meals.photos import PhotoLimits, PhotoQuota
        from healthapp.services.meals.storage import default_photo_storage

        # A fresh stack per path: nothing may keep the previous path's settings or Redis.
        get_settings.cache_clear()
        get_redis.cache_clear()
        get_engine.cache_clear()
        settings = get_settings()
        supervisor = launcher.Supervisor()
        stop = threading.Event()
        try:
            info = start_stack(supervisor, tmp, env, args)
            client = redis.Redis.from_url(env["REDIS_URL"])
            tracker = Tracker()
            ready = threading.Event()
            listener = threading.Thread(
                target=subscribe, args=(client, tracker, stop, ready), daemon=True
            )
            listener.start()
            ready.wait(10)
            engine = make_engine(settings.database_url)
            ctx = Context(
                engine=engine,
                storage=default_photo_storage(),
                limits=PhotoLimits.from_settings(settings),
                quota=PhotoQuota.from_settings(settings, client),
                queue=JobQueue(client, settings.redis_prefix),
                photos=[p.read_bytes() for p in common.photo_paths()],
                users=make_users(engine, max(args.levels)),
                tracker=tracker,
            )
            # Warm-up: the first request of a fresh stack pays for connections and caches.
            for index in range(len(ctx.photos)):
                upload = upload_once(ctx, 0, ctx.photos[index], "warm-up")
                tracker.wait(upload.job_id, args.job_timeout)
            common.print_flush(
                f"[{path}] stack up: redis, triton {info['triton_url']} ({env['TRITON_MODEL']}), "
                f"{args.workers} worker(s); load {common.fmt_load(common.load_average())}"
            )
            size = request_bytes(path, ctx.photos)
            phases, loads, cpu_rows = [], [], []
            for level in args.levels:
                before = {name: group_cpu_seconds(pids) for name, pids in info["groups"].items()}
                before["uploaders"] = own_cpu_seconds()
                phase = run_phase(ctx, level, args.duration, args)
                wait_all_final(ctx, args.job_timeout)
                after = {name: group_cpu_seconds(pids) for name, pids in info["groups"].items()}
                after["uploaders"] = own_cpu_seconds()
                phases.append(phase)
                loads.append(common.fmt_load(common.load_average()))
                count = max(1, len(phase.uploads))
                per_photo = {
                    name: (after[name] - before[name]) * 1000 / count for name in CPU_PARTS
                }
                cpu_rows.append(
                    [
                        f"{path}, {phase.name}",
                        size,
                        *(round(per_photo[name], 1) for name in CPU_PARTS),
                        round(sum(per_photo.values()), 1),
                    ]
                )
                common.print_flush(
                    common.table(PHASE_HEADERS, [phase_row(phase, tracker)])
                    + f"\n(load after: {loads[-1]})"
                )
            wait_all_final(ctx, args.job_timeout)
            rows = [
                [f"{path}, {row[0]}", *row[1:], load]
                for row, load in zip((phase_row(p, tracker) for p in phases), loads, strict=True)
            ]
            checks, ok = integrity(ctx, env)
            breakdown = [
                [f"{path}, {row[0]}", *row[1:]]
                for row in worker_breakdown(info["worker_logs"], phases)
            ]
        finally:
            stop.set()
            supervisor.stop_all()
    return PathRun(path, rows, breakdown, checks, ok, cpu_rows, list(ctx.errors), len(ctx.photos))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    machine = common.machine_info()
    runs = [run_path(path, args) for path in args.paths]
    ok = all(run.ok for run in runs)
    body = "\n".join(
        [
            "### Meal pipeline: upload accepted -> result stored and announced",
            "",
            common.table([*PHASE_HEADERS, "load after"], [row for run in runs for row in run.rows]),
            "",
            "Per photo: bytes sent to Triton (tensor: the float32 input; jpeg: the median small "
            "JPEG of the fixture photos) and CPU ms per photo of each part during the phase "
            "(its processes' CPU time divided by the phase's uploads; uploaders = this "
            "process: log_meal's intake, storage and enqueue, and the subscriber):",
            "",
            common.table(
                (
                    "phase",
                    "bytes/request",
                    *(f"{name} CPU ms/photo" for name in CPU_PARTS),
                    "all CPU ms/photo",
                ),
                [row for run in runs for row in run.cpu_rows],
            ),
            "",
            "Worker steps (median ms, from the workers' job log lines; queued = job created to "
            "picked up; on the jpeg path decode is the reduced-scale decode and preprocess the "
            "resize + JPEG encode):",
            "",
            common.table(
                ("phase", "queued", "read", "decode", "preprocess", "infer", "store", "total"),
                [row for run in runs for row in run.breakdown],
            ),
            "",
            *(
                line
                for run in runs
                for line in (
                    f"No job lost or doubled ({run.path}): {'yes' if run.ok else 'NO'}",
                    "",
                    common.table(("check", "expected", "got", "ok"), run.checks),
                    "",
                )
            ),
        ]
    )
    common.print_flush("\n" + body)
    errors = [f"{run.path}: {error}" for run in runs for error in run.errors]
    if errors:
        common.print_flush("errors:\n  " + "\n  ".join(errors[:20]))
    if not args.no_record:
        common.append_results(
            "Meal pipeline" + (" (smoke)" if args.duration < 60 else ""),
            settings={
                "paths": ",".join(args.paths),
                "uploaders": args.uploaders,
                "duration_s": args.duration,
                "workers": args.workers,
                "worker_concurrency": args.worker_concurrency,
                "think_ms": args.think_ms,
                "photos": runs[0].photos,
                "db": "SQLite (temp, WAL)"
                if args.sqlite_wal
                else "SQLite (temp, rollback journal)",
                "config": args.config or "triton_models/food_classifier/config.pbtxt",
            },
            body=body,
            machine_start=machine,
            version_info=common.versions(),
        )
    return 0 if ok else 1


CPU_PARTS = ("uploaders", "worker", "triton", "redis")
PHASE_HEADERS = (
    "phase",
    "uploads",
    "announced",
    "photos/s",
    "p50 ms",
    "p95 ms",
    "max ms",
    "log_meal p50 ms",
    "log_meal p95 ms",
)


if __name__ == "__main__":
    sys.exit(main())
