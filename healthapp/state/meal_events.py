"""One meal page's subscription to its user's analysis announcements (Redis pub/sub).

Only a shortcut: MealsState.listen re-reads the database on its own schedule too, so a lost
announcement or a Redis restart delays the page by at most one poll, and a failure here only
marks the subscription broken (the listener then polls and subscribes again later)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

import redis.asyncio as aioredis

log = logging.getLogger(__name__)
# A Redis that does not answer must not hold the page's listener at connect.
CONNECT_TIMEOUT_SECONDS = 2.0


class MealEvents:
    def __init__(self, client: aioredis.Redis, pubsub: Any) -> None:
        self.client, self.pubsub = client, pubsub
        self.broken = False

    @classmethod
    async def subscribe(cls, url: str, channel: str) -> MealEvents | None:
        """Subscribed to `channel`, or None (logged) while Redis cannot be reached."""
        client = aioredis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS)
        events = cls(client, client.pubsub())
        try:
            await events.pubsub.subscribe(channel)
        except (aioredis.RedisError, OSError) as exc:
            log.warning("meal listener polls only, Redis unavailable: %s", exc)
            await events.close()
            return None
        return events

    async def next(self, *, timeout: float) -> bool:
        """True when an announcement came within `timeout` seconds; on a Redis failure False,
        after the same wait (so a broken connection never spins), and `broken` is set."""
        try:
            message = await self.pubsub.get_message(ignore_subscribe_messages=True,
                                                    timeout=timeout)  # fmt: skip
        except (aioredis.RedisError, OSError) as exc:
            log.warning("meal listener lost Redis, polling: %s", exc)
            self.broken = True
            await asyncio.sleep(timeout)
            return False
        if message is None:
            return False
        log.debug("meal event %s", json.loads(message["data"]))
        return True

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.pubsub.aclose()
            await self.client.aclose()
