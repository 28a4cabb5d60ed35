"""The signed-in home page: today against the goals, latest readings, ranks and charts."""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from healthapp.config import get_settings
from healthapp.db import utcnow
from healthapp.i18n import translate
from healthapp.services import preferences, ranking, reports
from healthapp.state import chart_text
from healthapp.state.base import AppState, FormState

# The glucose chart's hidden data table holds the newest readings only (its summary covers all).
GLUCOSE_TABLE_ROWS = 50
CHART_TITLES = {
    "glucose": "dash.chart_glucose",
    "bp": "dash.chart_bp",
    "nutrition": "dash.chart_nutrition",
    "exercise": "dash.chart_exercise",
}


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _numbers(db: Session, user_id: int) -> tuple[reports.DashboardNumbers, list[Any]]:
    prefs = preferences.get_preferences(db, user_id=user_id)
    now = utcnow()
    numbers = reports.dashboard_numbers(
        db, user_id=user_id, prefs=prefs, today=now.astimezone(prefs.tz).date()
    )
    ranks = ranking.user_ranks(
        db, user_id=user_id, prefs=prefs, now=now, min_cohort=get_settings().rank_min_cohort
    )
    return numbers, ranks


class DashboardState(FormState, AppState):
    has_data: bool = True
    # Language-neutral figures; the page adds the words from the catalogue.
    today: list[dict[str, Any]] = []  # kcal, carb, protein, fat against their goals
    totals: dict[str, str] = {}
    latest: list[dict[str, str]] = []  # glucose, blood pressure, HbA1c
    who: dict[str, str] = {}
    who_pct: int = 0
    ranks: list[dict[str, str]] = []
    # Chart rows with the local ISO time "t"; the computed vars below add the axis text.
    glucose_points: list[dict[str, Any]] = []
    glucose_band: list[str] = ["70", "180"]
    glucose_unit: str = "mg/dL"
    bp_points: list[dict[str, Any]] = []
    nutrition_days: list[dict[str, Any]] = []
    exercise_weeks: list[dict[str, Any]] = []

    @rx.var
    def glucose_chart(self) -> list[dict[str, Any]]:
        return chart_text.with_ticks(self.current_lang, self.glucose_points, with_time=True)

    @rx.var
    def bp_chart(self) -> list[dict[str, Any]]:
        return chart_text.with_ticks(self.current_lang, self.bp_points, with_time=True)

    @rx.var
    def nutrition_chart(self) -> list[dict[str, Any]]:
        return chart_text.with_ticks(self.current_lang, self.nutrition_days, with_time=False)

    @rx.var
    def exercise_chart(self) -> list[dict[str, Any]]:
        return chart_text.with_ticks(self.current_lang, self.exercise_weeks, with_time=False)

    @rx.var
    def chart_names(self) -> dict[str, str]:
        return chart_text.legend_names(self.current_lang, self.glucose_unit)

    @rx.var
    def chart_labels(self) -> dict[str, str]:
        """Each chart's accessible name: its title, then a summary of its data."""
        lang = self.current_lang
        summaries = {
            "glucose": chart_text.glucose_summary(lang, self.glucose_points, self.glucose_unit),
            "bp": chart_text.bp_summary(lang, self.bp_points),
            "nutrition": chart_text.nutrition_summary(lang, self.nutrition_days),
            "exercise": chart_text.exercise_summary(lang, self.exercise_weeks),
        }
        return {
            name: f"{translate(lang, CHART_TITLES[name])}. {summary}"
            for name, summary in summaries.items()
        }

    @rx.var
    def glucose_table(self) -> list[list[str]]:
        newest = self.glucose_points[-GLUCOSE_TABLE_ROWS:]
        return chart_text.table_rows(self.current_lang, newest, ["v"], with_time=True)

    @rx.var
    def glucose_table_caption(self) -> str:
        return translate(self.current_lang, "chart.table_latest", n=GLUCOSE_TABLE_ROWS)

    @rx.var
    def bp_table(self) -> list[list[str]]:
        return chart_text.table_rows(self.current_lang, self.bp_points, ["sys", "dia"],
                                     with_time=True)  # fmt: skip

    @rx.var
    def nutrition_table(self) -> list[list[str]]:
        return chart_text.table_rows(self.current_lang, self.nutrition_days,
                                     ["carb", "protein", "fat"], with_time=False)  # fmt: skip

    @rx.var
    def exercise_table(self) -> list[list[str]]:
        return chart_text.table_rows(self.current_lang, self.exercise_weeks, ["minutes"],
                                     with_time=False)  # fmt: skip

    @rx.var
    def shown_latest(self) -> list[dict[str, str]]:
        return [
            {
                **card,
                "title": translate(self.current_lang, card["title_key"]),
                "level_text": translate(self.current_lang, f"clinical.level.{card['level']}")
                if card["level"]
                else "",
                "label_text": translate(self.current_lang, card["label_key"], **card)
                if card["label_key"]
                else translate(self.current_lang, "dash.no_reading"),
                # the glucose card: meter or CGM
                "source_text": translate(self.current_lang, card["source_key"])
                if card.get("source_key")
                else "",
            }
            for card in self.latest
        ]

    @rx.var
    def shown_ranks(self) -> list[dict[str, str]]:
        return [
            {
                "text": translate(
                    self.current_lang,
                    "rank.badge",
                    metric=translate(self.current_lang, f"rank.metric.{rank['metric']}"),
                    result=translate(self.current_lang, "rank.top", n=rank["top"])
                    if rank["top"]
                    else translate(self.current_lang, f"rank.reason.{rank['reason']}"),
                ),
                "shown": "1" if rank["top"] else "",
            }
            for rank in self.ranks
        ]

    @rx.var
    def totals_text(self) -> list[str]:
        t, lang = self.totals, self.current_lang
        if not t:
            return []
        return [
            translate(lang, "dash.period_totals", period=translate(lang, f"dash.{period}"),
                      kcal=t[f"{prefix}_kcal"], carb=t[f"{prefix}_carb"],
                      protein=t[f"{prefix}_protein"], fat=t[f"{prefix}_fat"],
                      minutes=t[f"{prefix}_minutes"])
            for prefix, period in (("week", "this_week"), ("total", "all_time"))
        ]  # fmt: skip

    @rx.var
    def band_text(self) -> str:
        return translate(self.current_lang, "dash.glucose_band", low=self.glucose_band[0],
                         high=self.glucose_band[1], unit=self.glucose_unit)  # fmt: skip

    @rx.var
    def who_text(self) -> str:
        if not self.who:
            return ""
        return translate(self.current_lang, "dash.who_progress", **self.who)

    @rx.event
    async def load(self) -> Any:
        attempt = await self._attempt(_numbers)
        if not attempt.ok or attempt.value is None:
            return attempt.redirect
        numbers, ranks = attempt.value
        self._show(numbers, ranks)
        return None

    def _show(self, d: reports.DashboardNumbers, ranks: list[ranking.RankResult]) -> None:
        self.has_data = d.has_data
        goals, today, progress = d.goals, d.today_nutrition, d.today_progress
        self.today = [
            {"key": "kcal", "amount": f"{_n(today.kcal)} / {goals.kcal} kcal",
             "pct": min(progress.kcal_pct, 100)},
            {"key": "carb", "amount": f"{_n(today.carb_g)} / {goals.carb_g} g",
             "pct": min(progress.carb_pct, 100)},
            {"key": "protein", "amount": f"{_n(today.protein_g)} / {goals.protein_g} g",
             "pct": min(progress.protein_pct, 100)},
            {"key": "fat", "amount": f"{_n(today.fat_g)} / {goals.fat_g} g",
             "pct": min(progress.fat_pct, 100)},
        ]  # fmt: skip
        week, total = d.week_nutrition, d.total_nutrition
        self.totals = {
            "week_kcal": _n(week.kcal), "week_carb": _n(week.carb_g),
            "week_protein": _n(week.protein_g), "week_fat": _n(week.fat_g),
            "total_kcal": _n(total.kcal), "total_carb": _n(total.carb_g),
            "total_protein": _n(total.protein_g), "total_fat": _n(total.fat_g),
            "week_minutes": str(d.week_exercise.minutes),
            "total_minutes": str(d.total_exercise.minutes),
        }  # fmt: skip
        g, bp, a1c = d.latest_glucose, d.latest_bp, d.latest_hba1c
        self.latest = [
            {"title_key": "dash.latest_glucose", "value": f"{g.value} {g.unit}" if g else "—",
             "when": g.local if g else "", "level": g.level if g else "",
             "label_key": g.label_key if g else "", "source": g.source if g else "",
             "source_key": g.source_key if g else ""},
            {"title_key": "dash.latest_bp",
             "value": f"{bp.systolic}/{bp.diastolic} mmHg" if bp else "—",
             "when": bp.local if bp else "", "level": bp.level if bp else "",
             "label_key": bp.label_key if bp else ""},
            {"title_key": "dash.latest_hba1c", "value": f"{a1c.percent:g} %" if a1c else "—",
             "when": a1c.measured_on.isoformat() if a1c else "",
             "level": a1c.level if a1c else "", "label_key": a1c.label_key if a1c else "",
             "extra": f"eAG {a1c.eag_value} {a1c.unit}" if a1c else ""},
        ]  # fmt: skip
        self.who = {"minutes": str(d.who.who_minutes), "goal": str(d.who.goal_minutes),
                    "pct": str(d.who.percent)}  # fmt: skip
        self.who_pct = min(d.who.percent, 100)
        self.ranks = [
            {"metric": r.metric, "top": str(r.top_percent or ""), "reason": r.reason} for r in ranks
        ]
        self.glucose_unit = d.glucose_unit
        self.glucose_band = [f"{d.glucose_target_low:g}", f"{d.glucose_target_high:g}"]
        self.glucose_points = [{"t": p.local, "v": p.value} for p in d.glucose_points]
        self.bp_points = [{"t": p.local, "sys": p.systolic, "dia": p.diastolic}
                          for p in d.bp_points]  # fmt: skip
        self.nutrition_days = [
            {"t": n.day.isoformat(), "kcal": round(n.kcal), "carb": round(n.carb_g * 4),
             "protein": round(n.protein_g * 4), "fat": round(n.fat_g * 9)}
            for n in d.nutrition_days
        ]  # fmt: skip
        self.exercise_weeks = [
            {"t": w.week_start.isoformat(), "minutes": w.minutes, "who": w.who_minutes}
            for w in d.exercise_weeks
        ]  # fmt: skip
