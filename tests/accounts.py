"""Account steps shared by the unit and the integration tests of healthapp.services.auth."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from healthapp.domain.errors import AuthenticationError
from healthapp.models import MealPhoto, User
from healthapp.services.auth import accounts, sessions
from healthapp.services.auth.throttle import LoginThrottle
from healthapp.services.meals.storage import PhotoNotFound, PhotoStorage, new_key

PASSWORD = "tangerine violin 42"


def sign_up(
    db: Session, login: str = "Alice", password: str = PASSWORD, *, language: str = "ko"
) -> User:
    """Sign up as the sign-up form does (the password typed twice), with a minimum of 10."""
    return accounts.sign_up(
        db,
        login=login,
        password=password,
        password_confirm=password,
        language=language,
        min_length=10,
        throttle=None,
        client_ip="",
    )


def fail_to_log_in(
    db: Session, login: str, password: str, *, throttle: LoginThrottle, client_ip: str
) -> None:
    """Five log-ins with the wrong `password`, each refused as a failed log-in."""
    for _ in range(5):
        with pytest.raises(AuthenticationError):
            accounts.authenticate(
                db, login=login, password=password, throttle=throttle, client_ip=client_ip
            )


def delete_account_with_photos(
    engine: Engine,
    storage: PhotoStorage,
    add_meal_photo: Callable[..., MealPhoto],
    throttle: LoginThrottle,
) -> None:
    """alice and bob each store two photos; alice deletes her account through her session, as
    the account page does. Her files are gone from `storage` afterwards, bob's are not."""
    secret = "account-photos-key-0123456789abcdefghij"
    stored: dict[str, list[str]] = {"alice": [], "bob": []}
    with Session(engine, expire_on_commit=False) as db:
        for login, keys in stored.items():
            sign_up(db, login=login)
            for _ in range(2):
                key = new_key("jpg")
                storage.put(key, b"\xff\xd8\xff" + key.encode(), "image/jpeg")
                keys.append(add_meal_photo(db, login=login, storage_key=key).storage_key)
        alice = db.exec(select(User).where(User.login == "alice")).one()
        assert alice.id is not None
        token = sessions.create_session(
            db, user_id=alice.id, secret_key=secret, ttl=timedelta(hours=1)
        )
        db.commit()

    def delete(db: Session, uid: int) -> list[str]:
        return accounts.delete_account(
            db, user_id=uid, password=PASSWORD, throttle=throttle, client_ip="ip", storage=storage
        )

    assert sorted(sessions.run_as_user(token, secret, delete, engine=engine)) == sorted(
        stored["alice"]
    )
    for key in stored["alice"]:
        with pytest.raises(PhotoNotFound):
            storage.get(key)
    for key in stored["bob"]:
        assert storage.get(key) == b"\xff\xd8\xff" + key.encode()
