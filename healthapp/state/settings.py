"""The settings page: glucose unit, BP standard, time zone, weight, HbA1c target, diabetes status
and glucose targets, language."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from healthapp.domain.clinical import DiabetesStatus
from healthapp.domain.units import GlucoseUnit
from healthapp.i18n import translate
from healthapp.services import glucose_targets, preferences, settings
from healthapp.state.base import AppState, FormState


class SettingsState(FormState, AppState):
    form_values: dict[str, str] = {}
    form_version: int = 0
    # The status chosen in the (unsaved) form: which target fields show.
    diabetes_status: str = ""

    @rx.var(cache=True)
    def timezones(self) -> list[str]:
        return list(preferences.timezone_names())

    @rx.var
    def target_fields(self) -> list[str]:
        """The target fields of the chosen status (the others stay in the form, hidden)."""
        try:
            status = DiabetesStatus(self.diabetes_status)
        except ValueError:
            return []
        return list(glucose_targets.fields_for(status))

    @rx.var
    def target_help(self) -> dict[str, str]:
        """Each target field's help: its unit (the stored one, which the form shows) and the
        ADA default in it."""
        try:
            unit = GlucoseUnit(self.form_values.get("glucose_unit", ""))
        except ValueError:
            unit = GlucoseUnit.MG_DL
        keys = {"gdm_target_after_meal": "settings.gdm_target_after_meal_help"}
        return {
            field: translate(self.current_lang, keys.get(field, "settings.target_help"), **params)
            for field, params in glucose_targets.target_help_params(unit).items()
        }

    @rx.event
    def choose_diabetes_status(self, value: str) -> None:
        """Shows the chosen status's target fields; nothing is stored until the form is saved."""
        self.diabetes_status = value

    @rx.event
    async def load(self) -> Any:
        self._clear_messages()
        attempt = await self._attempt(lambda db, uid: settings.settings_form(db, user_id=uid))
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        self.form_values = attempt.value
        self.diabetes_status = self.form_values.get("diabetes_status", "")
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
        self.diabetes_status = prefs.diabetes_status.value
        # Re-render the fields from what was stored: after a unit change the targets must show
        # in the new unit, which the next save reads them in.
        self.form_version += 1
        self.lang = prefs.language
        self.done_key = "settings.saved"
        return None
