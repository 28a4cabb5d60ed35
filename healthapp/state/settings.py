"""The settings page: glucose unit, BP standard, time zone, weight, HbA1c target, language."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from healthapp.services import preferences, settings
from healthapp.state.base import AppState, FormState


class SettingsState(FormState, AppState):
    form_values: dict[str, str] = {}
    form_version: int = 0

    @rx.var(cache=True)
    def timezones(self) -> list[str]:
        return list(preferences.timezone_names())

    @rx.event
    async def load(self) -> Any:
        self._clear_messages()
        attempt = await self._attempt(lambda db, uid: settings.settings_form(db, user_id=uid))
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        self.form_values = attempt.value
        self.form_version += 1
        return None

    @rx.event
    async def submit(self, form: dict[str, Any]) -> Any:
        self._clear_messages()

        def work(db: Session, user_id: int) -> tuple[preferences.Preferences, dict[str, str]]:
            prefs = settings.save_settings(db, user_id=user_id, form=form)
            return prefs, settings.settings_form(db, user_id=user_id)

        attempt = await self._attempt(work)
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        prefs, self.form_values = attempt.value
        self.lang = prefs.language
        self.done_key = "settings.saved"
        return None
