"""Log-in throttling: failures counted in Redis per account and per client, in a sliding window."""

from __future__ import annotations

import hashlib
import inspect
import logging
import time
import uuid
from dataclasses import dataclass
from typing import Any

import redis
from redis.typing import ResponseT

from healthapp.domain.errors import ThrottledError

log = logging.getLogger(__name__)


def _reply(value: ResponseT) -> Any:
    """A command's reply: redis-py types commands for its sync and asyncio clients at once;
    the throttle's client is the sync `redis.Redis`, whose replies are never awaitable."""
    assert not inspect.isawaitable(value)
    return value


@dataclass(frozen=True)
class LoginThrottle:
    client: redis.Redis
    prefix: str
    max_per_account: int
    max_per_client: int
    window_seconds: int

    def _keys(self, login: str, client_ip: str) -> list[tuple[str, int]]:
        # Hashed so that Redis never holds e-mail addresses or IPs in clear.
        def digest(value: str) -> str:
            return hashlib.sha256(value.encode()).hexdigest()[:32]

        return [
            (f"{self.prefix}login-fail:account:{digest(login)}", self.max_per_account),
            (f"{self.prefix}login-fail:client:{digest(client_ip)}", self.max_per_client),
        ]

    def check(self, login: str, client_ip: str, now: float | None = None) -> None:
        """Raise ThrottledError while either counter is at its limit."""
        now = time.time() if now is None else now
        try:
            retry_after = 0
            for key, limit in self._keys(login, client_ip):
                self.client.zremrangebyscore(key, 0, now - self.window_seconds)
                if _reply(self.client.zcard(key)) >= limit:
                    # The window reopens when the oldest failure that still counts ages out.
                    oldest = _reply(self.client.zrange(key, -limit, -limit, withscores=True))
                    reopen = oldest[0][1] + self.window_seconds if oldest else now
                    retry_after = max(retry_after, int(reopen - now) + 1)
        except redis.RedisError:
            # Failing open keeps people able to log in while Redis is down; the hash cost
            # still bounds guessing speed. Logged so the operator sees it.
            log.exception("login throttle unavailable; allowing the attempt")
            return
        if retry_after:
            raise ThrottledError(retry_after)

    def record_failure(self, login: str, client_ip: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        try:
            pipe = self.client.pipeline()
            for key, _limit in self._keys(login, client_ip):
                pipe.zadd(key, {uuid.uuid4().hex: now})
                pipe.expire(key, self.window_seconds)
            pipe.execute()
        except redis.RedisError:
            log.exception("could not record a failed log-in")

    def reset_account(self, login: str) -> None:
        try:
            self.client.delete(self._keys(login, "")[0][0])
        except redis.RedisError:
            log.exception("could not reset the log-in failure counter")


def default_login_throttle() -> LoginThrottle:
    from healthapp.config import get_settings
    from healthapp.redis_client import get_redis

    settings = get_settings()
    return LoginThrottle(
        client=get_redis(),
        prefix=settings.redis_prefix,
        max_per_account=settings.login_max_failures_account,
        max_per_client=settings.login_max_failures_client,
        window_seconds=settings.login_window_seconds,
    )
