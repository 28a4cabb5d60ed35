"""What every photo store does, and the random keys it is addressed by. Nothing here is served
publicly: photos reach their owner only through the authenticated photo route."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Protocol

from healthapp.daemon_pool import DaemonPool
from healthapp.domain.errors import NotFound

KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}(\.small\.jpg|\.jpg|\.png|\.webp)$")
SMALL_SUFFIX = ".small.jpg"
# Reads of local photos, for the web's photo routes and the worker: a few threads serve them all.
_READS = DaemonPool(16, "photo-read")


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


def small_key(key: str) -> str:
    """Where a photo's small rendition is stored: beside the photo, "<key stem>.small.jpg"."""
    return key.rsplit(".", 1)[0] + SMALL_SUFFIX


def rendition_keys(key: str) -> tuple[str, str]:
    """Every file stored for one photo: the photo and its small rendition."""
    return key, small_key(key)


def get_rendition(storage: PhotoStorage, key: str, *, small: bool) -> bytes:
    """The photo, or with `small` its small rendition; a photo stored before renditions were
    made has none, and then the photo itself is the answer."""
    if small:
        try:
            return storage.get(small_key(key))
        except PhotoNotFound:
            pass
    return storage.get(key)


def checked_key(key: str) -> str:
    if not KEY_RE.match(key):  # never a path from outside: no "..", no absolute paths
        raise PhotoNotFound(key)
    return key


def read_within(read: Callable[[], bytes], key: str, timeout_s: float) -> bytes:
    """`read()` on one of the photo-read daemon threads, waited for `timeout_s`:
    PhotoReadTimeout when it is still running (or still waiting for a thread) then. A hung read
    (a stuck disk or network mount) is left behind instead of holding the caller's thread."""
    future = _READS.submit(read)
    try:
        return future.result(timeout_s)
    except FutureTimeout:
        future.cancel()
        raise PhotoReadTimeout(key, timeout_s) from None
