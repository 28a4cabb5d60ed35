"""Daily and weekly reports: any day or week, compared with the one before."""

from __future__ import annotations

import contextlib
from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

import reflex as rx
from sqlmodel import Session

from healthapp.db import utcnow
from healthapp.i18n import translate
from healthapp.services import preferences, reports
from healthapp.services.reports import view as report_view
from healthapp.state.base import AppState, FormState


class ReportsState(FormState, AppState):
    kind: str = "week"  # "day" | "week"
    day: str = ""  # any day of the period (local ISO date)
    start: str = ""
    end: str = ""
    rows: list[dict[str, str]] = []
    bp_rows: list[list[str]] = []
    meals: rx.Field[list[dict[str, str]]] = rx.field(default_factory=list)
    hba1c: dict[str, str] = {}
    who: dict[str, str] = {}
    has_data: bool = False

    @rx.var
    def shown_rows(self) -> list[dict[str, str]]:
        return [{**row, "label": translate(self.current_lang, row["label_key"])}
                for row in self.rows]  # fmt: skip

    @rx.var
    def period_text(self) -> str:
        key = "report.period_day" if self.kind == "day" else "report.period_week"
        return translate(self.current_lang, key, start=self.start, end=self.end)

    @rx.var
    def hba1c_text(self) -> str:
        if not self.hba1c:
            return translate(self.current_lang, "report.no_hba1c")
        return translate(self.current_lang, "report.hba1c_line", **self.hba1c)

    @rx.var
    def who_text(self) -> str:
        return translate(self.current_lang, "dash.who_progress", **self.who) if self.who else ""

    async def _refresh(self) -> Any:
        kind, chosen = self.kind, date.fromisoformat(self.day) if self.day else None
        lang = self.current_lang

        def work(db: Session, user_id: int) -> tuple[reports.Report, str]:
            prefs = preferences.get_preferences(db, user_id=user_id)
            day = chosen or utcnow().astimezone(prefs.tz).date()
            build = reports.daily_report if kind == "day" else reports.weekly_report
            key = "day" if kind == "day" else "week_start"
            return build(db, user_id=user_id, prefs=prefs, **{key: day}), lang

        attempt = await self._attempt(work)
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        report, lang = attempt.value
        self.day = self.day or report.end.isoformat()
        self.start, self.end = report.start.isoformat(), report.end.isoformat()
        self.rows = [asdict(row) for row in report_view.report_rows(report)]
        self.bp_rows = [list(row) for row in report_view.bp_category_rows(report)]
        self.meals = [{k: str(v) for k, v in asdict(m).items()}
                      for m in report_view.meal_rows(report, lang)]  # fmt: skip
        a1c = report.hba1c
        self.hba1c = (
            {"percent": f"{a1c.percent:g}", "day": a1c.measured_on.isoformat(),
             "eag": f"{a1c.eag_value} {a1c.unit}"}
            if a1c else {}
        )  # fmt: skip
        self.who = {"minutes": str(report.who.who_minutes), "goal": str(report.who.goal_minutes),
                    "pct": str(report.who.percent)}  # fmt: skip
        cur = report.current
        self.has_data = bool(cur.glucose.count or cur.bp.count or cur.nutrition.meals
                             or cur.exercise.sessions)  # fmt: skip
        return None

    @rx.event
    async def load(self) -> Any:
        self.day = ""
        return await self._refresh()

    @rx.event
    async def set_kind(self, kind: str) -> Any:
        self.kind = "day" if kind == "day" else "week"
        return await self._refresh()

    @rx.event
    async def set_day(self, value: str) -> Any:
        with contextlib.suppress(ValueError):
            self.day = date.fromisoformat(value).isoformat()
        return await self._refresh()

    @rx.event
    async def shift(self, direction: int) -> Any:
        if not (self.day or self.end):  # before the first load there is no period to step from
            return await self._refresh()
        step = timedelta(days=1 if self.kind == "day" else 7) * int(direction)
        base = date.fromisoformat(self.day or self.end)
        self.day = (base + step).isoformat()
        return await self._refresh()
