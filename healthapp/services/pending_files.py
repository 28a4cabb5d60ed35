"""Uploaded files waiting for the person's next step (a CSV between its preview and its import).

The Reflex state of a tab keeps only the file's name here, never its bytes: state lives as
long as the tab (and in Redis with several web workers), so kept bytes would pile up per tab.
The files live in a private folder (0700, files 0600) under random names and are removed
when the person picks another file or leaves the page, or PENDING_TTL after they were kept,
whichever comes first; every `keep` sweeps the expired ones, whichever tab they were for.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from healthapp.domain.errors import ValidationError

PENDING_TTL_SECONDS = 30 * 60
ERROR_EXPIRED = "import.file_expired"
_NAME = re.compile(r"[0-9a-f]{32}")


class PendingFiles:
    def __init__(self, root: Path, *, ttl_seconds: float = PENDING_TTL_SECONDS) -> None:
        self.root = root
        self.ttl_seconds = ttl_seconds

    def keep(self, data: bytes) -> str:
        """Write `data` to a new private file; its name."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.root.chmod(0o700)
        self.sweep()
        name = secrets.token_hex(16)
        fd = os.open(self.root / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as target:
            target.write(data)
        return name

    def read(self, name: str) -> bytes:
        """The kept file's bytes; ValidationError(ERROR_EXPIRED) once it is gone or expired."""
        path = self._path(name)
        try:
            if time.time() - path.stat().st_mtime > self.ttl_seconds:
                path.unlink(missing_ok=True)
                raise ValidationError(ERROR_EXPIRED, field="file")
            return path.read_bytes()
        except FileNotFoundError:
            raise ValidationError(ERROR_EXPIRED, field="file") from None

    def remove(self, name: str) -> None:
        if name:
            self._path(name).unlink(missing_ok=True)

    def sweep(self) -> int:
        """Remove every file older than the TTL; how many were removed."""
        removed = 0
        cutoff = time.time() - self.ttl_seconds
        for path in self.root.glob("*"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # another worker swept it first
        return removed

    def _path(self, name: str) -> Path:
        # The name comes from state only, but a path is built from it: nothing but our names.
        if not _NAME.fullmatch(name):
            raise ValidationError(ERROR_EXPIRED, field="file")
        return self.root / name


def default_pending_files() -> PendingFiles:
    from healthapp.config import get_settings

    return PendingFiles(get_settings().var_dir.resolve() / "pending-uploads")
