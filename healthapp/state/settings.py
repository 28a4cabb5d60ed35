"""The settings page: glucose unit, BP standard, time zone, weight, HbA1c target, language."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from healthapp.services import preferences, sessions
from healthapp.state.base import AppState, FormState


def _form(prefs: preferences.Preferences) -> dict[str, str]:
    return {
        "glucose_unit": prefs.glucose_unit.value,
        "bp_standard": prefs.bp_standard_setting or "auto",
        "timezone": prefs.timezone or preferences.DEFAULT_TIMEZONE,
        "weight_kg": "" if prefs.weight_kg is None else f"{prefs.weight_kg:g}",
        "hba1c_target": f"{prefs.hba1c_target:g}",
        "language": prefs.language,
    }


class SettingsState(FormState, AppState):
    form_values: dict[str, str] = {}
    form_version: int = 0

    @rx.var(cache=True)
    def timezones(self) -> list[str]:
        return list(preferences.timezone_names())

    @rx.event
    async def load(self) -> Any:
        self._clear_messages()
        try:
            prefs = await self._as_user(
                lambda db, uid: preferences.get_preferences(db, user_id=uid)
            )
        except sessions.NotSignedIn:
            return self._login_redirect()
        self.form_values = _form(prefs)
        self.form_version += 1
        return None

    @rx.event
    async def submit(self, form: dict[str, Any]) -> Any:
        self._clear_messages()

        def work(db: Session, user_id: int) -> preferences.Preferences:
            return preferences.update_preferences(db, user_id=user_id, form=form)

        attempt = await self._attempt(work)
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        prefs = attempt.value
        self.lang = prefs.language
        self.form_values = _form(prefs)
        self.done_key = "settings.saved"
        return None
