"""The shared Redis connection (rate limits, queues, announcements)."""

from __future__ import annotations

from functools import lru_cache

import redis

from healthapp.config import get_settings


@lru_cache(maxsize=1)
def get_redis() -> redis.Redis:
    url = get_settings().redis_url
    if not url:
        raise RuntimeError("REDIS_URL is not set; start the app with `make run` or set REDIS_URL")
    return redis.Redis.from_url(
        url, decode_responses=True, socket_connect_timeout=2, socket_timeout=2
    )
