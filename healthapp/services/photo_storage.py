"""Private storage for meal photos, addressed by random keys. Nothing here is served publicly:
photos reach their owner only through the authenticated photo route."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import Protocol

KEY_RE = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{32}\.(jpg|png|webp)$")


class PhotoNotFound(LookupError):
    pass


class PhotoStorage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


def new_key(extension: str) -> str:
    """A random, unguessable key; the first byte spreads files over 256 folders."""
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}.{extension}"


def _checked(key: str) -> str:
    if not KEY_RE.match(key):  # never a path from outside: no "..", no absolute paths
        raise PhotoNotFound(key)
    return key


class LocalPhotoStorage:
    """Files under a private folder (default var/photos, mode 700)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.root.chmod(0o700)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # readers never see half a file

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise PhotoNotFound(key) from exc

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def default_photo_storage() -> PhotoStorage:
    """The storage the settings name: an S3 bucket for an s3:// PHOTO_STORAGE_URL, else the
    private photo_dir (boto3 is imported only in the first case)."""
    from healthapp.config import get_settings
    from healthapp.services.photo_storage_s3 import photo_storage_for

    return photo_storage_for(get_settings())
