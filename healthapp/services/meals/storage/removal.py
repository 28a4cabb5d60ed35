"""Removing stored photos whose rows a transaction deletes: only once that transaction has
committed, never when it rolls back.

Removing first would leave a meal (or an account) whose photos are gone if the commit then
failed; removing afterwards can at worst leave an orphan file, which is logged with its key so an
operator can remove it. A failed removal never undoes the deletion the person asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import event
from sqlmodel import Session

from healthapp.services.meals.storage.base import PhotoStorage, rendition_keys

log = logging.getLogger(__name__)

_PENDING = "healthapp.photo_keys_after_commit"
_LISTENING = "healthapp.photo_removal_listening"


def remove_photos(storage: PhotoStorage, keys: Iterable[str]) -> list[str]:
    """Delete each photo's files (the photo and its small rendition); returns the keys that
    could not be removed (logged). Never raises: the rows are gone already, so the only cost of
    a failure is an orphan file."""
    failed = []
    for key in (file for photo_key in keys for file in rendition_keys(photo_key)):
        try:
            storage.delete(key)
        except Exception:  # any backend error (OSError, botocore, ...) is the same orphan
            log.exception("could not remove the stored photo %s; remove it by hand", key)
            failed.append(key)
    return failed


def remove_photos_after_commit(db: Session, storage: PhotoStorage, keys: Iterable[str]) -> None:
    """Remove `keys` from `storage` right after `db`'s transaction commits; forget them if it
    rolls back (a later commit of the same session must not remove them)."""
    if not db.info.get(_LISTENING):
        # Once per session and left in place: with nothing pending the handlers do nothing.
        event.listen(db, "after_commit", _on_commit)
        event.listen(db, "after_rollback", _on_rollback)
        db.info[_LISTENING] = True
    db.info.setdefault(_PENDING, []).append((storage, list(keys)))


def _on_commit(db: Session) -> None:
    for storage, keys in db.info.pop(_PENDING, []):
        remove_photos(storage, keys)


def _on_rollback(db: Session) -> None:
    db.info.pop(_PENDING, None)
