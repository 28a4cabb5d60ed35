"""Logging for every process: one handler on stderr, JSON lines or text (LOG_FORMAT), at
LOG_LEVEL, each line carrying the id of the HTTP request, Reflex event or analysis job it
belongs to.

Structured fields go in `extra={"fields": {...}}`; they become top-level keys of a JSON line
and a JSON object after the message of a text line. Field names that look like credentials
(password, token, secret, cookie, authorization, ...) are replaced by "***" whatever their
value, a last guard: the code logs no health values, secrets, tokens or cookies in the first
place (the log tests check that against real saves and jobs).

LOG_LEVEL applies to healthapp's own loggers (`healthapp.*`); every other logger (Reflex,
socket.io, SQLAlchemy, the server's Rust side, ...) stays at WARNING or above even at
LOG_LEVEL=DEBUG: some log event payloads, frames or SQL parameters at debug level, and those
carry health values.
"""

from __future__ import annotations

import json
import logging
import secrets
import sys
import time
from contextvars import ContextVar
from typing import Any, Literal

LogFormat = Literal["text", "json"]

# The id of what the current line is part of; set by the HTTP middleware (api/observe.py), the
# Reflex event middleware (state/observe.py) and the worker's job steps (worker/job.py).
REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="")
EVENT_ID: ContextVar[str] = ContextVar("event_id", default="")
JOB_ID: ContextVar[int | None] = ContextVar("job_id", default=None)

REDACTED = "***"
_SECRET_NAMES = ("pass", "secret", "token", "cookie", "authorization", "credential", "nonce")
# Server loggers that bring a handler of their own: their lines go through ours instead.
_OWN_HANDLERS = ("granian", "_granian", "granian.access", "uvicorn", "uvicorn.error")
_HANDLER_MARK = "_healthapp_handler"


def new_id() -> str:
    """A fresh id for a request or event: 16 hex digits."""
    return secrets.token_hex(8)


def redact(fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` with every credential-like key's value replaced (nested dicts too)."""
    clean: dict[str, Any] = {}
    for key, value in fields.items():
        if any(name in key.lower() for name in _SECRET_NAMES):
            clean[key] = REDACTED
        elif isinstance(value, dict):
            clean[key] = redact(value)
        else:
            clean[key] = value
    return clean


def _context(record: logging.LogRecord) -> dict[str, Any]:
    """The record's fields (redacted), then the ids of what it belongs to (unless a field of the
    same name already says)."""
    fields = getattr(record, "fields", None)
    extra: dict[str, Any] = redact(fields) if isinstance(fields, dict) else {}
    request_id, event_id, job_id = REQUEST_ID.get(), EVENT_ID.get(), JOB_ID.get()
    if request_id:
        extra.setdefault("request_id", request_id)
    if event_id:
        extra.setdefault("event_id", event_id)
    if job_id is not None:
        extra.setdefault("job_id", job_id)
    return extra


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (UTC, ms), level, logger, process, message, the context
    ids, the record's fields, and exc (the traceback) when there is one."""

    def __init__(self, process: str) -> None:
        super().__init__()
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        created = time.gmtime(record.created)
        line: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", created) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "process": self.process,
            "pid": record.process,
            "message": record.getMessage(),
        }
        for key, value in _context(record).items():
            line.setdefault(key, value)
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`time LEVEL logger: message`, then the context ids and fields as one JSON object."""

    def __init__(self, process: str) -> None:
        super().__init__(f"%(asctime)s %(levelname)s {process} %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        extra = _context(record)
        if not extra:
            return text
        head, sep, rest = text.partition("\n")  # a traceback stays below the first line
        return f"{head} {json.dumps(extra, default=str, ensure_ascii=False)}{sep}{rest}"


def configure(level: str = "INFO", fmt: LogFormat = "text", *, process: str) -> None:
    """Send every log record to stderr in `fmt`: healthapp's own loggers at `level`, everything
    else (libraries, and the Rust side of the server, which logs frames at debug level) at
    WARNING or above. Called once by each process's entry point (a second call replaces what
    the first set, nothing else)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(process) if fmt == "json" else TextFormatter(process))
    setattr(handler, _HANDLER_MARK, True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(old)
    root.addHandler(handler)
    numeric = logging.getLevelName(level.upper())
    own = numeric if isinstance(numeric, int) else logging.INFO
    root.setLevel(max(own, logging.WARNING))
    logging.getLogger("healthapp").setLevel(own)
    for name in _OWN_HANDLERS:
        logger = logging.getLogger(name)
        logger.handlers = []
        logger.propagate = True


def configure_from_settings(process: str) -> None:
    """`configure` with LOG_LEVEL and LOG_FORMAT of the settings."""
    from healthapp.config import get_settings

    settings = get_settings()
    configure(settings.log_level, settings.log_format, process=process)
