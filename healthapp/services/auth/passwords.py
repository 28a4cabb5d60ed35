"""Password hashing (argon2 through the passlib API) and the rules a new password must meet."""

from __future__ import annotations

from functools import lru_cache

from passlib.context import CryptContext
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from healthapp.domain.errors import ValidationError

MAX_PASSWORD_LENGTH = 256

# argon2id with passlib's defaults; `deprecated="auto"` lets a later scheme rehash on log-in.
_context = CryptContext(schemes=["argon2"], deprecated="auto")


def hash_password(password: str) -> str:
    return _context.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _context.verify(password, password_hash)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _context.hash("healthapp-timing-equaliser")


def burn_verification_time(password: str) -> None:
    """Spend what a real verification costs, so an unknown login answers no faster."""
    _context.verify(password, _dummy_hash())


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    # zxcvbn ships the 30,000 most common leaked passwords; no download needed.
    return frozenset(FREQUENCY_LISTS["passwords"])


def check_new_password(password: str, *, login: str, min_length: int) -> None:
    """Raise ValidationError naming the first rule the password breaks."""
    if len(password) < min_length:
        raise ValidationError("error.password_too_short", field="password", min=min_length)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError("error.password_too_long", field="password", max=MAX_PASSWORD_LENGTH)
    if password.lower() in _common_passwords():
        raise ValidationError("error.password_common", field="password")
    if login and login.lower() in password.lower():
        raise ValidationError("error.password_contains_login", field="password")
