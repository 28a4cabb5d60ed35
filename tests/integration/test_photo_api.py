"""GET /api/photos/{id} against a migrated SQLite: the owner gets the photo (or with ?size=small
its small rendition), nobody else does."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from healthapp.api import api
from healthapp.api import photos as photo_api
from healthapp.db import utcnow
from healthapp.models import AuthSession
from healthapp.models.meals import MealPhoto
from healthapp.services.auth import sessions
from healthapp.services.meals.photos import PhotoLimits, intake_photo
from healthapp.services.meals.storage import (
    LocalPhotoStorage,
    PhotoReadTimeout,
    new_key,
    small_key,
)
from tests.conftest import MealPhotoFactory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "photos"


class World:
    def __init__(self, engine: Engine, storage: LocalPhotoStorage) -> None:
        self.engine = engine
        self.storage = storage
        self.tokens: dict[str, str] = {}
        self.photos: dict[str, int] = {}
        self.data: dict[str, bytes] = {}
        self.small: dict[str, bytes] = {}


@pytest.fixture
def world(
    engine: Engine, api_secret: str, tmp_path: Path, add_meal_photo: MealPhotoFactory
) -> World:
    storage = LocalPhotoStorage(tmp_path / "photos")
    world = World(engine, storage)
    photo = intake_photo((FIXTURES / "apple.jpg").read_bytes(), limits=PhotoLimits())
    with Session(engine) as db:
        for login in ("alice", "bob"):
            key = new_key(photo.extension)
            storage.put(key, photo.data, photo.content_type)
            if login == "alice":  # bob's photo was stored before small renditions were made
                storage.put(small_key(key), photo.small, "image/jpeg")
                world.small[login] = photo.small
            row = add_meal_photo(
                db,
                login=login,
                storage_key=key,
                content_type=photo.content_type,
                width=photo.width,
                height=photo.height,
                size_bytes=photo.size,
            )
            assert row.id is not None
            world.tokens[login] = sessions.create_session(
                db, user_id=row.user_id, secret_key=api_secret, ttl=timedelta(hours=1)
            )
            world.photos[login] = row.id
            world.data[login] = photo.data
        db.commit()
    api.dependency_overrides[photo_api.get_photo_storage] = lambda: storage
    return world


def fetch(photo_id: object, token: str | None = None, query: str = "") -> object:
    headers = {"Cookie": f"healthapp_session={token}"} if token is not None else {}
    with TestClient(api) as client:
        return client.get(f"/api/photos/{photo_id}{query}", headers=headers)


def test_owner_gets_the_photo_with_private_headers(world: World) -> None:
    response = fetch(world.photos["alice"], world.tokens["alice"])
    assert response.status_code == 200
    assert response.content == world.data["alice"]
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]


def test_the_small_rendition_is_served_and_a_photo_without_one_answers_for_it(
    world: World,
) -> None:
    small = fetch(world.photos["alice"], world.tokens["alice"], "?size=small")
    assert small.status_code == 200
    assert small.content == world.small["alice"] != world.data["alice"]
    assert small.headers["cache-control"] == "no-store"
    full = fetch(world.photos["alice"], world.tokens["alice"], "?size=full")
    assert full.content == world.data["alice"]
    older = fetch(world.photos["bob"], world.tokens["bob"], "?size=small")
    assert older.status_code == 200
    assert older.content == world.data["bob"]
    assert fetch(world.photos["bob"], world.tokens["alice"], "?size=small").status_code == 404
    assert fetch(world.photos["alice"], world.tokens["alice"], "?size=huge").status_code == 422


def test_another_users_photo_is_the_same_404_as_a_missing_one(world: World) -> None:
    not_yours = fetch(world.photos["alice"], world.tokens["bob"])
    missing = fetch(999_999, world.tokens["bob"])
    for response in (not_yours, missing):
        assert response.status_code == 404
        assert response.content == b""
        assert response.headers["cache-control"] == "no-store"
    assert dict(not_yours.headers) == dict(missing.headers)
    assert fetch(world.photos["bob"], world.tokens["bob"]).status_code == 200


def test_no_forged_or_expired_cookie_is_401_whatever_the_id(world: World) -> None:
    assert fetch(world.photos["alice"]).status_code == 401
    assert fetch(world.photos["alice"], "").status_code == 401
    assert fetch(world.photos["alice"], "forged-" + "a" * 40).status_code == 401
    assert fetch(world.photos["alice"], world.tokens["alice"] + "x").status_code == 401
    assert fetch("not-an-id", "forged-" + "a" * 40).status_code == 401
    with Session(world.engine) as db:
        for row in db.exec(select(AuthSession)).all():
            row.expires_at = utcnow() - timedelta(seconds=1)
            db.add(row)
        db.commit()
    assert fetch(world.photos["alice"], world.tokens["alice"]).status_code == 401


@pytest.mark.parametrize(
    "photo_id", ["0", "-1", "1.0", "01", "abc", "1%20or%201=1", "..%2F..%2Fetc%2Fpasswd", "9" * 30]
)
def test_anything_but_a_plain_id_is_404(world: World, photo_id: str) -> None:
    response = fetch(photo_id, world.tokens["alice"])
    assert response.status_code == 404


def test_no_listing_and_no_paths(world: World) -> None:
    token = world.tokens["alice"]
    for path in ("/api/photos", "/api/photos/", "/api/photos/1/x", "/docs", "/openapi.json"):
        with TestClient(api) as client:
            response = client.get(path, headers={"Cookie": f"healthapp_session={token}"})
        assert response.status_code in (404, 405), path


def test_row_without_a_stored_file_is_404(world: World) -> None:
    with Session(world.engine) as db:
        row = db.get(MealPhoto, world.photos["alice"])
        assert row is not None
        world.storage.delete(row.storage_key)
    assert fetch(world.photos["alice"], world.tokens["alice"]).status_code == 404


def test_unexpected_stored_type_is_served_as_octet_stream(world: World) -> None:
    with Session(world.engine) as db:
        row = db.get(MealPhoto, world.photos["alice"])
        assert row is not None
        row.content_type = "text/html"
        db.add(row)
        db.commit()
    response = fetch(world.photos["alice"], world.tokens["alice"])
    assert response.headers["content-type"] == "application/octet-stream"


def test_a_storage_read_that_times_out_is_503(world: World) -> None:
    class Hanging:
        def get(self, key: str) -> bytes:
            raise PhotoReadTimeout(key, 0.1)

    api.dependency_overrides[photo_api.get_photo_storage] = Hanging
    response = fetch(world.photos["alice"], world.tokens["alice"])
    assert response.status_code == 503
    assert response.content == b""
