"""Where a log-in may send the browser next: local paths only, never another site."""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_NEXT = "/"


def safe_next_path(candidate: str | None, *, default: str = DEFAULT_NEXT) -> str:
    """`candidate` when it is a path on this site, else `default`.

    Rejects scheme-relative (`//evil`), backslash (`/\\evil`, which browsers read as `//`),
    absolute URLs, control characters and the log-in pages themselves (no loops).
    """
    if not candidate or not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return default
    if any(ch in candidate for ch in "\\\r\n\t") or any(ord(ch) < 32 for ch in candidate):
        return default
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        return default
    if parts.path.rstrip("/") in {"/login", "/signup"}:
        return default
    return candidate
