"""The settings page as one unit of work: preferences, daily goals and the rank opt-out, all
validated before anything is stored, every bad field reported at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlmodel import Session

from healthapp.models import User
from healthapp.services import glucose_targets, preferences, ranking, reports
from healthapp.services.forms import FormInvalid
from healthapp.services.preferences import Preferences


def settings_form(db: Session, *, user_id: int) -> dict[str, str]:
    """The settings page's initial text."""
    prefs = preferences.get_preferences(db, user_id=user_id)
    user = db.get(User, user_id)
    return {
        "glucose_unit": prefs.glucose_unit.value,
        "bp_standard": prefs.bp_standard_setting or "auto",
        "timezone": prefs.timezone or preferences.DEFAULT_TIMEZONE,
        "weight_kg": "" if prefs.weight_kg is None else f"{prefs.weight_kg:g}",
        "hba1c_target": f"{prefs.hba1c_target:g}",
        "diabetes_status": prefs.diabetes_status.value,
        **(glucose_targets.target_form(user) if user is not None else {}),
        "language": prefs.language,
        "rank_opt_out": "on" if user is not None and user.rank_opt_out else "",
        **reports.goals_form(reports.get_goals(db, user_id=user_id)),
    }


def save_settings(db: Session, *, user_id: int, form: Mapping[str, Any]) -> Preferences:
    steps: list[Callable[[], object]] = [
        lambda: preferences.update_preferences(db, user_id=user_id, form=form),
        lambda: reports.update_goals(db, user_id=user_id, form=form),
    ]
    errors = {}
    for step in steps:
        try:
            step()
        except FormInvalid as exc:
            errors.update(exc.errors)
    if errors:
        raise FormInvalid(errors)  # the caller's transaction rolls back what was set
    prefs = preferences.get_preferences(db, user_id=user_id)
    opt_out = str(form.get("rank_opt_out", "")).lower() in {"on", "true", "1"}
    ranking.set_rank_opt_out(db, user_id=user_id, opt_out=opt_out, prefs=prefs)
    return prefs
