"""Preferences for entering and showing records."""

from collections.abc import Sequence

import reflex as rx

from healthapp import routes
from healthapp.components.api_access import api_access_card
from healthapp.components.forms import Control, form_alert, form_done, labelled
from healthapp.components.layout import template
from healthapp.components.props import InputMode
from healthapp.domain.clinical import BPStandard, DiabetesStatus
from healthapp.domain.units import GlucoseUnit
from healthapp.i18n import LANGUAGES
from healthapp.state.api_access import ApiAccessState
from healthapp.state.base import AppState
from healthapp.state.settings import SettingsState

FORM_ID = "settings"
GOAL_FIELDS = ("kcal", "carb_g", "protein_g", "fat_g")


def _select(name: str, options: Sequence[rx.Component]) -> Control:
    return lambda props: rx.el.select(
        *options,
        default_value=SettingsState.form_values.get(name, ""),
        class_name="native-select",
        **props,
    )


def _text(name: str, mode: InputMode) -> Control:
    return lambda props: rx.input(
        default_value=SettingsState.form_values.get(name, ""),
        input_mode=mode,
        auto_complete="off",
        **props,
    )


def _status_select(options: Sequence[rx.Component]) -> Control:
    return lambda props: rx.el.select(
        *options,
        default_value=SettingsState.form_values.get("diabetes_status", ""),
        class_name="native-select",
        on_change=SettingsState.choose_diabetes_status,
        **props,
    )


def _targets(fields: Sequence[tuple[str, str]]) -> rx.Component:
    """One status's target fields; hidden (still sent, not read) under another status."""
    return rx.vstack(
        rx.heading(AppState.t["settings.targets"], size="3", as_="h2"),
        *[labelled(SettingsState, FORM_ID, name, label_key, _text(name, "decimal"),
                   help_text=SettingsState.target_help[name]) for name, label_key in fields],
        spacing="3",
        width="100%",
        display=rx.cond(SettingsState.target_fields.contains(fields[0][0]), "flex", "none"),
    )  # fmt: skip


@template(route=routes.SETTINGS, on_load=[SettingsState.load, ApiAccessState.load])
def settings() -> rx.Component:
    unit_options = [rx.el.option(unit.value, value=unit.value) for unit in GlucoseUnit]
    standard_options = [
        rx.el.option(AppState.t["settings.bp_standard.auto"], value="auto"),
        *[rx.el.option(AppState.t[s.label_key], value=s.value) for s in BPStandard],
    ]
    zone_options = [rx.foreach(SettingsState.timezones, lambda z: rx.el.option(z, value=z))]
    language_options = [rx.el.option(AppState.t[f"lang.{lang}"], value=lang) for lang in LANGUAGES]
    status_options = [rx.el.option(AppState.t[s.label_key], value=s.value) for s in DiabetesStatus]
    return rx.vstack(
        rx.heading(AppState.t["settings.title"], size="7", as_="h1"),
        rx.text(AppState.t["settings.intro"], color_scheme="gray"),
        rx.card(
            rx.form(
                rx.vstack(
                    form_alert(SettingsState),
                    form_done(SettingsState),
                    labelled(SettingsState, FORM_ID, "glucose_unit", "settings.glucose_unit",
                             _select("glucose_unit", unit_options)),
                    labelled(SettingsState, FORM_ID, "bp_standard", "settings.bp_standard",
                             _select("bp_standard", standard_options)),
                    labelled(SettingsState, FORM_ID, "timezone", "settings.timezone",
                             _select("timezone", zone_options),
                             help_key="settings.timezone_help"),
                    labelled(SettingsState, FORM_ID, "weight_kg", "settings.weight",
                             _text("weight_kg", "decimal"), help_key="settings.weight_help"),
                    labelled(SettingsState, FORM_ID, "diabetes_status", "settings.diabetes_status",
                             _status_select(status_options),
                             help_key="settings.diabetes_status_help"),
                    _targets([("target_pre_meal_low", "settings.target_pre_meal_low"),
                              ("target_pre_meal_high", "settings.target_pre_meal_high"),
                              ("target_after_meal", "settings.target_after_meal")]),
                    _targets([("gdm_target_fasting", "settings.gdm_target_fasting"),
                              ("gdm_target_after_meal", "settings.gdm_target_after_meal")]),
                    labelled(SettingsState, FORM_ID, "hba1c_target", "settings.hba1c_target",
                             _text("hba1c_target", "decimal"),
                             help_key="settings.hba1c_target_help"),
                    labelled(SettingsState, FORM_ID, "language", "settings.language",
                             _select("language", language_options)),
                    rx.heading(AppState.t["settings.goals"], size="3", as_="h2"),
                    rx.grid(
                        *[labelled(SettingsState, FORM_ID, name, f"settings.goal.{name}",
                                   _text(name, "numeric")) for name in GOAL_FIELDS],
                        columns="2",
                        spacing="3",
                        width="100%",
                    ),
                    rx.heading(AppState.t["settings.rank"], size="3", as_="h2"),
                    rx.el.label(
                        rx.el.input(
                            type="checkbox",
                            name="rank_opt_out",
                            id="settings-rank_opt_out",
                            default_checked=SettingsState.form_values.get("rank_opt_out", "")
                            == "on",
                        ),
                        " ",
                        AppState.t["settings.rank_opt_out"],
                        html_for="settings-rank_opt_out",
                        class_name="checkbox-label",
                    ),
                    rx.button(AppState.t["settings.save"], type="submit"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=SettingsState.submit,
                id=FORM_ID,
                key=SettingsState.form_version,
            ),
            width="min(100%, 34rem)",
        ),
        api_access_card(),
        spacing="4",
    )  # fmt: skip
