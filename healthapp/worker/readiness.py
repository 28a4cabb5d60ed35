"""Waiting for Redis and Triton: at start-up, and for Triton again after it went away (jobs
wait in the queue meanwhile instead of failing). Both poll with a growing delay."""

from __future__ import annotations

import asyncio
import logging

import redis

from healthapp.config import redact_url
from healthapp.inference.triton_client import FoodModelClient, ModelMismatch, TritonError
from healthapp.job_queue import JobQueue
from healthapp.worker.runtime import pause

log = logging.getLogger("healthapp.worker")


async def wait_for_redis(queue: JobQueue, stop: asyncio.Event) -> bool:
    """Until the consumer group exists (created if need be); False when asked to stop first."""
    delay = 0.25
    while not stop.is_set():
        try:
            await asyncio.to_thread(queue.ensure_group)
            return True
        except redis.RedisError as exc:
            log.warning("Redis not available (%s); retrying in %.1f s", exc, delay)
            await pause(stop, delay)
            delay = min(delay * 2, 5.0)
    return False


async def wait_for_triton(client: FoodModelClient, stop: asyncio.Event) -> bool:
    """Until Triton and the model are ready (checking the model's metadata on the first
    connection); False when asked to stop first. A model that does not fit raises
    ModelMismatch: waiting cannot fix a deployment error."""
    delay, tries = 0.25, 0
    while not stop.is_set():
        try:
            if client.info is None:
                info = await client.connect()
                log.info(
                    "Triton model %s ready at %s: inputs %s, outputs %s",
                    info.name,
                    client.url,
                    info.inputs,
                    info.outputs,
                )
                return True
            if await client.is_ready():
                log.info("Triton is ready again at %s", redact_url(client.url))
                return True
        except ModelMismatch:
            raise
        except TritonError as exc:
            log.info("waiting for Triton at %s: %s", redact_url(client.url), exc)
        tries += 1
        if tries % 10 == 0:  # a fresh channel, in case the old one is stuck in backoff
            await client.close()
        await pause(stop, delay)
        delay = min(delay * 2, 2.0)
    return False
