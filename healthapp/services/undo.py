"""Undo of a delete for a few seconds: the deleted rows wait in Redis, under a key that names
their owner, and a restore puts them back for that owner only.

A delete commits at once (every report, rank and export stops counting the row); what it
removed is kept as JSON under `{prefix}undo:{user_id}:{token}`. The token never leaves the
server (the page's state holds it), and a restore reads only the key built from the caller's
own user id, so another user's token, or an id, finds nothing. A meal's photo files stay in
storage until the undo window has passed: a sorted set holds each kept delete by its deadline,
and `purge_due` (the worker, every few seconds, and every delete in the web process) removes
the files of those nobody restored. GETDEL decides between a restore and a purge that race.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import redis
from sqlmodel import Session, SQLModel, col, select

from healthapp.models import BloodPressure, Exercise, Glucose, HbA1c
from healthapp.models.meals import AnalysisJob, JobStatus, Meal, MealItem, MealPhoto
from healthapp.services import ranking, records
from healthapp.services.meals.storage import PhotoStorage, remove_photos
from healthapp.services.ownership import owned

UNDO_SECONDS = 10
# The payload outlives its deadline by this much, so a purge that runs late still finds the
# files it has to remove.
PURGE_GRACE_SECONDS = 24 * 3600

# Tables a kept delete may hold, parents first (restore inserts in this order).
TABLES: dict[str, type[SQLModel]] = {
    str(model.__tablename__): model
    for model in (BloodPressure, Glucose, HbA1c, Exercise, Meal, MealPhoto, MealItem, AnalysisJob)
}
# Foreign-key columns that point at a restored row: their values follow the row's new id.
_PARENTS = {"meal_id": "meal", "photo_id": "meal_photo"}


@dataclass(frozen=True)
class Deleted:
    """What one delete removed: (table, column values as JSON) rows, parents first, and the
    photo files the rows named (left in storage until the undo window has passed)."""

    kind: str  # "bp", "glucose", "hba1c", "exercise" or "meal"
    rows: list[tuple[str, dict[str, Any]]]
    files: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, kind: str, rows: Iterable[SQLModel], files: Sequence[str] = ()) -> Deleted:
        return cls(kind, [(str(r.__tablename__), _dump(r)) for r in rows], list(files))


# Binary columns (a photo job's embedding) travel as base64 under this key: JSON has no bytes.
_BYTES = "__base64__"


def _dump(row: SQLModel) -> dict[str, Any]:
    binary = {name for name in type(row).model_fields if isinstance(getattr(row, name), bytes)}
    values = row.model_dump(mode="json", warnings=False, exclude=binary)
    for name in binary:
        values[name] = {_BYTES: base64.b64encode(getattr(row, name)).decode("ascii")}
    return values


def _load(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {_BYTES}:
        return base64.b64decode(value[_BYTES])
    return value


@dataclass(frozen=True)
class UndoStore:
    client: redis.Redis
    prefix: str
    seconds: int = UNDO_SECONDS

    def _key(self, user_id: int, token: str) -> str:
        return f"{self.prefix}undo:{user_id}:{token}"

    @property
    def _due(self) -> str:
        return f"{self.prefix}undo:due"

    def keep(self, *, user_id: int, deleted: Deleted, now: float | None = None) -> str:
        """Keep `deleted` for `seconds`; returns the token that restores it. Raises RedisError
        (the caller then removes the files at once and offers no undo)."""
        token = secrets.token_urlsafe(16)
        key = self._key(user_id, token)
        deadline = (time.time() if now is None else now) + self.seconds
        payload = {"kind": deleted.kind, "rows": deleted.rows, "files": deleted.files,
                   "deadline": deadline}  # fmt: skip
        pipe = self.client.pipeline()
        pipe.set(key, json.dumps(payload), ex=self.seconds + PURGE_GRACE_SECONDS)
        pipe.zadd(self._due, {key: deadline})
        pipe.execute()
        return token

    def take(self, *, user_id: int, token: str, now: float | None = None) -> Deleted | None:
        """The delete `token` names, if it is this user's and still within its window; taken
        out of Redis (a second undo, or the purge, finds nothing)."""
        if not token:
            return None
        key = self._key(user_id, token)
        raw: Any = self.client.get(key)
        if raw is None or json.loads(raw)["deadline"] < (time.time() if now is None else now):
            return None  # unknown, another user's, or too late: the purge finishes it
        raw = self.client.execute_command("GETDEL", key)
        if raw is None:  # the purge took it in between
            return None
        self.client.zrem(self._due, key)
        payload = json.loads(raw)
        return Deleted(payload["kind"], [(t, v) for t, v in payload["rows"]], payload["files"])

    def purge_due(self, storage: PhotoStorage, now: float | None = None) -> int:
        """Remove the photo files of kept deletes whose window has passed; returns how many
        deletes were finished."""
        limit = time.time() if now is None else now
        finished = 0
        due: Any = self.client.zrangebyscore(self._due, "-inf", limit)
        for key in due:
            raw: Any = self.client.execute_command("GETDEL", key)
            self.client.zrem(self._due, key)
            if raw is not None:
                remove_photos(storage, json.loads(raw)["files"])
                finished += 1
        return finished


def take_record(db: Session, *, user_id: int, kind: str, record_id: int) -> Deleted:
    """Delete one of the user's records (NotFound for another's), returning what it was."""
    row = owned(db, records.KINDS[kind].model, record_id, user_id=user_id)
    deleted = Deleted.of(kind, [row])
    records.delete_record(db, user_id=user_id, kind=kind, record_id=record_id)
    return deleted


def take_meal(db: Session, *, user_id: int, meal_id: int) -> Deleted:
    """Delete one of the user's meals with its photos, items and jobs (the rows cascade),
    returning what they were. The photo files stay: the caller keeps them for an undo or
    removes them."""
    meal = owned(db, Meal, meal_id, user_id=user_id)
    photos = db.exec(select(MealPhoto).where(MealPhoto.meal_id == meal_id)).all()
    photo_ids = [p.id for p in photos]
    items = db.exec(select(MealItem).where(MealItem.meal_id == meal_id)).all()
    jobs = db.exec(
        select(AnalysisJob).where(col(AnalysisJob.photo_id).in_(photo_ids))
    ).all() if photo_ids else []  # fmt: skip
    deleted = Deleted.of("meal", [meal, *photos, *items, *jobs], [p.storage_key for p in photos])
    db.delete(meal)
    db.flush()
    ranking.ranks_changed(db, user_id=user_id)
    return deleted


def undo_delete(
    db: Session, *, store: UndoStore, storage: PhotoStorage, user_id: int, token: str
) -> Deleted | None:
    """Put back the caller's delete that `token` names; None when there is none to put back
    (unknown, another user's, already undone, or past its window)."""
    kept = store.take(user_id=user_id, token=token)
    if kept is None:
        return None
    try:
        restore(db, user_id=user_id, deleted=kept)
    except BaseException:  # taken out of Redis: no purge would remove the files any more
        remove_photos(storage, kept.files)
        raise
    return kept


def restore(db: Session, *, user_id: int, deleted: Deleted) -> None:
    """Insert the rows of `deleted` again for `user_id` (new ids: an id may have been reused
    since), rows that name another owner left out. A photo job that was waiting is queued
    again for the worker's sweeper."""
    new_ids: dict[str, dict[int, int]] = {"meal": {}, "meal_photo": {}}
    for table, stored in deleted.rows:
        model = TABLES.get(table)
        if model is None or stored.get("user_id") != user_id:
            continue
        values = {k: _load(v) for k, v in stored.items() if k != "id"}
        for column, parent in _PARENTS.items():
            if values.get(column) is not None and column in model.model_fields:
                values[column] = new_ids[parent].get(values[column])
        if table == "analysis_job" and values.get("status") in {"queued", "analysing"}:
            values.update(status=JobStatus.QUEUED.value, enqueued_at=None, started_at=None)
        row: Any = model.model_validate(values)
        db.add(row)
        db.flush()
        if table in new_ids:
            new_ids[table][stored["id"]] = row.id
    ranking.ranks_changed(db, user_id=user_id)
