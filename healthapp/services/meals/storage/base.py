"""What every photo store does, and the random keys it is addressed by. Nothing here is served
publicly: photos reach their owner only through the authenticated photo route."""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable
from typing import Protocol

from healthapp.domain.errors import NotFound

KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}\.(jpg|png|webp)$")


class PhotoNotFound(NotFound):
    """No stored file under `storage_key` (its row may still exist): a route answers 404 like
    for any other missing row, and the worker fails the job for good instead of retrying."""

    def __init__(self, storage_key: str) -> None:
        super().__init__()
        self.storage_key = storage_key


class PhotoReadTimeout(TimeoutError):
    """A photo read that did not finish within PHOTO_READ_TIMEOUT_SECONDS (a stuck disk,
    network mount or object store): the worker counts an attempt and tries again later."""

    def __init__(self, storage_key: str, timeout_s: float) -> None:
        super().__init__(f"reading a photo took over {timeout_s:g} s")
        self.storage_key = storage_key


class PhotoStorage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


def new_key(extension: str) -> str:
    """A random, unguessable key; the first byte spreads files over 256 folders."""
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}.{extension}"


def checked_key(key: str) -> str:
    if not KEY_RE.match(key):  # never a path from outside: no "..", no absolute paths
        raise PhotoNotFound(key)
    return key


def read_within(read: Callable[[], bytes], key: str, timeout_s: float) -> bytes:
    """`read()` in a daemon thread, waited for `timeout_s`: PhotoReadTimeout when it is still
    running then. A hung read (a stuck disk or network mount) is left behind instead of holding
    the caller's thread, and a daemon thread never holds up the process's exit."""
    outcome: list[bytes | BaseException] = []

    def target() -> None:
        try:
            outcome.append(read())
        except BaseException as exc:  # re-raised in the caller's thread below
            outcome.append(exc)

    thread = threading.Thread(target=target, name="photo-read", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if not outcome:
        raise PhotoReadTimeout(key, timeout_s)
    [result] = outcome
    if isinstance(result, BaseException):
        raise result
    return result
