"""Throttles for password checks and sign-ups: sliding windows of attempts in Redis sorted sets.

A password check is admitted *before* the password is verified: one Lua script trims every
window, refuses when any is full, and otherwise counts the attempt in all of them, so parallel
requests cannot all pass a check that none of them has recorded yet. A check that turns out
right takes its attempt back.
"""

from __future__ import annotations

import hashlib
import inspect
import ipaddress
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis
from redis.typing import ResponseT

from healthapp.domain.errors import ThrottledError
from healthapp.observability.metrics import record_throttle_hit

log = logging.getLogger(__name__)

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# KEYS: the windows; ARGV: now, window seconds, the attempt's member, then one limit per key.
# Returns 0 when the attempt was counted, else the seconds until the fullest window reopens.
ADMIT_SCRIPT = """
local now, window, member = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
local wait = 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local limit = tonumber(ARGV[3 + i])
  if redis.call('ZCARD', key) >= limit then
    -- the window reopens when the oldest attempt that still counts ages out
    local oldest = redis.call('ZRANGE', key, -limit, -limit, 'WITHSCORES')
    local reopen = now
    if oldest[2] then reopen = tonumber(oldest[2]) + window end
    local seconds = math.floor(reopen - now) + 1
    if seconds > wait then wait = seconds end
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, member)
  redis.call('EXPIRE', key, window)
end
return 0
"""


def client_address(peer: str, forwarded_for: str, trusted: Sequence[IPNetwork]) -> str:
    """The address to count attempts against: the socket's peer, unless the peer is a trusted
    proxy; then the right-most X-Forwarded-For hop that is not itself trusted. Hops left of it
    were written by the client and prove nothing."""
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    address = peer
    for hop in [*reversed(hops), None]:
        if not is_trusted_proxy(address, trusted) or hop is None:
            return address
        address = hop
    return address


def is_trusted_proxy(address: str, trusted: Sequence[IPNetwork]) -> bool:
    """Whether `address` (a socket's peer) is one of the proxies in `trusted`."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False  # not an address (garbage in the header): never a proxy of ours
    return any(ip in network for network in trusted)


def _reply(value: ResponseT) -> Any:
    """A command's reply: redis-py types commands for its sync and asyncio clients at once;
    the throttle's client is the sync `redis.Redis`, whose replies are never awaitable."""
    assert not inspect.isawaitable(value)
    return value


def _digest(value: str) -> str:
    # Hashed so that Redis never holds logins or addresses in clear.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Admission:
    """One admitted attempt: where it was counted, so that a success can take it back."""

    member: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class LoginThrottle:
    client: redis.Redis
    prefix: str
    # Failures of one account from one client: the tight limit, which a stranger can only
    # use up for themselves.
    max_per_account: int
    # Failures from one client across accounts (spraying one password over many logins).
    max_per_client: int
    # Failures of one account from all clients together: high, so that one client cannot lock
    # the owner out, yet bounded against guessing from many addresses.
    max_per_account_total: int
    window_seconds: int
    signup_max_per_client: int
    signup_window_seconds: int

    def _key(self, kind: str, *parts: str) -> str:
        return f"{self.prefix}throttle:{kind}:" + ":".join(_digest(part) for part in parts)

    def _admit(
        self, windows: list[tuple[str, int]], window_seconds: int, now: float | None
    ) -> tuple[str, int] | None:
        """(member, 0) when counted, (member, seconds) when refused; None while Redis is down."""
        now = time.time() if now is None else now
        member = uuid.uuid4().hex
        keys = [key for key, _limit in windows]
        limits = [limit for _key, limit in windows]
        try:
            wait = _reply(
                self.client.eval(
                    ADMIT_SCRIPT, len(keys), *keys, repr(now), str(window_seconds), member, *limits
                )
            )
        except redis.RedisError:
            # Failing open keeps people able to log in while Redis is down; the hash cost
            # still bounds guessing speed. Logged so the operator sees it.
            log.exception("throttle unavailable; allowing the attempt")
            return None
        return member, int(wait)

    def admit_password_check(
        self, login: str, client_ip: str, now: float | None = None
    ) -> Admission | None:
        """Count one password check of `login` from `client_ip`, or raise ThrottledError when a
        window is full. Returns what `succeeded` needs (None when Redis is down)."""
        windows = [
            (self._key("account-client", login, client_ip), self.max_per_account),
            (self._key("client", client_ip), self.max_per_client),
            (self._key("account", login), self.max_per_account_total),
        ]
        admitted = self._admit(windows, self.window_seconds, now)
        if admitted is None:
            return None
        member, wait = admitted
        if wait:
            record_throttle_hit("login")
            raise ThrottledError(wait)
        return Admission(member, tuple(key for key, _limit in windows))

    def succeeded(self, admission: Admission | None) -> None:
        """The password was right: the attempt was no failure, and this client's failures
        against this account are forgiven (not other clients': they may be someone else)."""
        if admission is None:
            return
        pair, *shared = admission.keys
        try:
            pipe = self.client.pipeline()
            pipe.delete(pair)
            for key in shared:
                pipe.zrem(key, admission.member)
            pipe.execute()
        except redis.RedisError:
            log.exception("could not take back a successful password check")

    def admit_signup(self, client_ip: str, now: float | None = None) -> None:
        """Count one sign-up from `client_ip`, or raise ThrottledError when its window is full."""
        windows = [(self._key("signup", client_ip), self.signup_max_per_client)]
        admitted = self._admit(windows, self.signup_window_seconds, now)
        if admitted is not None and admitted[1]:
            record_throttle_hit("signup")
            raise ThrottledError(admitted[1], key="error.signup_throttled")


def default_login_throttle() -> LoginThrottle:
    from healthapp.config import get_settings
    from healthapp.redis_client import get_redis

    settings = get_settings()
    return LoginThrottle(
        client=get_redis(),
        prefix=settings.redis_prefix,
        max_per_account=settings.login_max_failures_account,
        max_per_client=settings.login_max_failures_client,
        max_per_account_total=settings.login_max_failures_account_total,
        window_seconds=settings.login_window_seconds,
        signup_max_per_client=settings.signup_max_per_client,
        signup_window_seconds=settings.signup_window_seconds,
    )
