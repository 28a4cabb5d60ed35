"""Uploaded files waiting for the next step: private, read back once, gone after their TTL."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from healthapp.domain.errors import ValidationError
from healthapp.services.pending_files import ERROR_EXPIRED, PendingFiles


def age(files: PendingFiles, name: str, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(files.root / name, (then, then))


def test_a_kept_file_is_private_and_reads_back(tmp_path: Path) -> None:
    files = PendingFiles(tmp_path / "pending", ttl_seconds=60)
    name = files.keep(b"a,b\n1,2\n")
    assert files.read(name) == b"a,b\n1,2\n"
    assert stat.S_IMODE(files.root.stat().st_mode) == 0o700
    assert stat.S_IMODE((files.root / name).stat().st_mode) == 0o600
    files.remove(name)
    with pytest.raises(ValidationError) as refused:
        files.read(name)
    assert refused.value.key == ERROR_EXPIRED


def test_an_expired_file_is_refused_and_removed(tmp_path: Path) -> None:
    files = PendingFiles(tmp_path, ttl_seconds=60)
    name = files.keep(b"x")
    age(files, name, 61)
    with pytest.raises(ValidationError):
        files.read(name)
    assert not (tmp_path / name).exists()


def test_keeping_a_file_sweeps_the_expired_ones(tmp_path: Path) -> None:
    files = PendingFiles(tmp_path, ttl_seconds=60)
    old, fresh = files.keep(b"old"), files.keep(b"fresh")
    age(files, old, 120)
    newest = files.keep(b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([fresh, newest])


@pytest.mark.parametrize("name", ["../secret_key", "", "a" * 32 + "/x", "A" * 32])
def test_only_names_it_made_are_opened(tmp_path: Path, name: str) -> None:
    (tmp_path / "secret_key").write_text("s")
    files = PendingFiles(tmp_path / "pending")
    with pytest.raises(ValidationError):
        files.read(name)
