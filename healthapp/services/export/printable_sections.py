"""The sections of the printable report: glucose, HbA1c, blood pressure, exercise and meals.

The statistics are those of the dashboard and the daily/weekly reports: the database adds up
(services/reports: glucose_sums, bp_sums, exercise_groups, nutrient_totals, latest_hba1c) and
domain/stats turns the sums into means, SD, CV, time in range, GMI, categories, WHO minutes.
Each section is an HTML fragment; every text goes through `translator`, so it is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from healthapp.domain import stats
from healthapp.domain.clinical import BPCategory, BPStandard
from healthapp.domain.units import GlucoseUnit, format_glucose, mg_dl_to_mmol_l
from healthapp.i18n import translate
from healthapp.models import BloodPressure, Glucose, Meal
from healthapp.services import reports
from healthapp.services.export.charts import Point, Series, chart_points, svg_chart
from healthapp.services.preferences import Preferences


def translator(lang: str) -> Callable[..., str]:
    """translate() for `lang`, escaped for HTML."""

    def t(key: str, /, **params: object) -> str:
        return html.escape(translate(lang, key, **params))

    return t


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}"


def _glucose_text(mg_dl: float | None, unit: GlucoseUnit) -> str:
    return "–" if mg_dl is None else f"{format_glucose(mg_dl, unit)} {unit.value}"


def _in_unit(mg_dl: float, unit: GlucoseUnit) -> float:
    return mg_dl_to_mmol_l(mg_dl) if unit is GlucoseUnit.MMOL_L else mg_dl


def _rows(pairs: Sequence[tuple[str, str]]) -> str:
    """Table rows of (label already escaped by `translator`, plain value)."""
    return "".join(
        f'<tr><th scope="row">{label}</th><td class="n">{html.escape(value)}</td></tr>'
        for label, value in pairs
    )


def _section(title: str, body: str) -> str:
    return f"<section><h2>{title}</h2>{body}</section>"


def meal_days(db: Session, *, user_id: int, low: datetime, high: datetime, tz: ZoneInfo) -> int:
    """Local days of [low, high) with at least one meal. A zone's rules are not SQL's, so the
    days come from the meal times (a few a day), never from the items."""
    eaten = db.exec(
        select(Meal.eaten_at).where(
            Meal.user_id == user_id, col(Meal.eaten_at) >= low, col(Meal.eaten_at) < high
        )
    ).all()
    return len({value.astimezone(tz).date() for value in eaten})


def glucose_section(
    db: Session, user_id: int, prefs: Preferences, low: datetime, high: datetime, lang: str
) -> str:
    t = translator(lang)
    unit = prefs.glucose_unit
    st = stats.glucose_stats(
        reports.glucose_sums(db, user_id=user_id, low=low, high=high, tz=prefs.tz)
    )
    if not st.count:
        return _section(t("report.print.glucose.title"), f"<p>{t('report.print.no_data')}</p>")
    sd = "–"
    if st.sd_mg_dl is not None:
        digits = 1 if unit is GlucoseUnit.MMOL_L else 0
        sd = f"{_fmt(_in_unit(st.sd_mg_dl, unit), digits)} {unit.value}"
    table = _rows([
        (t("report.print.glucose.count"), str(st.count)),
        (t("report.print.glucose.mean"), _glucose_text(st.mean_mg_dl, unit)),
        (t("report.print.glucose.sd"), sd),
        (t("report.print.glucose.cv"), f"{_fmt(st.cv_pct)} %"),
        (t("report.print.glucose.in_range"), f"{_fmt(st.in_range_pct)} %"),
        (t("report.print.glucose.below_70"), f"{_fmt(st.below_70_pct)} %"),
        (t("report.print.glucose.below_54"), f"{_fmt(st.below_54_pct)} %"),
        (t("report.print.glucose.above_180"), f"{_fmt(st.above_180_pct)} %"),
        (t("report.print.glucose.above_250"), f"{_fmt(st.above_250_pct)} %"),
        (t("report.print.glucose.pre_meal_mean"), _glucose_text(st.pre_meal_mean_mg_dl, unit)),
        (t("report.print.glucose.post_meal_mean"), _glucose_text(st.post_meal_mean_mg_dl, unit)),
        (t("report.print.glucose.gmi", readings=stats.GMI_MIN_READINGS,
           days=stats.GMI_MIN_SPAN_DAYS),
         "–" if st.gmi_pct is None else f"{st.gmi_pct:.1f} %"),
    ])  # fmt: skip
    (points,) = chart_points(db, columns=[col(Glucose.mg_dl)], time_column=col(Glucose.measured_at),
                             owner=Glucose.user_id == user_id, low=low, high=high)  # fmt: skip
    shown = [
        Point(p.x, _in_unit(p.y, unit),
              None if p.low is None else _in_unit(p.low, unit),
              None if p.high is None else _in_unit(p.high, unit))
        for p in points
    ]  # fmt: skip
    top = max([300.0, *(p.high or p.y for p in points)]) * 1.04
    target = (stats.TARGET_LOW_MG_DL, stats.TARGET_HIGH_MG_DL)
    chart = svg_chart(
        title=translate(lang, "report.print.glucose.chart"),
        series=[Series(shown, "glucose", line=False)],
        x_range=(low.timestamp(), high.timestamp()),
        y_range=(_in_unit(40, unit), _in_unit(top, unit)),
        band=(_in_unit(target[0], unit), _in_unit(target[1], unit)),
        tz=prefs.tz,
        unit=unit.value,
    )
    band = t("report.print.glucose.band", low=format_glucose(target[0], unit),
             high=format_glucose(target[1], unit), unit=unit.value)  # fmt: skip
    return _section(
        t("report.print.glucose.title"),
        f"<table>{table}</table><h3>{t('report.print.glucose.chart')}</h3>{chart}"
        f'<p class="legend"><span><i class="swatch" style="background:#1f5fa8"></i>'
        f"{t('report.print.glucose.title')}</span><span>"
        f'<i class="swatch" style="background:#d9f0d9;height:10px"></i>{band}</span></p>',
    )


def bp_section(
    db: Session, user_id: int, prefs: Preferences, low: datetime, high: datetime, lang: str
) -> str:
    t = translator(lang)
    standard = prefs.bp_standard
    st = stats.bp_stats(reports.bp_sums(db, user_id=user_id, low=low, high=high), standard)
    if not st.count:
        return _section(t("report.print.bp.title"), f"<p>{t('report.print.no_data')}</p>")
    mean = f"{_fmt(st.systolic_mean, 0)}/{_fmt(st.diastolic_mean, 0)} mmHg"
    pulse = "–" if st.pulse_mean is None else f"{_fmt(st.pulse_mean, 0)} /min"
    table = _rows([
        (t("report.print.bp.count"), str(st.count)),
        (t("report.print.bp.mean"), mean),
        (t("report.print.bp.pulse_mean"), pulse),
        (t("report.print.bp.crisis"), str(st.crisis_count)),
    ])  # fmt: skip
    categories = "".join(
        f"<tr><td>{html.escape(translate(lang, BPCategory(category).label_key))}</td>"
        f'<td class="n">{n}</td><td class="n">{_fmt(100.0 * n / st.count)} %</td></tr>'
        for category, n in st.categories.items()  # the standard's categories, mildest first
    )
    systolic, diastolic = chart_points(
        db, columns=[col(BloodPressure.systolic), col(BloodPressure.diastolic)],
        time_column=col(BloodPressure.measured_at), owner=BloodPressure.user_id == user_id,
        low=low, high=high,
    )  # fmt: skip
    top = max([180.0, *(p.high or p.y for p in systolic)]) + 5
    bottom = min([50.0, *(p.low or p.y for p in diastolic)]) - 5
    # The hypertension thresholds of the standard in use (CLINICAL.md).
    rules = (140, 90) if standard is BPStandard.KSH else (130, 80)
    chart = svg_chart(
        title=translate(lang, "report.print.bp.chart"),
        series=[
            Series(systolic, "systolic", line=True),
            Series(diastolic, "diastolic", line=True),
        ],
        x_range=(low.timestamp(), high.timestamp()),
        y_range=(bottom, top),
        rules=rules,
        tz=prefs.tz,
        unit="mmHg",
    )
    rule = t("report.print.bp.rule", systolic=rules[0], diastolic=rules[1])
    return _section(
        t("report.print.bp.title"),
        f"<table>{table}</table>"
        f'<p class="meta">{t("report.print.bp_standard")}: '
        f"{html.escape(translate(lang, standard.label_key))}</p>"
        f"<table><tr><th>{t('report.print.bp.category')}</th><th>{t('report.print.bp.readings')}</th>"
        f"<th>%</th></tr>{categories}</table>"
        f"<h3>{t('report.print.bp.chart')}</h3>{chart}"
        f'<p class="legend"><span><i class="swatch" style="background:#a8321f"></i>'
        f'{t("report.print.bp.systolic")}</span><span><i class="swatch" style="background:#1f7a4d">'
        f"</i>{t('report.print.bp.diastolic')}</span><span>- - {rule}</span></p>",
    )


def hba1c_section(db: Session, user_id: int, prefs: Preferences, end: date, lang: str) -> str:
    t = translator(lang)
    latest = reports.latest_hba1c(db, user_id=user_id, prefs=prefs, until=end)
    if latest is None:
        return _section(t("report.print.hba1c.title"), f"<p>{t('report.print.hba1c.none')}</p>")
    table = _rows([
        (t("report.print.hba1c.latest", day=latest.measured_on.isoformat()),
         f"{latest.percent:g} % · {translate(lang, latest.label_key)}"),
        (t("report.print.hba1c.eag"), f"{latest.eag_value} {latest.unit}"),
        (t("report.print.hba1c.target"), f"< {latest.target:g} %"),
    ])  # fmt: skip
    return _section(t("report.print.hba1c.title"), f"<table>{table}</table>")


def activity_sections(
    db: Session, user_id: int, prefs: Preferences, low: datetime, high: datetime, days: int,
    lang: str,
) -> str:  # fmt: skip
    t = translator(lang)
    ex = stats.exercise_stats(reports.exercise_groups(db, user_id=user_id, low=low, high=high))
    energy = "–" if not ex.sessions or ex.energy_unknown_sessions == ex.sessions else (
        f"{ex.energy_kcal:.0f} kcal")  # fmt: skip
    exercise = _rows([
        (t("report.print.exercise.sessions"), str(ex.sessions)),
        (t("report.print.exercise.minutes"), f"{ex.minutes} min"),
        (t("report.print.exercise.per_week", goal=stats.WHO_WEEKLY_GOAL_MIN),
         f"{ex.who_minutes * 7 / days:.0f} min"),
        (t("report.print.exercise.energy"), energy),
    ])  # fmt: skip
    food = reports.nutrient_totals(db, user_id=user_id, low=low, high=high)
    days_with_meals = meal_days(db, user_id=user_id, low=low, high=high, tz=prefs.tz)
    if days_with_meals:
        per_day = [
            v / days_with_meals for v in (food.kcal, food.carb_g, food.protein_g, food.fat_g)
        ]
        rows = _rows([
            (t("report.print.nutrition.days"), f"{days_with_meals} / {food.meals}"),
            (t("report.print.nutrition.per_day"),
             f"{per_day[0]:.0f} kcal · {per_day[1]:.0f} g / {per_day[2]:.0f} g / "
             f"{per_day[3]:.0f} g"),
        ])  # fmt: skip
        nutrition = f"<table>{rows}</table>"
    else:
        nutrition = f"<p>{t('report.print.no_data')}</p>"
    return _section(t("report.print.exercise.title"), f"<table>{exercise}</table>") + _section(
        t("report.print.nutrition.title"), nutrition
    )
