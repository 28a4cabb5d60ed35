"""Undo of a delete: kept in Redis under the owner's id, restored for that owner only, once,
within its window; the photo files of a delete nobody undid go once the window has passed."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import redis
from sqlmodel import Session, select

from healthapp.db import utcnow
from healthapp.domain.errors import NotFound
from healthapp.models import BloodPressure, Glucose, Meal
from healthapp.services import preferences, records, undo
from healthapp.services.meals.storage import LocalPhotoStorage
from tests.unit.services.conftest import MakeUser

BP = {"measured_at": "2026-11-28T08:00", "systolic": "128", "diastolic": "84", "note": "am"}


@pytest.fixture
def store(redis_client: tuple[redis.Redis, str]) -> undo.UndoStore:
    return undo.UndoStore(redis_client[0], redis_client[1])


def _bp(db: Session, user_id: int) -> int:
    prefs = preferences.get_preferences(db, user_id=user_id)
    row = records.create_record(db, user_id=user_id, kind="bp", form=BP, prefs=prefs)
    assert row.id is not None
    return row.id


def _kept_bp(db: Session, store: undo.UndoStore, user_id: int) -> str:
    deleted = undo.take_record(db, user_id=user_id, kind="bp", record_id=_bp(db, user_id))
    return store.keep(user_id=user_id, deleted=deleted)


def test_the_owner_restores_a_deleted_record_once(
    db: Session, make_user: MakeUser, store: undo.UndoStore, tmp_path: Path
) -> None:
    alice = make_user("alice")
    token = _kept_bp(db, store, alice)
    assert db.exec(select(BloodPressure)).all() == []
    storage = LocalPhotoStorage(tmp_path)
    kept = undo.undo_delete(db, store=store, storage=storage, user_id=alice, token=token)
    assert kept is not None
    assert kept.kind == "bp"
    row = db.exec(select(BloodPressure)).one()
    assert (row.user_id, row.systolic, row.diastolic, row.note) == (alice, 128, 84, "am")
    assert undo.undo_delete(db, store=store, storage=storage, user_id=alice, token=token) is None


def test_another_users_id_or_a_made_up_token_restores_nothing(
    db: Session, make_user: MakeUser, store: undo.UndoStore
) -> None:
    alice, mallory = make_user("alice"), make_user("mallory")
    token = _kept_bp(db, store, alice)
    assert store.take(user_id=mallory, token=token) is None
    assert store.take(user_id=alice, token="") is None
    assert store.take(user_id=alice, token=token + "x") is None
    assert store.take(user_id=alice, token=token) is not None  # still there for alice


def test_a_forged_copy_naming_another_owner_inserts_nothing(
    db: Session, make_user: MakeUser
) -> None:
    alice, mallory = make_user("alice"), make_user("mallory")
    glucose = Glucose(id=99, user_id=alice, measured_at=utcnow(), mg_dl=100,
                      timing="fasting")  # fmt: skip
    undo.restore(db, user_id=mallory, deleted=undo.Deleted.of("glucose", [glucose]))
    assert db.exec(select(Glucose)).all() == []


def test_a_delete_past_its_window_is_not_restored(
    db: Session, make_user: MakeUser, store: undo.UndoStore
) -> None:
    alice = make_user("alice")
    deleted = undo.take_record(db, user_id=alice, kind="bp", record_id=_bp(db, alice))
    token = store.keep(user_id=alice, deleted=deleted, now=time.time() - store.seconds - 1)
    assert store.take(user_id=alice, token=token) is None


def test_anothers_record_cannot_be_taken(db: Session, make_user: MakeUser) -> None:
    alice, mallory = make_user("alice"), make_user("mallory")
    record_id = _bp(db, alice)
    with pytest.raises(NotFound):
        undo.take_record(db, user_id=mallory, kind="bp", record_id=record_id)
    assert db.get(BloodPressure, record_id) is not None


def test_photo_files_go_only_once_the_window_has_passed_and_only_if_not_undone(
    db: Session, make_user: MakeUser, store: undo.UndoStore, tmp_path: Path
) -> None:
    alice = make_user("alice")
    storage = LocalPhotoStorage(tmp_path)
    keys = ["ab/" + "a" * 32 + ".jpg", "cd/" + "c" * 32 + ".jpg"]
    for key in keys:
        storage.put(key, b"jpg", "image/jpeg")
    meal = Meal(id=7, user_id=alice, eaten_at=utcnow(), meal_type="lunch")
    later = store.keep(user_id=alice, deleted=undo.Deleted.of("meal", [meal], keys[:1]))
    undone = store.keep(user_id=alice, deleted=undo.Deleted.of("meal", [meal], keys[1:]))
    assert store.purge_due(storage) == 0  # within the window: both files stay
    assert store.take(user_id=alice, token=undone) is not None
    assert store.purge_due(storage, now=time.time() + store.seconds + 1) == 1
    assert not (tmp_path / keys[0]).exists()
    assert (tmp_path / keys[1]).exists()  # restored: its file is the meal's again
    assert store.take(user_id=alice, token=later) is None
