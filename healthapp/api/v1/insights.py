"""Reports, ranks, settings and the food table over /api/v1: each route one call of the same
service the web page uses, its dataclasses sent as they are (glucose in mg/dL, the canonical
unit; the settings page's own fields and validation)."""

# No `from __future__ import annotations`: FastAPI reads the response models at run time.

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlmodel import Session

from healthapp.api.v1.caller import ReadAccess, WriteAccess
from healthapp.api.v1.problems import PROBLEM_RESPONSES
from healthapp.api.v1.types import IsoDate
from healthapp.config import get_settings
from healthapp.db import utcnow
from healthapp.services import foods, preferences, ranking, reports, settings
from healthapp.services.auth.api_tokens import ApiCaller
from healthapp.services.ranking import RankResult
from healthapp.services.reports import Report

router = APIRouter(responses=PROBLEM_RESPONSES)


def _today(db: Session, user_id: int) -> tuple[preferences.Preferences, date]:
    prefs = preferences.get_preferences(db, user_id=user_id)
    return prefs, utcnow().astimezone(prefs.tz).date()


@router.get("/reports/daily", response_model=Report, tags=["reports"])
def daily(
    access: ReadAccess, day: Annotated[IsoDate | None, Query(description="Default: today")] = None
) -> Report:
    """One local day next to the day before (glucose in mg/dL)."""

    def work(db: Session, caller: ApiCaller) -> Report:
        prefs, today = _today(db, caller.user_id)
        return reports.daily_report(db, user_id=caller.user_id, prefs=prefs, day=day or today)

    return access.run(work)


@router.get("/reports/weekly", response_model=Report, tags=["reports"])
def weekly(
    access: ReadAccess,
    week_start: Annotated[IsoDate | None, Query(description="A Monday; default: this week")] = None,
) -> Report:
    """One week (Monday to Sunday) next to the week before."""

    def work(db: Session, caller: ApiCaller) -> Report:
        prefs, today = _today(db, caller.user_id)
        start = week_start or today - timedelta(days=today.weekday())
        return reports.weekly_report(db, user_id=caller.user_id, prefs=prefs, week_start=start)

    return access.run(work)


@router.get("/rank", response_model=list[RankResult], tags=["reports"])
def rank(access: ReadAccess) -> list[RankResult]:
    """The "top n %" badges, with the reason where none is shown."""

    def work(db: Session, caller: ApiCaller) -> list[RankResult]:
        prefs = preferences.get_preferences(db, user_id=caller.user_id)
        return ranking.user_ranks(db, user_id=caller.user_id, prefs=prefs,
                                  min_cohort=get_settings().rank_min_cohort)  # fmt: skip

    return access.run(work)


@router.get("/settings", response_model=dict[str, str], tags=["settings"])
def read_settings(access: ReadAccess) -> dict[str, str]:
    """The settings, as the settings page shows them."""
    return access.run(lambda db, caller: settings.settings_form(db, user_id=caller.user_id))


@router.put("/settings", response_model=dict[str, str], tags=["settings"])
def write_settings(body: dict[str, str], access: WriteAccess) -> dict[str, str]:
    """Every field of GET /settings, changed or not (validated as the settings page is)."""

    def work(db: Session, caller: ApiCaller) -> dict[str, str]:
        settings.save_settings(db, user_id=caller.user_id, form=body)
        return settings.settings_form(db, user_id=caller.user_id)

    return access.run(work)


class FoodOut(BaseModel):
    id: str
    name_en: str
    name_ko: str
    kcal_per_100g: float
    carb_g_per_100g: float
    protein_g_per_100g: float
    fat_g_per_100g: float
    default_portion_g: float
    portion_name: str


@router.get("/foods", response_model=list[FoodOut], tags=["foods"])
def search_foods(access: ReadAccess, q: Annotated[str, Query(max_length=100)]) -> list[FoodOut]:
    """Foods whose English or Korean name matches (USDA FoodData Central, per 100 g)."""

    def work(db: Session, _caller: ApiCaller) -> list[FoodOut]:
        return [FoodOut.model_validate(f, from_attributes=True) for f in foods.search_foods(db, q)]

    return access.run(work)
