"""`python -m healthapp.worker`: the command line, and a worker wired to the configured
database, Redis, Triton and photo storage."""

from __future__ import annotations

import argparse
import asyncio
import os
import socket

import redis

from healthapp.config import get_settings
from healthapp.db import make_engine
from healthapp.inference.triton_client import FoodModelClient
from healthapp.job_queue import JobQueue
from healthapp.observability import logs
from healthapp.services.meals.storage import default_photo_storage
from healthapp.worker.config import WorkerConfig
from healthapp.worker.loop import Worker


def build_worker(config: WorkerConfig) -> Worker:
    settings = get_settings()
    if not settings.redis_url:
        raise SystemExit("REDIS_URL is not set")
    if not settings.triton_url:
        raise SystemExit("TRITON_URL is not set (host:grpc-port of a Triton server)")
    client = redis.Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_connect_timeout=2,
        # Longer than the blocking XREADGROUP, which holds the connection for block_ms.
        socket_timeout=config.block_ms / 1000 + 10,
        health_check_interval=30,
    )
    return Worker(
        config,
        engine=make_engine(settings.database_url),
        queue=JobQueue(client, settings.redis_prefix),
        model_client=FoodModelClient(
            settings.triton_url, config.model, timeout_s=settings.triton_timeout_seconds
        ),
        storage=default_photo_storage(),
    )


def parse_args(argv: list[str] | None = None) -> WorkerConfig:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m healthapp.worker")
    parser.add_argument(
        "--consumer",
        default=f"{socket.gethostname()}-{os.getpid()}",
        help="consumer name in the Redis group (unique per worker)",
    )
    parser.add_argument("--health-port", type=int, default=0, help="0: no health endpoint")
    parser.add_argument("--health-host", default="127.0.0.1")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--block-ms", type=int, default=1000)
    parser.add_argument("--retry-base", type=float, default=2.0, help="backoff base, seconds")
    parser.add_argument("--retry-max", type=float, default=60.0, help="backoff cap, seconds")
    parser.add_argument("--sweep-interval", type=float, default=10.0, help="seconds")
    parser.add_argument(
        "--shutdown-grace",
        type=float,
        default=8.0,
        # Under the launcher's 10 s stop grace (and Kubernetes' 30 s): the worker exits by
        # itself, with the jobs it cut off left pending, before anyone kills it.
        help="seconds SIGTERM waits for the jobs in hand; the rest stay pending for others",
    )
    args = parser.parse_args(argv)
    return WorkerConfig(
        consumer=args.consumer,
        model=settings.triton_model,
        health_host=args.health_host,
        health_port=args.health_port,
        concurrency=max(1, args.concurrency),
        block_ms=max(10, args.block_ms),
        max_attempts=settings.job_max_attempts,
        reclaim_idle_s=settings.job_reclaim_idle_seconds,
        retry_base_s=args.retry_base,
        retry_max_s=args.retry_max,
        sweep_interval_s=args.sweep_interval,
        shutdown_grace_s=max(0.0, args.shutdown_grace),
        read_timeout_s=settings.photo_read_timeout_seconds,
    )


def main(argv: list[str] | None = None) -> int:
    logs.configure_from_settings(process="worker")
    config = parse_args(argv)
    worker = build_worker(config)
    return asyncio.run(worker.run())
