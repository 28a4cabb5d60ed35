"""The account flow on both databases, with the real Redis throttle."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.db import make_engine, migrate
from healthapp.domain.errors import ThrottledError, ValidationError
from healthapp.services.auth import accounts, sessions
from healthapp.services.auth.throttle import LoginThrottle
from healthapp.services.meals.storage import LocalPhotoStorage
from tests.accounts import PASSWORD, delete_account_with_photos, fail_to_log_in, sign_up
from tests.conftest import MealPhotoFactory

KEY = "integration-key-0123456789abcdefghij"


def test_sign_up_log_in_sessions_delete(database_url: str, throttle: LoginThrottle) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    with Session(engine) as db:
        user = sign_up(db, login="Alice@Example.org", language="en")
        db.commit()
        user_id = user.id
        with pytest.raises(ValidationError):
            sign_up(db, login="alice@example.org", language="en")
        db.rollback()
        found = accounts.authenticate(
            db, login="alice@example.org", password=PASSWORD, throttle=throttle, client_ip="ip"
        )
        assert found.id == user_id
        assert found.id is not None
        token = sessions.create_session(
            db, user_id=found.id, secret_key=KEY, ttl=timedelta(hours=1)
        )
        db.commit()
    assert sessions.run_as_user(token, KEY, lambda _db, uid: uid, engine=engine) == user_id
    sessions.run_as_user(
        token,
        KEY,
        lambda db, uid: accounts.delete_account(
            db, user_id=uid, password=PASSWORD, throttle=throttle, client_ip="ip"
        ),
        engine=engine,
    )
    with pytest.raises(sessions.NotSignedIn):
        sessions.run_as_user(token, KEY, lambda _db, uid: uid, engine=engine)
    engine.dispose()


def test_real_redis_throttle_blocks_that_client_after_five_failures(
    engine: Engine, throttle: LoginThrottle
) -> None:
    with Session(engine) as db:
        sign_up(db, login="bob", language="en")
        db.commit()
        fail_to_log_in(db, "bob", "bad guess 1", throttle=throttle, client_ip="c")
        with pytest.raises(ThrottledError) as info:
            accounts.authenticate(
                db, login="bob", password=PASSWORD, throttle=throttle, client_ip="c"
            )
        # The failing client locked only itself out: the owner elsewhere gets in.
        accounts.authenticate(
            db, login="bob", password=PASSWORD, throttle=throttle, client_ip="other"
        )
    assert 0 < info.value.retry_after <= 900
    client = throttle.client
    keys = list(client.scan_iter(f"{throttle.prefix}*"))
    assert keys, "failures are kept in Redis under the configured prefix"
    assert all("bob" not in key for key in keys), "Redis keys hold hashes, not logins"
    assert all(0 < client.ttl(key) <= 900 for key in keys)


def test_deleting_the_account_removes_its_photos_from_local_storage(
    database_url: str, tmp_path: Path, add_meal_photo: MealPhotoFactory, throttle: LoginThrottle
) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    storage = LocalPhotoStorage(tmp_path / "photos")
    delete_account_with_photos(engine, storage, add_meal_photo, throttle)
    assert len(list((tmp_path / "photos").rglob("*.jpg"))) == 2  # bob's two
    engine.dispose()
