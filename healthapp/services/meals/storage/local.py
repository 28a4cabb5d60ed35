"""Meal photos in a private folder on this machine."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

from healthapp.services.meals.storage.base import PhotoNotFound, checked_key, read_within


class LocalPhotoStorage:
    """Files under a private folder (default var/photos, mode 700); a read gives up after
    `read_timeout_s` (PHOTO_READ_TIMEOUT_SECONDS)."""

    def __init__(self, root: Path, *, read_timeout_s: float = 30.0) -> None:
        self.root = root
        self.read_timeout_s = read_timeout_s

    def _path(self, key: str) -> Path:
        return self.root / checked_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.root.chmod(0o700)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # readers never see half a file

    def get(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return read_within(partial(path.read_bytes), key, self.read_timeout_s)
        except FileNotFoundError as exc:
            raise PhotoNotFound(key) from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)
