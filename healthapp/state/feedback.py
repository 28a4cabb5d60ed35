"""What a save or a delete tells the person: a toast that goes by itself, and for a delete an
"Undo" that works for a few seconds (services/undo.py keeps the rows, owner-scoped)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

import redis
import reflex as rx
from reflex.event import EventSpec
from reflex_components_sonner.toast import ToastAction

from healthapp.config import get_settings
from healthapp.i18n import translate
from healthapp.redis_client import get_redis
from healthapp.services import undo
from healthapp.services.meals.storage import default_photo_storage, remove_photos

if TYPE_CHECKING:
    from sqlmodel import Session

    from healthapp.state.base import Attempt

T = TypeVar("T")

log = logging.getLogger(__name__)

TOAST_MS = 4000


def undo_store() -> undo.UndoStore:
    return undo.UndoStore(get_redis(), get_settings().redis_prefix)


# An EventSpec is immutable, and building one compiles the toast's JavaScript call (a
# third of a save's own handler time): each message's is built once.
@lru_cache(maxsize=256)
def saved(lang: str, key: str) -> EventSpec:
    return rx.toast.success(translate(lang, key), duration=TOAST_MS)


@lru_cache(maxsize=256)
def failed(lang: str, key: str) -> EventSpec:
    return rx.toast.error(translate(lang, key), duration=TOAST_MS)


def _deleted(lang: str, key: str, *, undo_handler: Any) -> EventSpec:
    """The delete's toast; with `undo_handler` (the delete was kept) it offers "Undo" for as
    long as the rows are kept."""
    if undo_handler is None:
        return rx.toast.success(translate(lang, key), duration=TOAST_MS)
    return rx.toast.success(
        translate(lang, key),
        duration=undo.UNDO_SECONDS * 1000,
        action=ToastAction(label=translate(lang, "common.undo"), on_click=undo_handler),
    )


def _keep(user_id: int, kept: undo.Deleted) -> str:
    store, storage = undo_store(), default_photo_storage()
    try:
        store.purge_due(storage)  # finish earlier deletes whose window has passed
        return store.keep(user_id=user_id, deleted=kept)
    except redis.RedisError as exc:  # no undo without Redis: the delete is final at once
        log.warning("undo unavailable: %s", exc)
        remove_photos(storage, kept.files)
        return ""


class Undoable(rx.State, mixin=True):
    """A page whose deletes can be undone: the last delete's token stays on the server."""

    _undo_token: str = ""

    if TYPE_CHECKING:  # supplied by AppState and FormState, which every such page derives from
        current_lang: str

        async def _attempt(self, work: Callable[[Session, int], T]) -> Attempt[T]: ...
        async def _refresh(self) -> Any: ...

    async def _after_delete(self, user_id: int, kept: undo.Deleted, key: str) -> EventSpec:
        """Once the delete has committed: keep its rows for an undo (when Redis can) and
        say so in a toast that offers "Undo" for as long as they are kept."""
        self._undo_token = await asyncio.to_thread(_keep, user_id, kept)
        handler = type(self).undo_delete if self._undo_token else None
        return _deleted(self.current_lang, key, undo_handler=handler)

    @rx.event
    async def undo_delete(self) -> Any:
        """The toast's "Undo": this tab's last delete only, and only its own user's rows."""
        token, self._undo_token = self._undo_token, ""
        store, storage = undo_store(), default_photo_storage()
        attempt = await self._attempt(
            lambda db, uid: undo.undo_delete(
                db, store=store, storage=storage, user_id=uid, token=token
            )
        )
        if not attempt.ok:
            return attempt.redirect
        if attempt.value is None:
            return failed(self.current_lang, "undo.too_late")
        redirect = await self._refresh()
        if redirect is not None:
            return redirect
        follow = self._after_change()
        toast = saved(self.current_lang, "undo.restored")
        return toast if follow is None else [toast, follow]

    def _after_change(self) -> Any:
        """What the page does after rows came back (the meal page listens for analyses)."""
        return None
