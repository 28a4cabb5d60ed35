"""The settings page's "API access" card: personal access tokens (create, see their last use,
revoke) and the Nightscout uploader secret. A new token or secret is held only until the card
is left or the next action, and shown that once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import reflex as rx
from sqlmodel import Session

from healthapp.config import get_settings
from healthapp.i18n import translate
from healthapp.services import preferences
from healthapp.services.auth import api_tokens
from healthapp.services.nightscout import secrets as nightscout_secrets
from healthapp.state.base import AppState, FormState
from healthapp.state.feedback import saved


@dataclass
class TokenRow:
    id: int
    name: str
    what: str  # its first characters and its scopes
    when: str  # created, last used


def _secret_key() -> str:
    return get_settings().secret_key.get_secret_value()


class ApiAccessState(FormState, AppState):
    tokens: rx.Field[list[TokenRow]] = rx.field(default_factory=list)
    new_name: str = ""
    new_scopes: str = "read"
    # Shown once, right after it was made; cleared by the next action or page load.
    shown_token: str = ""
    shown_nightscout: str = ""
    has_nightscout: bool = False
    revoke_id: int = 0

    def _rows(self, db: Session, user_id: int) -> tuple[list[TokenRow], bool]:
        lang, zone = self.current_lang, self._zone(db, user_id)
        never = translate(lang, "api.never_used")
        rows = [
            TokenRow(
                v.id, v.name,
                translate(lang, "api.token_what", hint=v.hint,
                          scopes=translate(lang, "api.scopes." + v.scopes.replace(" ", "_"))),
                translate(lang, "api.token_when",
                          created=v.created_at.astimezone(zone).strftime("%Y-%m-%d"),
                          used=v.last_used_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
                          if v.last_used_at else never),
            )
            for v in api_tokens.list_pats(db, user_id=user_id)
        ]  # fmt: skip
        return rows, nightscout_secrets.has_secret(db, user_id=user_id)

    @staticmethod
    def _zone(db: Session, user_id: int) -> ZoneInfo:
        return preferences.get_preferences(db, user_id=user_id).tz

    async def _reload(self) -> Any:
        attempt = await self._attempt(self._rows)
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        self.tokens, self.has_nightscout = attempt.value
        return None

    @rx.event
    async def load(self) -> Any:
        self._clear_messages()
        self.shown_token = self.shown_nightscout = ""
        self.new_name, self.new_scopes, self.revoke_id = "", "read", 0
        return await self._reload()

    @rx.event
    def set_new_name(self, value: str) -> None:
        self.new_name = str(value)[: api_tokens.NAME_MAX_LENGTH + 1]

    @rx.event
    def set_new_scopes(self, value: str) -> None:
        self.new_scopes = value if value in api_tokens.SCOPE_CHOICES else "read"

    @rx.event
    async def create_token(self) -> Any:
        self._clear_messages()
        self.shown_token = self.shown_nightscout = ""
        name, scopes, key = self.new_name, self.new_scopes, _secret_key()
        attempt = await self._attempt(
            lambda db, uid: api_tokens.create_pat(
                db, user_id=uid, name=name, scopes=scopes, secret_key=key
            )[1]
        )
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        self.shown_token, self.new_name = attempt.value, ""
        await self._reload()
        return saved(self.current_lang, "api.token_created")

    @rx.event
    def ask_revoke(self, token_id: int) -> None:
        self.revoke_id = int(token_id)

    @rx.event
    def set_revoke_open(self, is_open: bool) -> None:
        if not is_open:
            self.revoke_id = 0

    @rx.event
    async def revoke_token(self) -> Any:
        self._clear_messages()
        target, self.revoke_id, self.shown_token = self.revoke_id, 0, ""
        attempt = await self._attempt(
            lambda db, uid: api_tokens.revoke_pat(db, user_id=uid, pat_id=target)
        )
        if not attempt.ok:
            return attempt.redirect
        await self._reload()
        return saved(self.current_lang, "api.token_revoked")

    @rx.event
    async def make_nightscout_secret(self) -> Any:
        self._clear_messages()
        self.shown_token = ""
        key = _secret_key()
        attempt = await self._attempt(
            lambda db, uid: nightscout_secrets.new_secret(db, user_id=uid, secret_key=key)
        )
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        host = self.router.headers.host or "localhost"
        scheme = "https" if get_settings().is_production else "http"
        self.shown_nightscout = f"{scheme}://{attempt.value}@{host}/nightscout/api/v1/"
        self.has_nightscout = True
        return saved(self.current_lang, "api.nightscout_made")

    @rx.event
    async def remove_nightscout_secret(self) -> Any:
        self._clear_messages()
        self.shown_nightscout = ""
        attempt = await self._attempt(
            lambda db, uid: nightscout_secrets.remove_secret(db, user_id=uid)
        )
        if not attempt.ok:
            return attempt.redirect
        self.has_nightscout = False
        return saved(self.current_lang, "api.nightscout_removed")
