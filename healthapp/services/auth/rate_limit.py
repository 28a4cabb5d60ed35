"""Requests per API token per minute: one sliding window in Redis per token (the log-in
throttle's script). While Redis is down requests pass (logged): the API stays usable and the
per-request work is bounded by the database anyway."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from dataclasses import dataclass

import redis

from healthapp.observability.metrics import record_throttle_hit
from healthapp.services.auth.throttle import ADMIT_SCRIPT

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60


@dataclass(frozen=True)
class RateLimit:
    client: redis.Redis
    prefix: str
    per_minute: int

    def admit(self, rate_key: str, now: float | None = None) -> int:
        """0 when the request counts within the limit, else the seconds to wait."""
        key = f"{self.prefix}api-rate:{hashlib.sha256(rate_key.encode()).hexdigest()[:32]}"
        now = time.time() if now is None else now
        try:
            wait = self.client.eval(ADMIT_SCRIPT, 1, key, repr(now), str(WINDOW_SECONDS),
                                    uuid.uuid4().hex, str(self.per_minute))  # fmt: skip
        except redis.RedisError:
            log.exception("API rate limit unavailable; allowing the request")
            return 0
        seconds = int(wait)  # type: ignore[arg-type]  # the sync client's reply
        if seconds:
            record_throttle_hit("api")
        return seconds


def default_rate_limit() -> RateLimit:
    from healthapp.config import get_settings
    from healthapp.redis_client import get_redis

    settings = get_settings()
    return RateLimit(get_redis(), settings.redis_prefix, settings.api_requests_per_minute)
