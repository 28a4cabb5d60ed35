"""Calling a Reflex event handler as a forged browser would, and what is compared around the
call (the database, Redis, the state and the reply): the harness of test_handlers_isolation."""

from __future__ import annotations

import asyncio
import inspect
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
import reflex as rx
import sqlalchemy as sa
import wrapt
from PIL import Image
from sqlmodel import SQLModel, select

from healthapp import db
from healthapp.models import AnalysisJob, User
from tests.aio import run

VICTIM_LOGIN = "victim-alice@example.com"
SECRET = "victim-secret-7f3a9c"  # in every note of the victim: must never reach another caller
DAY = "2026-11-28"
FORMS: dict[str, dict[str, str]] = {
    "bp": {"measured_at": f"{DAY}T08:00", "systolic": "128", "diastolic": "84"},
    "glucose": {"measured_at": f"{DAY}T08:00", "value": "95", "timing": "fasting"},
    "hba1c": {"measured_on": DAY, "percent": "6.1"},
    "exercise": {"started_at": f"{DAY}T08:00", "kind": "walking", "duration_min": "30",
                 "intensity": "moderate"},
}  # fmt: skip


# How long a background handler runs before it is cancelled and its effects are checked.
BACKGROUND_SECONDS = 4


@dataclass
class World:
    victim_id: int
    victim_ids: list[int]  # every primary key the victim owns, of every kind, deduplicated
    mallory_id: int
    redis: redis.Redis
    prefix: str
    user_tables: list[sa.Table]


def tiny_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 80, 40)).save(out, "JPEG")
    return out.getvalue()


JPEG = tiny_jpeg()
CSV = f"measured_at,value\n{DAY} 09:00,101\n".encode()


# --- what is compared: the database, Redis, the reply -------------------------------------


def dump_db() -> dict[str, list[tuple[str, ...]]]:
    with db.get_engine().connect() as conn:
        return {
            table.name: sorted(tuple(str(v) for v in row) for row in conn.execute(table.select()))
            for table in SQLModel.metadata.sorted_tables
        }


def owned_by(dump: dict[str, list[tuple[str, ...]]], user_id: int) -> dict[str, list[Any]]:
    """The rows of `dump` that belong to `user_id` (their user_id column, or the user row)."""
    owned: dict[str, list[Any]] = {}
    for table in SQLModel.metadata.sorted_tables:
        column = "id" if table.name == User.__tablename__ else "user_id"
        if column in table.c:
            index = list(table.c.keys()).index(column)
            owned[table.name] = [r for r in dump[table.name] if r[index] == str(user_id)]
    return owned


def without(dump: dict[str, list[tuple[str, ...]]], user_id: int) -> dict[str, list[Any]]:
    """`dump` less the rows of `user_id`: what a signed-in user may not change."""
    mine = owned_by(dump, user_id)
    return {name: [r for r in rows if r not in mine.get(name, [])] for name, rows in dump.items()}


def read_key(client: redis.Redis, key: str) -> Any:
    kind = client.type(key)
    readers: dict[str, Callable[[], Any]] = {
        "string": lambda: client.get(key), "hash": lambda: client.hgetall(key),
        "set": lambda: sorted(client.smembers(key)), "list": lambda: client.lrange(key, 0, -1),
        "zset": lambda: client.zrange(key, 0, -1, withscores=True),
        "stream": lambda: client.xrange(key),
    }  # fmt: skip
    return kind, readers.get(kind, lambda: None)()


def dump_redis(world: World) -> dict[str, Any]:
    keys = sorted(world.redis.scan_iter(f"{world.prefix}*"))
    return {key: read_key(world.redis, key) for key in keys}


def queued_job_ids(world: World) -> set[int]:
    """Every job id on the stream or in the retry set."""
    client, ids = world.redis, set()
    stream, retry = f"{world.prefix}analysis-jobs", f"{world.prefix}analysis-retry"
    if client.exists(stream):
        ids |= {int(fields["job_id"]) for _, fields in client.xrange(stream)}
    ids |= {int(member) for member in client.zrange(retry, 0, -1)}
    return ids


def mallory_jobs(world: World) -> set[int]:
    with db.session_scope() as session:
        rows = session.exec(select(AnalysisJob.id).where(AnalysisJob.user_id == world.mallory_id))
        return {job_id for job_id in rows.all() if job_id is not None}


TABLE_IN_SQL = re.compile(r'\b(?:FROM|JOIN|INTO|UPDATE)\s+"?(\w+)', re.IGNORECASE)


@dataclass
class SqlLog:
    tables: set[str]

    def record(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        tables = set(TABLE_IN_SQL.findall(statement))
        if tables == {"app_user", "auth_session"} and "auth_session.token_hash" in statement:
            # The session lookup (sessions._user_for_hash): it returns a user only for a
            # valid session token, so it is the check itself, not a read without one.
            tables = {"auth_session"}
        self.tables.update(tables)


def leaks(root: rx.State, reply: object, args: list[Any]) -> list[str]:
    """The victim's notes or login in the state or the reply; the login counts only when the
    caller did not send it (a form keeps what was typed into it)."""
    text = json.dumps(root.dict(), default=str) + repr(reply)
    secrets = [SECRET] if VICTIM_LOGIN in repr(args) else [SECRET, VICTIM_LOGIN]
    return [secret for secret in secrets if secret in text]


# --- calling a handler as a browser would ---------------------------------------------------


def upload(name: str, data: bytes) -> rx.UploadFile:
    return rx.UploadFile(file=io.BytesIO(data), path=Path(name))


def recipes(annotation: object, world: World) -> list[Callable[[], Any]]:
    """Plausible forged values for a parameter, from its annotation."""
    text = str(annotation).replace(" ", "").replace("'", "")
    ids = world.victim_ids
    if "UploadFile" in text:
        return [lambda: [upload("meal.jpg", JPEG)], lambda: [upload("readings.csv", CSV)],
                lambda: []]  # fmt: skip
    if text.startswith("list[dict"):  # the picker's refusals: files named after victim ids
        return [lambda i=i: [{"file": {"name": f"{i}.bmp"}, "errors": [{"code": "x"}]}]
                for i in ids]  # fmt: skip
    if text.startswith("dict"):
        return [lambda i=i: victim_form(i) for i in ids]
    if text == "int":
        return [lambda i=i: i for i in ids]
    if text == "bool":
        return [lambda: True, lambda: False]
    if text == "str":
        texts = [str(i) for i in ids] + [VICTIM_LOGIN, DAY, "day", "-1"]
        return [lambda t=t: t for t in texts]
    raise AssertionError(f"no forged value for a parameter annotated {text!r}: add a recipe")


def victim_form(victim_id: int) -> dict[str, str]:
    """A form naming the victim's ids and login, with fields every form of the app reads."""
    ids = {name: str(victim_id) for name in ("id", "record_id", "meal_id", "item_id", "job_id",
                                              "photo_id", "user_id")}  # fmt: skip
    fields = {k: v for form in FORMS.values() for k, v in form.items()}
    return {**ids, **fields, "note": "forged", "login": VICTIM_LOGIN,
            "password": "forged-password-123", "password_confirm": "forged-password-123",
            "current_password": "forged-password-123", "delete_password": "forged-password-123",
            "filter_start": DAY, "filter_end": DAY}  # fmt: skip


class HeldState(wrapt.ObjectProxy):  # type: ignore[misc]
    """What a background handler gets instead of Reflex's StateProxy: `async with self` holds
    nothing, since no other event runs on this state meanwhile."""

    async def __aenter__(self) -> HeldState:
        return self

    async def __aexit__(self, *_: object) -> None:
        return None


def call(state: rx.State, handler: rx.event.EventHandler, args: list[Any]) -> object:
    async def drive() -> object:
        target: Any = HeldState(state) if handler.is_background else state
        result = handler.fn(target, *args)
        if inspect.isasyncgen(result):
            return [update async for update in result]
        if inspect.isgenerator(result):
            return list(result)
        if not inspect.isawaitable(result):
            return result
        if not handler.is_background:
            return await result
        try:  # a listener may run for minutes for a signed-in user; what it did by then counts
            return await asyncio.wait_for(result, timeout=BACKGROUND_SECONDS)
        except TimeoutError:
            return None

    return run(drive())


def sign_in(state: rx.State, token: str) -> None:
    """What a socket whose handshake carried `token` in the session cookie looks like to the
    state, once api/session_socket.py has put the token's hash in its place."""
    from reflex.istate.data import RouterData

    from healthapp.config import get_settings
    from healthapp.services.auth import sessions

    hashed = sessions.token_hash(token, get_settings().secret_key.get_secret_value())
    state.router = RouterData.from_router_data(
        {"sid": "s", "headers": {sessions.SESSION_HASH_HEADER: hashed}}
    )


def forged_state(kind: type[rx.State], token: str, victim_id: int) -> tuple[rx.State, rx.State]:
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(kind.get_full_name().split("."))
    for name, var in kind.base_vars.items():
        if var._var_type is int:  # every id the state keeps, as a forged setvar would set it
            setattr(state, name, victim_id)
    sign_in(state, token)
    return root, state
