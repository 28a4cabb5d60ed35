"""Errors the services raise: a catalogue key the UI translates, plus the field it concerns."""

from __future__ import annotations


class ServiceError(Exception):
    """A request the service refuses; `key` names the message in the i18n catalogues."""

    def __init__(self, key: str, *, field: str | None = None, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.field = field
        self.params = params


class ValidationError(ServiceError):
    """Input that breaks a rule; nothing was saved."""


class NotFound(ServiceError):
    """No such row for this user. Another user's row is reported exactly like a missing one, so
    an id sent by a browser never tells whether it exists."""

    def __init__(self, key: str = "error.record_not_found") -> None:
        super().__init__(key)


class AuthenticationError(ServiceError):
    """Wrong login or password, said the same way for both."""


class ThrottledError(ServiceError):
    """Too many attempts (password checks, sign-ups); `retry_after` seconds until the next try
    is accepted."""

    def __init__(self, retry_after: int, key: str = "error.login_throttled") -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(key, minutes=minutes)
        self.retry_after = retry_after
