"""Accounts: sign up, log in, change password, delete; every function takes the user's id."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from healthapp.db import utcnow
from healthapp.domain.errors import AuthenticationError, ValidationError
from healthapp.i18n import supported
from healthapp.models import MealPhoto, User
from healthapp.services import ranking
from healthapp.services.auth import api_tokens, passwords
from healthapp.services.auth.throttle import LoginThrottle
from healthapp.services.meals.storage import (
    PhotoStorage,
    default_photo_storage,
    remove_photos_after_commit,
)

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,31}$")
# Deliberately loose: one @, a dot in the domain, no spaces. Deliverability is not checked here.
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MAX_LOGIN_LENGTH = 254


def normalize_login(raw: str) -> str:
    return unicodedata.normalize("NFKC", raw).strip().lower()


def check_login(login: str) -> None:
    if not login:
        raise ValidationError("error.login_required", field="login")
    if "@" in login:
        if len(login) > MAX_LOGIN_LENGTH or not EMAIL_RE.match(login):
            raise ValidationError("error.email_invalid", field="login")
    elif not USERNAME_RE.match(login):
        raise ValidationError("error.username_invalid", field="login")


def sign_up(
    db: Session,
    *,
    login: str,
    password: str,
    password_confirm: str,
    language: str,
    min_length: int,
    throttle: LoginThrottle | None,
    client_ip: str,
) -> User:
    """A new account. `throttle` None: no sign-up limit (tests that build users directly)."""
    login = normalize_login(login)
    check_login(login)
    if password != password_confirm:
        raise ValidationError("error.password_mismatch", field="password_confirm")
    passwords.check_new_password(password, login=login, min_length=min_length)
    # Counted only once the form is right, so typing mistakes use up nothing; before the
    # lookup below, which tells whether a login exists.
    if throttle is not None:
        throttle.admit_signup(client_ip)
    if db.exec(select(User.id).where(User.login == login)).first() is not None:
        raise ValidationError("error.login_taken", field="login")
    user = User(
        login=login, password_hash=passwords.hash_password(password), language=supported(language)
    )
    db.add(user)
    try:
        db.flush()
    except IntegrityError as exc:  # a concurrent sign-up won the race for this login
        raise ValidationError("error.login_taken", field="login") from exc
    return user


def authenticate(
    db: Session, *, login: str, password: str, throttle: LoginThrottle, client_ip: str
) -> User:
    """The user whose login and password these are; throttled per account and client."""
    login = normalize_login(login)
    admission = throttle.admit_password_check(login, client_ip)
    user = db.exec(select(User).where(User.login == login)).first() if login else None
    if user is None:
        passwords.burn_verification_time(password)
        ok = False
    else:
        ok = passwords.verify_password(password, user.password_hash)
    if not ok or user is None:
        raise AuthenticationError("error.login_failed")
    throttle.succeeded(admission)
    return user


def _check_current_password(
    user: User | None, password: str, *, throttle: LoginThrottle, client_ip: str, field: str
) -> User:
    """The signed-in user, once `password` is theirs; the same throttle as the log-in, so a
    borrowed session cannot guess the password faster here."""
    if user is None:
        raise ValidationError("error.current_password_wrong", field=field)
    admission = throttle.admit_password_check(user.login, client_ip)
    if not passwords.verify_password(password, user.password_hash):
        raise ValidationError("error.current_password_wrong", field=field)
    throttle.succeeded(admission)
    return user


def get_user(db: Session, *, user_id: int) -> User | None:
    return db.get(User, user_id)


def change_password(
    db: Session,
    *,
    user_id: int,
    current_password: str,
    new_password: str,
    new_password_confirm: str,
    min_length: int,
    throttle: LoginThrottle,
    client_ip: str,
) -> None:
    user = _check_current_password(
        db.get(User, user_id),
        current_password,
        throttle=throttle,
        client_ip=client_ip,
        field="current_password",
    )
    if new_password != new_password_confirm:
        raise ValidationError("error.password_mismatch", field="password_confirm")
    if new_password == current_password:
        raise ValidationError("error.password_unchanged", field="password")
    passwords.check_new_password(new_password, login=user.login, min_length=min_length)
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = utcnow()
    db.add(user)
    api_tokens.revoke_all(db, user_id=user_id)  # a token made with the old password goes too
    db.flush()


def set_language(db: Session, *, user_id: int, language: str) -> None:
    user = db.get(User, user_id)
    if user is not None and user.language != supported(language):
        user.language = supported(language)
        db.add(user)


def delete_account(
    db: Session,
    *,
    user_id: int,
    password: str,
    throttle: LoginThrottle,
    client_ip: str,
    storage: PhotoStorage | None = None,
) -> list[str]:
    """Remove the user and, through ON DELETE CASCADE, every row that belongs to them. Their
    photo files go from `storage` (None: the configured one) once `db` has committed, never
    if it rolls back; returns the photo keys."""
    _check_current_password(
        db.get(User, user_id),
        password,
        throttle=throttle,
        client_ip=client_ip,
        field="delete_password",
    )
    # Read before the rows go: the cascade leaves no trace of which files were theirs.
    keys = list(db.exec(select(MealPhoto.storage_key).where(MealPhoto.user_id == user_id)).all())
    ranking.forget_user(db, user_id)  # before the row goes: the cascade would skip the counts
    db.exec(delete(User).where(col(User.id) == user_id))
    if keys:
        remove_photos_after_commit(db, storage or default_photo_storage(), keys)
    return keys
