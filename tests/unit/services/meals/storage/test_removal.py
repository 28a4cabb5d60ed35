"""Photo files of deleted rows go only after the commit, never when it fails."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.models import Meal, MealPhoto
from healthapp.services import meals
from healthapp.services.meals.storage import remove_photos, small_key
from tests.conftest import MealPhotoFactory


class RecordingStorage:
    """Records each removal together with whether the meal row was still committed then."""

    def __init__(self, engine: Engine, meal_id: int, fail: bool = False) -> None:
        self.engine, self.meal_id, self.fail = engine, meal_id, fail
        self.removed: list[tuple[str, bool]] = []

    def put(self, key: str, data: bytes, content_type: str) -> None:
        raise AssertionError("not used")

    def get(self, key: str) -> bytes:
        raise AssertionError("not used")

    def delete(self, key: str) -> None:
        with Session(self.engine) as other:  # what any other connection sees right now
            self.removed.append((key, other.get(Meal, self.meal_id) is not None))
        if self.fail:
            raise OSError("storage unavailable")


def photo_row(engine: Engine, add_meal_photo: MealPhotoFactory) -> MealPhoto:
    with Session(engine, expire_on_commit=False) as db:
        photo = add_meal_photo(db)
        db.commit()
    return photo


def fail_commit(db: Session) -> None:
    def refuse(_session: Session) -> None:
        raise RuntimeError("commit refused")

    event.listen(db, "before_commit", refuse, once=True)


def test_files_go_only_after_the_commit(engine: Engine, add_meal_photo: MealPhotoFactory) -> None:
    photo = photo_row(engine, add_meal_photo)
    storage = RecordingStorage(engine, photo.meal_id)
    with Session(engine) as db:
        keys = meals.delete_meal(db, user_id=photo.user_id, meal_id=photo.meal_id, storage=storage)
        db.flush()
        assert storage.removed == []  # deleted in the transaction, not yet committed
        db.commit()
    assert keys == [photo.storage_key]
    # The photo and its small rendition, once the row was gone for everyone.
    assert storage.removed == [(photo.storage_key, False), (small_key(photo.storage_key), False)]


def test_nothing_goes_when_the_commit_fails(
    engine: Engine, add_meal_photo: MealPhotoFactory
) -> None:
    photo = photo_row(engine, add_meal_photo)
    storage = RecordingStorage(engine, photo.meal_id)
    with Session(engine) as db:
        meals.delete_meal(db, user_id=photo.user_id, meal_id=photo.meal_id, storage=storage)
        fail_commit(db)
        with pytest.raises(RuntimeError, match="commit refused"):
            db.commit()
        db.rollback()
        db.commit()  # a later commit of the same session does not remove them either
    assert storage.removed == []
    with Session(engine) as db:
        assert db.get(MealPhoto, photo.id) is not None


def test_a_failed_removal_is_logged_and_keeps_the_deletion(
    engine: Engine, add_meal_photo: MealPhotoFactory, caplog: pytest.LogCaptureFixture
) -> None:
    photo = photo_row(engine, add_meal_photo)
    storage = RecordingStorage(engine, photo.meal_id, fail=True)
    with caplog.at_level(logging.ERROR), Session(engine) as db:
        meals.delete_meal(db, user_id=photo.user_id, meal_id=photo.meal_id, storage=storage)
        db.commit()
    assert storage.removed == [(photo.storage_key, False), (small_key(photo.storage_key), False)]
    assert photo.storage_key in caplog.text
    with Session(engine) as db:
        assert db.get(Meal, photo.meal_id) is None


def test_remove_photos_tries_every_key_and_names_the_failures() -> None:
    class Flaky:
        def __init__(self) -> None:
            self.deleted: list[str] = []

        def put(self, key: str, data: bytes, content_type: str) -> None: ...
        def get(self, key: str) -> bytes:
            return b""

        def delete(self, key: str) -> None:
            if key.startswith("bad"):
                raise RuntimeError("backend error")
            self.deleted.append(key)

    storage = Flaky()
    failed = remove_photos(storage, ["a.jpg", "bad1.jpg", "b.jpg", "bad2.jpg"])
    assert failed == ["bad1.jpg", "bad1.small.jpg", "bad2.jpg", "bad2.small.jpg"]
    assert storage.deleted == ["a.jpg", "a.small.jpg", "b.jpg", "b.small.jpg"]
