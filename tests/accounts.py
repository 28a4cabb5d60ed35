"""Account steps shared by the unit and the integration tests of healthapp.services.auth."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from healthapp.domain.errors import AuthenticationError
from healthapp.models import User
from healthapp.services.auth import accounts
from healthapp.services.auth.throttle import LoginThrottle

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
