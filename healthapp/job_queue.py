"""The analysis job queue: a Redis stream read by a consumer group, plus delayed retries.

Redis carries only job ids; the database row (AnalysisJob) is the source of truth, so anything
Redis loses is found again by the worker's sweeper (`services.analysis.stale_queued_jobs`).

Keys (all under the configured prefix, e.g. "healthapp:"):
  {prefix}analysis-jobs        stream; entries {"job_id": "<id>"}; consumer group "workers"
  {prefix}analysis-retry       sorted set: job id -> due time (unix seconds) for delayed retries
  {prefix}lock:<name>          short leases (only one sweeper at a time across workers)
  {prefix}meal-events:<user>   pub/sub channel: JSON announcements the meal page listens to

Life of a message ("pessimistic execution", as arq and rq do it): `read` hands it to one
consumer and Redis keeps it pending; the worker `ack`s it only after the result is stored. A
worker that dies leaves it pending; another worker `reclaim`s it once it has been idle long
enough. A failed attempt is acked and put in the retry set with a due time; `promote_due` moves it
back into the stream when due.
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
GROUP = "workers"
RETRY_SET = "analysis-retry"
EVENTS_CHANNEL = "meal-events"
# A safety cap only: acked entries are deleted, so the stream holds just waiting/pending jobs.
STREAM_MAXLEN = 100_000

# Move due retries into the stream atomically: no id is lost or doubled between ZREM and XADD,
# however many workers promote at the same time.
_PROMOTE_LUA = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', 'job_id', id)
end
return due
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
        self.retry_key = f"{prefix}{RETRY_SET}"
        self._group_ready = False
        self._promote = client.register_script(_PROMOTE_LUA)

    # --- stream ------------------------------------------------------------------------------

    def ensure_group(self) -> None:
        """Create the stream and its consumer group if missing (idempotent)."""
        try:
            self.client.xgroup_create(self.stream_key, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    def _with_group(self) -> None:
        if not self._group_ready:
            self.ensure_group()

    def enqueue(self, job_id: int) -> str:
        """Add a job id to the stream (creating stream and group when missing); the entry id."""
        self._with_group()
        entry = self.client.xadd(
            self.stream_key, {"job_id": str(int(job_id))}, maxlen=STREAM_MAXLEN, approximate=True
        )
        return _text(entry)

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
                self.ack(message_id)
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
            if "NOGROUP" not in str(exc):
                raise
            self.ensure_group()  # the stream was deleted (Redis flushed): start again
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
            if "NOGROUP" not in str(exc):
                raise
            self.ensure_group()
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

    def ack(self, message_id: str) -> None:
        """Acknowledge and delete an entry: call only after the job's result is stored."""
        pipe = self.client.pipeline(transaction=True)
        pipe.xack(self.stream_key, GROUP, message_id)
        pipe.xdel(self.stream_key, message_id)
        pipe.execute()

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
        moved = _reply(
            self._promote(
                keys=[self.retry_key, self.stream_key], args=[repr(moment), limit, STREAM_MAXLEN]
            )
        )
        return [int(_text(job_id)) for job_id in moved or []]

    def retry_due_times(self) -> dict[int, float]:
        """Every job waiting in the retry set and when it is due (for tests and health)."""
        rows = _reply(self.client.zrange(self.retry_key, 0, -1, withscores=True))
        return {int(_text(job_id)): float(score) for job_id, score in rows}

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
