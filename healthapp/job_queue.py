"""The analysis job queue: a Redis stream read by a consumer group, plus delayed retries.

Redis carries only job ids; the database row (AnalysisJob) is the source of truth, so anything
Redis loses is found again by the worker's sweeper (`services.analysis.open_jobs_to_sweep`).

Keys (all under the configured prefix, e.g. "healthapp:"):
  {prefix}analysis-jobs        stream; entries {"job_id": "<id>"}; consumer group "workers"
  {prefix}analysis-in-stream   hash: job id -> its stream entry id (a job is in the stream once)
  {prefix}analysis-retry       sorted set: job id -> due time (unix seconds) for delayed retries
  {prefix}analysis-lease:<id>  "<owner> <entry id>" of the worker running the job; a TTL it renews
  {prefix}lock:<name>          short leases (only one sweeper at a time across workers)
  {prefix}meal-events:<user>   pub/sub channel: JSON announcements the meal page listens to

Life of a message ("pessimistic execution", as arq and rq do it): `read` hands it to one
consumer and Redis keeps it pending; the worker `ack`s it only after the result is stored. A
worker that dies leaves it pending; another worker `reclaim`s it once it has been idle long
enough. A failed attempt is acked and put in the retry set with a due time; `promote_due` moves it
back into the stream when due.

A job id is never in the stream twice: `enqueue`, `promote_due` and the sweeper's
`enqueue_missing` add an entry only when the in-stream hash names no entry the stream still has,
so a sweeper round or a retry never doubles a waiting job. A copy that arrives anyway (an entry
reclaimed from a worker that is still alive, a stream from an older version) meets the lease: the
worker that runs a job holds `analysis-lease:<id>` and renews it, with the entry's idle time, while
it works, so no other worker starts the job or counts an attempt until the lease runs out (the
holder died). The lease scripts name keys built from job ids: this queue needs one Redis node, not
a cluster.
"""

from __future__ import annotations

import inspect
import json
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import redis
from redis.typing import ResponseT

STREAM = "analysis-jobs"
IN_STREAM = "analysis-in-stream"
GROUP = "workers"
RETRY_SET = "analysis-retry"
LEASE = "analysis-lease"
EVENTS_CHANNEL = "meal-events"
# A safety cap only: acked entries are deleted, so the stream holds just waiting/pending jobs.
STREAM_MAXLEN = 100_000

# Shared by the scripts below: add job `id` to the stream unless an entry for it is still
# there. The hash can outlive its entry (the stream alone was deleted or trimmed), and a new
# stream may reuse the entry id for another job, so the entry's job id is compared too.
_ADD_ONCE_LUA = """
local function in_stream(id)
  local entry = redis.call('HGET', KEYS[2], id)
  if not entry then return false end
  local found = redis.call('XRANGE', KEYS[1], entry, entry)
  return #found > 0 and found[1][2][2] == id
end
local function add_once(id, maxlen)
  if in_stream(id) then return false end
  local entry = redis.call('XADD', KEYS[1], 'MAXLEN', '~', maxlen, '*', 'job_id', id)
  redis.call('HSET', KEYS[2], id, entry)
  return entry
end
"""
# KEYS: stream, in-stream hash; ARGV: job id, maxlen. The new entry id, or false.
_ENQUEUE_LUA = _ADD_ONCE_LUA + "return add_once(ARGV[1], ARGV[2])"
# Move due retries into the stream atomically: no id is lost or doubled between ZREM and XADD,
# however many workers promote at the same time. KEYS: stream, hash, retry set.
_PROMOTE_LUA = (
    _ADD_ONCE_LUA
    + """
local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[3], id)
  add_once(id, ARGV[3])
end
return due
"""
)
# The sweeper: add each job Redis holds nowhere (not in the stream, not waiting in the retry set,
# not leased by a worker). KEYS: stream, hash, retry set; ARGV: lease key prefix, maxlen, ids...
_ADD_MISSING_LUA = (
    _ADD_ONCE_LUA
    + """
local added = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  if not in_stream(id) and not redis.call('ZSCORE', KEYS[3], id)
      and redis.call('EXISTS', ARGV[1] .. id) == 0 then
    add_once(id, ARGV[2])
    added[#added + 1] = id
  end
end
return added
"""
)
# KEYS: stream, hash; ARGV: entry id, job id. The hash entry goes only if it names this entry.
_ACK_LUA = """
redis.call('XACK', KEYS[1], ARGV[3], ARGV[1])
redis.call('XDEL', KEYS[1], ARGV[1])
if redis.call('HGET', KEYS[2], ARGV[2]) == ARGV[1] then redis.call('HDEL', KEYS[2], ARGV[2]) end
"""
# KEYS: lease; ARGV: value, ttl ms. Nil when taken, else the holder's value.
_TAKE_LEASE_LUA = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return nil end
return redis.call('GET', KEYS[1])
"""
# KEYS: lease, stream; ARGV: value, ttl ms, group, consumer, entry id. 1 while the lease is ours
# (set again when Redis lost it), 0 when another worker holds it. XCLAIM with min-idle 0 resets
# the entry's idle time, so XAUTOCLAIM never hands a live worker's entry to another.
_RENEW_LEASE_LUA = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
pcall(redis.call, 'XCLAIM', KEYS[2], ARGV[3], ARGV[4], 0, ARGV[5], 'JUSTID')
return 1
"""
_RELEASE_LEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
"""


def _reply(value: ResponseT) -> Any:
    """A command's reply. redis-py types each command for its sync and asyncio clients at once
    (`Awaitable[Any] | Any`); this queue's client is the sync `redis.Redis`, whose replies are
    never awaitable."""
    assert not inspect.isawaitable(value)
    return value


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


@dataclass(frozen=True)
class JobMessage:
    """One stream entry handed to a consumer; `deliveries` counts how often Redis handed it out."""

    message_id: str
    job_id: int
    deliveries: int = 1


class JobQueue:
    """Job ids in a Redis stream with a consumer group; works with bytes or str Redis clients."""

    def __init__(self, client: redis.Redis, prefix: str = "healthapp:") -> None:
        self.client = client
        self.prefix = prefix
        self.stream_key = f"{prefix}{STREAM}"
        self.in_stream_key = f"{prefix}{IN_STREAM}"
        self.retry_key = f"{prefix}{RETRY_SET}"
        self._group_ready = False
        # Times this client found the group gone and made it again (Redis lost its data): the
        # worker's sweeper runs at once instead of at its next interval.
        self.groups_recreated = 0
        self._enqueue = client.register_script(_ENQUEUE_LUA)
        self._promote = client.register_script(_PROMOTE_LUA)
        self._add_missing = client.register_script(_ADD_MISSING_LUA)
        self._ack = client.register_script(_ACK_LUA)
        self._take_lease = client.register_script(_TAKE_LEASE_LUA)
        self._renew_lease = client.register_script(_RENEW_LEASE_LUA)
        self._release_lease = client.register_script(_RELEASE_LEASE_LUA)

    # --- stream ------------------------------------------------------------------------------

    def ensure_group(self) -> None:
        """Create the stream and its consumer group if missing (idempotent). From id 0, so
        entries added to a stream that lost its group (Redis flushed) are still read."""
        try:
            self.client.xgroup_create(self.stream_key, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        else:
            if self._group_ready:
                self.groups_recreated += 1
        self._group_ready = True

    def _lost_group(self, exc: redis.ResponseError) -> bool:
        """Make the group again when `exc` says it is gone; False for any other error."""
        if "NOGROUP" not in str(exc) and "UNBLOCKED" not in str(exc):
            return False
        self._group_ready = True  # counts the re-creation below as one
        self.ensure_group()
        return True

    def _with_group(self) -> None:
        if not self._group_ready:
            self.ensure_group()

    def _keys(self) -> list[str]:
        return [self.stream_key, self.in_stream_key, self.retry_key]

    def enqueue(self, job_id: int) -> str | None:
        """Add a job id to the stream (creating stream and group when missing); the entry id,
        or None when the stream already holds an entry for the job."""
        self._with_group()
        entry = _reply(self._enqueue(keys=self._keys()[:2], args=[int(job_id), STREAM_MAXLEN]))
        return _text(entry) if entry else None

    def enqueue_missing(self, job_ids: Sequence[int]) -> list[int]:
        """Add each job Redis holds nowhere (stream, retry set, lease), atomically; those added."""
        if not job_ids:
            return []
        self._with_group()
        added = _reply(
            self._add_missing(
                keys=self._keys(),
                args=[self.lease_key(""), STREAM_MAXLEN, *(int(job_id) for job_id in job_ids)],
            )
        )
        return [int(_text(job_id)) for job_id in added or []]

    def _messages(self, entries: Sequence[Any], deliveries: Mapping[str, int]) -> list[JobMessage]:
        messages = []
        for entry_id, fields in entries:
            message_id = _text(entry_id)
            if not fields:  # deleted entry still listed as pending (old Redis versions)
                continue
            decoded = {_text(key): _text(value) for key, value in fields.items()}
            try:
                job_id = int(decoded["job_id"])
            except (KeyError, ValueError):
                # Not ours to process; ack it so it never comes back.
                self.ack(JobMessage(message_id, 0))
                continue
            messages.append(JobMessage(message_id, job_id, deliveries.get(message_id, 1)))
        return messages

    def read(self, consumer: str, count: int = 1, block_ms: int | None = 1000) -> list[JobMessage]:
        """New entries for `consumer` (XREADGROUP >); waits up to `block_ms` (None: no wait)."""
        self._with_group()
        try:
            reply = _reply(
                self.client.xreadgroup(
                    GROUP, consumer, {self.stream_key: ">"}, count=count, block=block_ms
                )
            )
        except redis.ResponseError as exc:
            if not self._lost_group(exc):  # the stream was deleted (Redis flushed): start again
                raise
            return []
        entries: list[Any] = []
        if isinstance(reply, dict):  # RESP3
            for value in reply.values():
                entries.extend(value[0] if value and isinstance(value[0], list) else value)
        else:
            for _stream, stream_entries in reply or []:
                entries.extend(stream_entries)
        return self._messages(entries, {})

    def reclaim(self, consumer: str, min_idle_ms: int, count: int = 10) -> list[JobMessage]:
        """Take over entries pending longer than `min_idle_ms` (a dead or stuck worker's jobs)."""
        self._with_group()
        try:
            reply = _reply(
                self.client.xautoclaim(
                    self.stream_key, GROUP, consumer, min_idle_ms, start_id="0-0", count=count
                )
            )
        except redis.ResponseError as exc:
            if not self._lost_group(exc):
                raise
            return []
        entries = list(reply[1]) if len(reply) > 1 else []
        ids = [_text(entry_id) for entry_id, fields in entries if fields]
        return self._messages(entries, self.delivery_counts(ids))

    def delivery_counts(self, message_ids: Sequence[str]) -> dict[str, int]:
        """How often each pending entry has been delivered (XPENDING)."""
        if not message_ids:
            return {}
        pipe = self.client.pipeline(transaction=False)
        for message_id in message_ids:
            pipe.xpending_range(self.stream_key, GROUP, min=message_id, max=message_id, count=1)
        counts = {}
        for message_id, rows in zip(message_ids, pipe.execute(), strict=True):
            if rows:
                counts[message_id] = int(rows[0]["times_delivered"])
        return counts

    def ack(self, message: JobMessage) -> None:
        """Acknowledge and delete an entry: call only after the job's result is stored."""
        try:
            self._ack(keys=self._keys()[:2], args=[message.message_id, int(message.job_id), GROUP])
        except redis.ResponseError as exc:
            if "NOGROUP" not in str(exc):  # Redis lost the group: nothing is left to ack
                raise

    def pending(self) -> list[dict[str, Any]]:
        """Entries handed out and not yet acked: message_id, consumer, idle ms, deliveries."""
        self._with_group()
        rows = _reply(
            self.client.xpending_range(self.stream_key, GROUP, min="-", max="+", count=1000)
        )
        return [
            {
                "message_id": _text(row["message_id"]),
                "consumer": _text(row["consumer"]),
                "idle_ms": int(row["time_since_delivered"]),
                "deliveries": int(row["times_delivered"]),
            }
            for row in rows
        ]

    def length(self) -> int:
        """Entries in the stream (waiting or pending)."""
        return int(_reply(self.client.xlen(self.stream_key)))

    # --- delayed retries ---------------------------------------------------------------------

    def schedule_retry(self, job_id: int, delay_s: float, *, now: float | None = None) -> float:
        """Put a job in the retry set, due `delay_s` seconds from now; returns the due time."""
        due = (time.time() if now is None else now) + max(0.0, delay_s)
        self.client.zadd(self.retry_key, {str(int(job_id)): due})
        return due

    def promote_due(self, *, now: float | None = None, limit: int = 100) -> list[int]:
        """Move retries that are due into the stream (atomic); the job ids moved."""
        self._with_group()
        moment = time.time() if now is None else now
        moved = _reply(self._promote(keys=self._keys(), args=[repr(moment), limit, STREAM_MAXLEN]))
        return [int(_text(job_id)) for job_id in moved or []]

    def retry_due_times(self) -> dict[int, float]:
        """Every job waiting in the retry set and when it is due (for tests and health)."""
        rows = _reply(self.client.zrange(self.retry_key, 0, -1, withscores=True))
        return {int(_text(job_id)): float(score) for job_id, score in rows}

    # --- leases: which worker runs a job ------------------------------------------------------

    def lease_key(self, job_id: int | str) -> str:
        return f"{self.prefix}{LEASE}:{job_id}"

    @staticmethod
    def lease_value(owner: str, message: JobMessage) -> str:
        return f"{owner} {message.message_id}"

    def take_lease(self, message: JobMessage, owner: str, ttl_ms: int) -> str | None:
        """Lease the message's job for `owner`: None when taken, else the holder's value
        ("<owner> <entry id>")."""
        holder = _reply(
            self._take_lease(
                keys=[self.lease_key(message.job_id)],
                args=[self.lease_value(owner, message), int(ttl_ms)],
            )
        )
        return None if holder is None else _text(holder)

    def renew_lease(self, message: JobMessage, owner: str, consumer: str, ttl_ms: int) -> bool:
        """Extend `owner`'s lease and reset its entry's idle time; False when another holds it."""
        return bool(
            _reply(
                self._renew_lease(
                    keys=[self.lease_key(message.job_id), self.stream_key],
                    args=[
                        self.lease_value(owner, message),
                        int(ttl_ms),
                        GROUP,
                        consumer,
                        message.message_id,
                    ],
                )
            )
        )

    def release_lease(self, message: JobMessage, owner: str) -> None:
        self._release_lease(
            keys=[self.lease_key(message.job_id)], args=[self.lease_value(owner, message)]
        )

    # --- coordination and announcements ------------------------------------------------------

    def try_lock(self, name: str, ttl_ms: int) -> bool:
        """A lease that expires by itself: True for the one caller that got it."""
        token = secrets.token_hex(8)
        return bool(self.client.set(f"{self.prefix}lock:{name}", token, nx=True, px=ttl_ms))

    def events_channel(self, user_id: int) -> str:
        return f"{self.prefix}{EVENTS_CHANNEL}:{int(user_id)}"

    def announce(self, user_id: int, payload: Mapping[str, Any]) -> int:
        """PUBLISH a JSON event on the user's meal channel; the number of listeners reached.

        Payload: at least {"job_id", "meal_id", "status"}; the page reloads that meal from the DB.
        """
        return int(
            _reply(self.client.publish(self.events_channel(user_id), json.dumps(dict(payload))))
        )
