"""Local photo storage reads: a hung read gives up after its deadline instead of holding the
caller's thread (a FIFO nobody writes to hangs like a stuck disk or mount); a photo's small
rendition lives beside it, and a photo without one answers for it."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from healthapp.services.meals.storage import (
    KEY_RE,
    LocalPhotoStorage,
    PhotoNotFound,
    PhotoReadTimeout,
    get_rendition,
    new_key,
    small_key,
)
from healthapp.services.meals.storage.base import read_within

KEY = "ab/" + "ab" * 16 + ".png"


def test_a_stored_photo_is_read_back(tmp_path: Path) -> None:
    storage = LocalPhotoStorage(tmp_path, read_timeout_s=5)
    storage.put(KEY, b"png bytes", "image/png")
    assert storage.get(KEY) == b"png bytes"


def test_a_missing_photo_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(PhotoNotFound):
        LocalPhotoStorage(tmp_path, read_timeout_s=5).get(KEY)


def test_a_hung_read_times_out_and_leaves_no_thread_waiting(tmp_path: Path) -> None:
    storage = LocalPhotoStorage(tmp_path, read_timeout_s=0.2)
    path = tmp_path / KEY
    path.parent.mkdir(parents=True)
    os.mkfifo(path)
    with pytest.raises(PhotoReadTimeout) as caught:
        storage.get(KEY)
    assert caught.value.storage_key == KEY
    assert isinstance(caught.value, TimeoutError)
    hung = [t for t in threading.enumerate() if t.name == "photo-read"]
    assert hung
    assert all(t.daemon for t in hung)  # never joined at exit
    with open(path, "wb"):  # a writer appears: the hung read ends
        pass


def test_errors_of_the_read_reach_the_caller() -> None:
    def broken() -> bytes:
        raise PermissionError("denied")

    with pytest.raises(PermissionError):
        read_within(broken, KEY, 5)


def test_a_small_rendition_is_stored_beside_its_photo_and_read_in_its_place(
    tmp_path: Path,
) -> None:
    storage = LocalPhotoStorage(tmp_path, read_timeout_s=5)
    key = new_key("jpg")
    assert small_key(key) == key.removesuffix(".jpg") + ".small.jpg"
    assert KEY_RE.match(small_key(key))
    assert not KEY_RE.match(key + ".small.jpg")
    assert not KEY_RE.match(small_key(key).replace(".jpg", ".png"))  # renditions are JPEGs
    storage.put(key, b"full", "image/jpeg")
    assert get_rendition(storage, key, small=True) == b"full"  # stored before renditions
    storage.put(small_key(key), b"small", "image/jpeg")
    assert get_rendition(storage, key, small=True) == b"small"
    assert get_rendition(storage, key, small=False) == b"full"
