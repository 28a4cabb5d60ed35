"""Photo quotas per user in Redis: uploads kept, and upload attempts whatever their outcome.

Two budgets, each a sliding 60-second window (a sorted set of timestamps) plus a UTC-day count:

- uploads (`PHOTO_UPLOADS_PER_MINUTE` / `_PER_DAY`): photos that passed intake and were kept; a
  refused photo gives nothing back to this budget;
- attempts (`PHOTO_ATTEMPTS_PER_MINUTE` / `_PER_DAY`): every file sent, counted before it is
  parsed. Without it a refused photo would cost the client nothing and the server a full decode
  (up to PHOTO_MAX_PIXELS), so a loop of corrupt 40 MP files would keep a core busy for free.

A sliding window, not a fixed minute bucket: with buckets a client gets twice the limit across a
minute boundary (10 at 12:00:59, 10 more at 12:01:00). Check and add are one Lua script, so
concurrent requests cannot both pass the last free place. Redis being down fails open (logged):
the per-photo limits still hold, and uploads keep working while the queue waits for Redis.

Keys: `<prefix>photo-quota:minute:<user>` (sorted set, expires a window after its newest entry),
`<prefix>photo-quota:day:<user>:<YYYYMMDD>` (counter, expires a minute after its day); the
attempts keys are the same under `photo-attempts:`.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import redis

from healthapp.domain.errors import ValidationError

if TYPE_CHECKING:
    from healthapp.config import Settings

log = logging.getLogger(__name__)

FIELD = "photos"
WINDOW_SECONDS = 60
_DAY = 86_400

# KEYS: window sorted set, day counter. ARGV: now (ms), window (ms), count, per-window limit,
# per-day limit, day counter ttl (s), a token unique to this call, "1" to check only.
# Returns 0 (taken, or would be), 1 (window full) or 2 (day full); all or none of `count`.
_TAKE = """
local now, window, count = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) + count > tonumber(ARGV[4]) then return 1 end
if tonumber(redis.call('GET', KEYS[2]) or '0') + count > tonumber(ARGV[5]) then return 2 end
if ARGV[8] == '1' then return 0 end
for i = 1, count do redis.call('ZADD', KEYS[1], now, ARGV[7] .. ':' .. i) end
redis.call('PEXPIRE', KEYS[1], window)
redis.call('INCRBY', KEYS[2], count)
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[6]))
return 0
"""

# KEYS: window sorted set, day counter. ARGV: count. The newest entries go: which ones does not
# matter, only how many.
_GIVE_BACK = """
local count = tonumber(ARGV[1])
redis.call('ZPOPMAX', KEYS[1], count)
if redis.call('EXISTS', KEYS[2]) == 1 and redis.call('DECRBY', KEYS[2], count) <= 0 then
  redis.call('DEL', KEYS[2])
end
return 0
"""


@dataclass(frozen=True)
class _Budget:
    name: str  # "photo-quota" or "photo-attempts"
    per_minute: int
    per_day: int
    minute_key: str  # i18n keys of the refusals
    day_key: str


@dataclass(frozen=True)
class PhotoQuota:
    """Per-user photo budgets; see the module docstring. `now` arguments are for tests."""

    client: redis.Redis
    prefix: str
    per_minute: int
    per_day: int
    attempts_per_minute: int = 30
    attempts_per_day: int = 300

    @classmethod
    def from_settings(cls, settings: Settings, client: redis.Redis) -> PhotoQuota:
        return cls(
            client=client,
            prefix=settings.redis_prefix,
            per_minute=settings.photo_uploads_per_minute,
            per_day=settings.photo_uploads_per_day,
            attempts_per_minute=settings.photo_attempts_per_minute,
            attempts_per_day=settings.photo_attempts_per_day,
        )

    @property
    def _uploads(self) -> _Budget:
        return _Budget("photo-quota", self.per_minute, self.per_day,
                       "error.photo_quota_minute", "error.photo_quota_day")  # fmt: skip

    @property
    def _attempts(self) -> _Budget:
        return _Budget("photo-attempts", self.attempts_per_minute, self.attempts_per_day,
                       "error.photo_attempts_minute", "error.photo_attempts_day")  # fmt: skip

    def _keys(self, budget: _Budget, user_id: int, now: float) -> list[str]:
        day = time.strftime("%Y%m%d", time.gmtime(now))
        return [
            f"{self.prefix}{budget.name}:minute:{user_id}",
            f"{self.prefix}{budget.name}:day:{user_id}:{day}",
        ]

    def _take(self, budget: _Budget, user_id: int, count: int, now: float | None,
              *, check_only: bool) -> None:  # fmt: skip
        if count < 1:
            return
        now = time.time() if now is None else now
        day_ttl = (int(now // _DAY) + 1) * _DAY - int(now) + 60
        token = secrets.token_hex(8)  # entry names unique across concurrent calls
        args = [int(now * 1000), WINDOW_SECONDS * 1000, count, budget.per_minute,
                budget.per_day, day_ttl, token, "1" if check_only else "0"]  # fmt: skip
        try:
            verdict = self.client.register_script(_TAKE)(
                keys=self._keys(budget, user_id, now), args=args
            )
        except redis.RedisError:
            log.exception("photo quota unavailable; allowing the upload")
            return
        if verdict == 1:
            raise ValidationError(budget.minute_key, field=FIELD, limit=budget.per_minute)
        if verdict == 2:
            raise ValidationError(budget.day_key, field=FIELD, limit=budget.per_day)

    def check(self, user_id: int, count: int = 1, now: float | None = None) -> None:
        """Raise the ValidationError of the upload limit that `count` more photos would break;
        count nothing (a cheap early refusal before any decoding work)."""
        self._take(self._uploads, user_id, count, now, check_only=True)

    def count_attempts(self, user_id: int, count: int = 1, now: float | None = None) -> None:
        """Count `count` files sent, before any of them is parsed, or raise the ValidationError
        of the attempts limit they would break (and count none). Never given back."""
        self._take(self._attempts, user_id, count, now, check_only=False)

    def check_and_count(self, user_id: int, count: int = 1, now: float | None = None) -> None:
        """Count `count` kept photos (one meal's: all or none), or raise the ValidationError of
        the upload limit they would break and count nothing."""
        self._take(self._uploads, user_id, count, now, check_only=False)

    def refund(self, user_id: int, count: int = 1, now: float | None = None) -> None:
        """Give back counted uploads (photos that could not be stored after all)."""
        if count < 1:
            return
        now = time.time() if now is None else now
        try:
            self.client.register_script(_GIVE_BACK)(
                keys=self._keys(self._uploads, user_id, now), args=[count]
            )
        except redis.RedisError:
            log.exception("could not refund a photo upload")
