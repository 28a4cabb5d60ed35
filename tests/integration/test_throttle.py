"""Parallel attempts against the real Redis throttle, through the account service on both
databases: exactly the allowed number of password checks and sign-ups get through, however the
threads interleave, because admitting and counting an attempt is one Lua script."""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.engine import Engine
from sqlmodel import Session, func, select

from healthapp.db import make_engine, migrate
from healthapp.domain.errors import AuthenticationError, ServiceError, ThrottledError
from healthapp.models import User
from healthapp.services.auth import accounts
from healthapp.services.auth.throttle import LoginThrottle
from tests.accounts import PASSWORD, sign_up

PARALLEL = 50


def in_parallel(attempt: Callable[[int], object]) -> Counter[str]:
    """Run `attempt(i)` for i < PARALLEL on as many threads, released at once; count how each
    ended: "ok" or the error's class name."""
    start = threading.Barrier(PARALLEL)

    def one(i: int) -> str:
        start.wait()
        try:
            attempt(i)
        except ServiceError as exc:
            return type(exc).__name__
        return "ok"

    with ThreadPoolExecutor(PARALLEL) as pool:
        return Counter(pool.map(one, range(PARALLEL)))


def engine_with_bob(database_url: str) -> tuple[Engine, int]:
    migrate(database_url)
    engine = make_engine(database_url)
    with Session(engine) as db:
        user = sign_up(db, login="bob", language="en")
        db.commit()
        assert user.id is not None
        return engine, user.id


def log_in(engine: Engine, throttle: LoginThrottle, password: str, client_ip: str) -> None:
    with Session(engine) as db:
        accounts.authenticate(
            db, login="bob", password=password, throttle=throttle, client_ip=client_ip
        )


def test_one_client_gets_exactly_its_limit_and_the_owner_still_logs_in(
    database_url: str, throttle: LoginThrottle
) -> None:
    engine, _ = engine_with_bob(database_url)
    outcomes = in_parallel(lambda _i: log_in(engine, throttle, "a wrong guess", "attacker"))
    assert outcomes == {
        AuthenticationError.__name__: throttle.max_per_account,
        ThrottledError.__name__: PARALLEL - throttle.max_per_account,
    }
    log_in(engine, throttle, PASSWORD, "the owner's address")
    engine.dispose()


def test_many_clients_together_stop_at_the_account_ceiling(
    database_url: str, throttle: LoginThrottle
) -> None:
    engine, _ = engine_with_bob(database_url)
    outcomes = in_parallel(lambda i: log_in(engine, throttle, "a wrong guess", f"10.9.0.{i}"))
    assert outcomes == {
        AuthenticationError.__name__: throttle.max_per_account_total,
        ThrottledError.__name__: PARALLEL - throttle.max_per_account_total,
    }
    engine.dispose()


def test_password_re_checks_share_the_limit(database_url: str, throttle: LoginThrottle) -> None:
    """A stolen session guessing the password in change-password and delete-account."""
    engine, bob = engine_with_bob(database_url)

    def guess(i: int) -> None:
        with Session(engine) as db:
            if i % 2:
                accounts.delete_account(
                    db, user_id=bob, password="a wrong guess", throttle=throttle, client_ip="c"
                )
            else:
                accounts.change_password(
                    db,
                    user_id=bob,
                    current_password="a wrong guess",
                    new_password="a new passphrase 9",
                    new_password_confirm="a new passphrase 9",
                    min_length=10,
                    throttle=throttle,
                    client_ip="c",
                )
            db.commit()

    outcomes = in_parallel(guess)
    assert outcomes == {
        "ValidationError": throttle.max_per_account,
        ThrottledError.__name__: PARALLEL - throttle.max_per_account,
    }
    log_in(engine, throttle, PASSWORD, "another address")  # unchanged, and not locked
    engine.dispose()


def test_sign_ups_from_one_client(database_url: str, throttle: LoginThrottle) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    wide = dataclasses.replace(throttle, signup_max_per_client=7)

    def sign_up_as(i: int) -> None:
        with Session(engine) as db:
            accounts.sign_up(
                db,
                login=f"user{i}",
                password=PASSWORD,
                password_confirm=PASSWORD,
                language="en",
                min_length=10,
                throttle=wide,
                client_ip="203.0.113.50",
            )
            db.commit()

    outcomes = in_parallel(sign_up_as)
    assert outcomes == {"ok": 7, ThrottledError.__name__: PARALLEL - 7}
    with Session(engine) as db:
        assert db.exec(select(func.count()).select_from(User)).one() == 7
    engine.dispose()
