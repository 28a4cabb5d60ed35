import time
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from healthapp.domain.errors import AuthenticationError, ThrottledError, ValidationError
from healthapp.models import AuthSession, User
from healthapp.services.auth import accounts
from healthapp.services.auth.throttle import LoginThrottle
from healthapp.services.meals.storage import LocalPhotoStorage
from tests.accounts import PASSWORD, fail_to_log_in, sign_up
from tests.conftest import MealPhotoFactory


def change_password(
    db: Session, user_id: int, current: str, new: str, throttle: LoginThrottle
) -> None:
    accounts.change_password(
        db,
        user_id=user_id,
        current_password=current,
        new_password=new,
        new_password_confirm=new,
        min_length=10,
        throttle=throttle,
        client_ip="1.2.3.4",
    )


def test_sign_up_normalises_login_and_hashes(engine: Engine) -> None:
    with Session(engine) as db:
        user = sign_up(db, login="  Alice ")
        db.commit()
        stored = db.exec(select(User)).one()
    assert stored.login == "alice"
    assert stored.language == "ko"
    assert PASSWORD not in stored.password_hash
    assert stored.created_at.tzinfo is not None
    assert user.id == stored.id


@pytest.mark.parametrize("login", ["Bob@Example.org", "bob.smith-1", "b_b"])
def test_valid_logins(engine: Engine, login: str) -> None:
    with Session(engine) as db:
        assert sign_up(db, login=login).login == login.lower()


@pytest.mark.parametrize(
    ("login", "key"),
    [
        ("", "error.login_required"),
        ("ab", "error.username_invalid"),
        ("has space", "error.username_invalid"),
        ("-leading", "error.username_invalid"),
        ("x" * 33, "error.username_invalid"),
        ("no-at@", "error.email_invalid"),
        ("a@b", "error.email_invalid"),
        ("two@@x.org", "error.email_invalid"),
    ],
)
def test_invalid_logins_name_the_field(engine: Engine, login: str, key: str) -> None:
    with Session(engine) as db, pytest.raises(ValidationError) as info:
        sign_up(db, login=login)
    assert (info.value.key, info.value.field) == (key, "login")


def test_duplicate_login_is_refused_case_insensitively(engine: Engine) -> None:
    with Session(engine) as db:
        sign_up(db, login="alice")
        db.commit()
        with pytest.raises(ValidationError) as info:
            sign_up(db, login="ALICE")
    assert info.value.key == "error.login_taken"


def test_password_confirmation_must_match(engine: Engine) -> None:
    with Session(engine) as db, pytest.raises(ValidationError) as info:
        accounts.sign_up(
            db,
            login="carol",
            password=PASSWORD,
            password_confirm=PASSWORD + "x",
            language="en",
            min_length=10,
            throttle=None,
            client_ip="",
        )
    assert info.value.field == "password_confirm"


def test_authenticate(engine: Engine, throttle: LoginThrottle) -> None:
    with Session(engine) as db:
        sign_up(db)
        db.commit()
        user = accounts.authenticate(
            db, login="ALICE", password=PASSWORD, throttle=throttle, client_ip="1.2.3.4"
        )
        assert user.login == "alice"
        for login, password in [("alice", "wrong password"), ("nobody", PASSWORD)]:
            with pytest.raises(AuthenticationError) as info:
                accounts.authenticate(
                    db, login=login, password=password, throttle=throttle, client_ip="1.2.3.4"
                )
            assert info.value.key == "error.login_failed"


def test_unknown_user_costs_as_much_as_a_wrong_password(
    engine: Engine, throttle: LoginThrottle
) -> None:
    with Session(engine) as db:
        sign_up(db)
        db.commit()

        def timed(login: str) -> float:
            start = time.perf_counter()
            with pytest.raises(AuthenticationError):
                accounts.authenticate(
                    db, login=login, password="wrong password", throttle=throttle, client_ip=""
                )
            return time.perf_counter() - start

        # Warm the dummy hash first; then compare medians of a few tries.
        timed("nobody")
        known = sorted(timed("alice") for _ in range(3))[1]
        unknown = sorted(timed(f"nobody{i}") for i in range(3))[1]
    # Not a speed target: a property. Without the dummy verification `unknown` is ~1000x faster.
    assert unknown > known * 0.5


def test_throttled_after_five_failures_even_with_right_password(
    engine: Engine, throttle: LoginThrottle
) -> None:
    with Session(engine) as db:
        sign_up(db)
        db.commit()
        fail_to_log_in(db, "alice", "nope nope", throttle=throttle, client_ip="ip")
        with pytest.raises(ThrottledError) as info:
            accounts.authenticate(
                db, login="alice", password=PASSWORD, throttle=throttle, client_ip="ip"
            )
    assert info.value.key == "error.login_throttled"
    assert 14 <= info.value.params["minutes"] <= 15


def test_change_password(engine: Engine, throttle: LoginThrottle) -> None:
    new = "new passphrase 77"
    with Session(engine) as db:
        user = sign_up(db)
        db.commit()
        assert user.id is not None
        with pytest.raises(ValidationError) as info:
            change_password(db, user.id, "wrong", new, throttle)
        assert info.value.field == "current_password"
        with pytest.raises(ValidationError) as info:
            change_password(db, user.id, PASSWORD, PASSWORD, throttle)
        assert info.value.key == "error.password_unchanged"
        change_password(db, user.id, PASSWORD, new, throttle)
        db.commit()
        accounts.authenticate(db, login="alice", password=new, throttle=throttle, client_ip="")
        with pytest.raises(AuthenticationError):
            accounts.authenticate(
                db, login="alice", password=PASSWORD, throttle=throttle, client_ip=""
            )


def test_delete_account_needs_password_and_cascades(
    engine: Engine, throttle: LoginThrottle
) -> None:
    with Session(engine) as db:
        user = sign_up(db)
        other = sign_up(db, login="bob")
        assert user.id is not None
        assert other.id is not None
        db.add(AuthSession(user_id=user.id, token_hash="a" * 64, expires_at=user.created_at))
        db.add(AuthSession(user_id=other.id, token_hash="b" * 64, expires_at=user.created_at))
        db.commit()
        with pytest.raises(ValidationError):
            accounts.delete_account(
                db, user_id=user.id, password="wrong", throttle=throttle, client_ip="ip"
            )
        accounts.delete_account(
            db, user_id=user.id, password=PASSWORD, throttle=throttle, client_ip="ip"
        )
        db.commit()
        assert db.exec(select(User.login)).all() == ["bob"]
        assert [s.user_id for s in db.exec(select(AuthSession)).all()] == [other.id]


def test_set_language_ignores_unknown(engine: Engine) -> None:
    with Session(engine) as db:
        user = sign_up(db)
        assert user.id is not None
        accounts.set_language(db, user_id=user.id, language="en")
        accounts.set_language(db, user_id=user.id, language="xx")
        db.commit()
        assert db.get(User, user.id).language == "en"  # type: ignore[union-attr]


def test_account_photos_stay_when_the_deletion_does_not_commit(
    engine: Engine, tmp_path: Path, add_meal_photo: MealPhotoFactory, throttle: LoginThrottle
) -> None:
    storage = LocalPhotoStorage(tmp_path)
    with Session(engine) as db:
        user = sign_up(db, login="alice")
        key = add_meal_photo(db, login="alice").storage_key
        storage.put(key, b"\xff\xd8\xff", "image/jpeg")
        db.commit()
        user_id = user.id
        assert user_id is not None
        removed = accounts.delete_account(
            db,
            user_id=user_id,
            password=PASSWORD,
            throttle=throttle,
            client_ip="ip",
            storage=storage,
        )
        assert removed == [key]
        assert storage.get(key)  # not before the commit
        db.rollback()
        db.commit()  # nor at a later commit of the same session
        assert storage.get(key)
        assert db.get(User, user_id) is not None
