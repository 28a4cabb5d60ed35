"""A person's own data, out: a zip of CSV files and a printable report for a clinician.

No Reflex import. Every query is scoped by the signed-in user's id. The FHIR R4 bundle lives in
services/fhir.py; CSV files written here are read back by services/importer.py (round trip).

CSV conventions (written into README.txt of every export too):
- UTF-8 with a byte order mark, so Excel opens Korean text correctly; comma separated; CRLF.
- Times twice: `*_local` in the user's zone with its UTC offset (ISO 8601,
  2026-11-28T23:30:00-05:00) and `*_utc` (2026-11-29T04:30:00Z). HbA1c is a calendar day.
- Glucose in mg/dL exactly as stored (3 decimals at most) and in mmol/L as the app shows it (one
  decimal); the mg/dL column is the lossless one.
- Free text (notes, food names) that Excel would run as a formula (starting with = + - @, a tab or
  a carriage return) is prefixed with an apostrophe, as is text that starts with an apostrophe;
  `unescape_cell` undoes exactly that.
"""

from __future__ import annotations

import csv
import html
import io
import math
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from healthapp.db import utcnow
from healthapp.domain import stats
from healthapp.domain.clinical import (
    BPCategory,
    BPStandard,
    classify_bp,
    classify_glucose,
    classify_hba1c,
)
from healthapp.domain.units import GlucoseUnit, format_glucose, mg_dl_to_mmol_l
from healthapp.i18n import translate
from healthapp.models import BloodPressure, Exercise, Food, Glucose, HbA1c, Meal, MealItem, User
from healthapp.services import forms, reports
from healthapp.services.preferences import Preferences

# --- CSV files --------------------------------------------------------------------------------

CSV_ENCODING = "utf-8-sig"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "'")

# File stems of the zip (".csv" is added when written).
BP_FILE = "blood_pressure"
GLUCOSE_FILE = "glucose"
HBA1C_FILE = "hba1c"
EXERCISE_FILE = "exercise"
MEALS_FILE = "meals"
MEAL_ITEMS_FILE = "meal_items"
PROFILE_FILE = "profile"

BP_COLUMNS = ("id", "measured_at_local", "measured_at_utc", "systolic", "diastolic", "pulse",
              "category", "level", "note")  # fmt: skip
GLUCOSE_COLUMNS = ("id", "measured_at_local", "measured_at_utc", "mg_dl", "mmol_l", "timing",
                   "category", "level", "note")  # fmt: skip
HBA1C_COLUMNS = ("id", "measured_on", "percent", "category", "level", "note")
EXERCISE_COLUMNS = ("id", "started_at_local", "started_at_utc", "kind", "duration_min",
                    "intensity", "energy_kcal", "note")  # fmt: skip
MEALS_COLUMNS = ("id", "eaten_at_local", "eaten_at_utc", "meal_type", "items", "kcal", "carb_g",
                 "protein_g", "fat_g", "note")  # fmt: skip
MEAL_ITEMS_COLUMNS = ("id", "meal_id", "eaten_at_local", "food_id", "food_name_en", "food_name_ko",
                      "grams", "kcal", "carb_g", "protein_g", "fat_g", "source")  # fmt: skip
PROFILE_COLUMNS = ("login", "language", "glucose_unit", "bp_standard", "timezone", "weight_kg",
                   "hba1c_target", "created_at_utc")  # fmt: skip

README = """\
healthapp export / 건강 기록 내보내기
=====================================

Exported {exported_at} for {login}. Time zone: {timezone}.
All files: UTF-8 with BOM, comma separated, first row = column names. Empty cell = no value.
Times: *_local = ISO 8601 in your time zone with its UTC offset; *_utc = the same instant in UTC.
Text that starts with = + - @ or ' has an extra ' in front (so spreadsheets do not run it).
Meal photos are not included.

모든 파일은 UTF-8(BOM) CSV입니다. *_local 은 설정한 시간대의 시각(UTC 오프셋 포함),
*_utc 는 같은 시각의 UTC 입니다. 혈당 mg_dl 열이 저장된 값 그대로이며
mmol_l 은 표시용(소수 1자리)입니다.
이 파일의 혈당·혈압 CSV는 앱의 '가져오기'로 다시 불러올 수 있습니다(중복은 건너뜀).

blood_pressure.csv   one row per reading
  id, measured_at_local, measured_at_utc, systolic (mmHg), diastolic (mmHg), pulse (/min),
  category (by the standard in profile.csv: {bp_standard}), level (normal/borderline/danger), note
glucose.csv          one row per reading
  id, measured_at_local, measured_at_utc, mg_dl (as stored), mmol_l (mg/dL / 18.016, 1 decimal),
  timing (fasting, before_breakfast, after_breakfast, before_lunch, after_lunch, before_dinner,
  after_dinner, bedtime, other), category (ADA), level, note
hba1c.csv            one row per laboratory result
  id, measured_on (calendar day), percent (NGSP %), category (ADA), level, note
exercise.csv         one row per session
  id, started_at_local, started_at_utc, kind, duration_min, intensity (light/moderate/vigorous),
  energy_kcal (MET x kg x hours, empty without a body weight), note
meals.csv            one row per meal, with the totals of its items
  id, eaten_at_local, eaten_at_utc, meal_type (breakfast/lunch/dinner/snack), items (count),
  kcal, carb_g, protein_g, fat_g, note
meal_items.csv       one row per food of a meal (nutrients of the portion eaten)
  id, meal_id (-> meals.csv id), eaten_at_local, food_id (USDA FoodData Central based),
  food_name_en, food_name_ko, grams, kcal, carb_g, protein_g, fat_g,
  source (estimate = photo model, not confirmed; confirmed; manual)
profile.csv          your settings
  login, language, glucose_unit, bp_standard (empty = follows the language), timezone, weight_kg,
  hba1c_target (%), created_at_utc
"""


def escape_cell(text: str) -> str:
    """Free text made safe for spreadsheets (see the module docstring); `unescape_cell` inverts."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def unescape_cell(text: str) -> str:
    return text[1:] if text.startswith("'") else text


def iso_local(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).isoformat()


def iso_utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _num(value: float | int | None) -> str:
    """A number without float noise or a trailing .0: 99.088, 120, empty for None."""
    if value is None:
        return ""
    if isinstance(value, int):
        return str(value)
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    writer.writerows(rows)
    return buffer.getvalue().encode(CSV_ENCODING)


def _bp_rows(db: Session, user_id: int, prefs: Preferences) -> list[list[str]]:
    rows = db.exec(
        select(BloodPressure)
        .where(BloodPressure.user_id == user_id)
        .order_by(col(BloodPressure.measured_at), col(BloodPressure.id))
    ).all()
    out = []
    for row in rows:
        result = classify_bp(row.systolic, row.diastolic, prefs.bp_standard)
        out.append([str(row.id), iso_local(row.measured_at, prefs.tz), iso_utc(row.measured_at),
                    str(row.systolic), str(row.diastolic), _num(row.pulse),
                    result.category.value, result.level.value, escape_cell(row.note)])  # fmt: skip
    return out


def _glucose_rows(db: Session, user_id: int, prefs: Preferences) -> list[list[str]]:
    rows = db.exec(
        select(Glucose)
        .where(Glucose.user_id == user_id)
        .order_by(col(Glucose.measured_at), col(Glucose.id))
    ).all()
    out = []
    for row in rows:
        result = classify_glucose(row.mg_dl, row.timing)
        out.append([str(row.id), iso_local(row.measured_at, prefs.tz), iso_utc(row.measured_at),
                    _num(row.mg_dl), format_glucose(row.mg_dl, GlucoseUnit.MMOL_L), row.timing,
                    result.category.value, result.level.value, escape_cell(row.note)])  # fmt: skip
    return out


def _hba1c_rows(db: Session, user_id: int, prefs: Preferences) -> list[list[str]]:
    rows = db.exec(
        select(HbA1c)
        .where(HbA1c.user_id == user_id)
        .order_by(col(HbA1c.measured_on), col(HbA1c.id))
    ).all()
    out = []
    for row in rows:
        result = classify_hba1c(row.percent, prefs.hba1c_target)
        out.append([str(row.id), row.measured_on.isoformat(), _num(row.percent),
                    result.category.value, result.level.value, escape_cell(row.note)])  # fmt: skip
    return out


def _exercise_rows(db: Session, user_id: int, prefs: Preferences) -> list[list[str]]:
    rows = db.exec(
        select(Exercise)
        .where(Exercise.user_id == user_id)
        .order_by(col(Exercise.started_at), col(Exercise.id))
    ).all()
    return [
        [str(row.id), iso_local(row.started_at, prefs.tz), iso_utc(row.started_at), row.kind,
         str(row.duration_min), row.intensity, _num(row.energy_kcal), escape_cell(row.note)]
        for row in rows
    ]  # fmt: skip


def _meal_rows(db: Session, user_id: int, prefs: Preferences) -> list[list[str]]:
    totals = (
        select(
            MealItem.meal_id,
            func.count().label("n_items"),
            func.sum(MealItem.kcal).label("kcal"),
            func.sum(MealItem.carb_g).label("carb_g"),
            func.sum(MealItem.protein_g).label("protein_g"),
            func.sum(MealItem.fat_g).label("fat_g"),
        )
        .where(MealItem.user_id == user_id)
        .group_by(col(MealItem.meal_id))
        .subquery()
    )
    rows = db.exec(
        select(Meal, totals.c.n_items, totals.c.kcal, totals.c.carb_g, totals.c.protein_g,
               totals.c.fat_g)
        .join(totals, totals.c.meal_id == Meal.id, isouter=True)
        .where(Meal.user_id == user_id)
        .order_by(col(Meal.eaten_at), col(Meal.id))
    ).all()  # fmt: skip
    return [
        [str(meal.id), iso_local(meal.eaten_at, prefs.tz), iso_utc(meal.eaten_at), meal.meal_type,
         str(items or 0), _round1(kcal), _round1(carb), _round1(protein), _round1(fat),
         escape_cell(meal.note)]
        for meal, items, kcal, carb, protein, fat in rows
    ]  # fmt: skip


def _round1(value: float | None) -> str:
    return _num(round(value or 0.0, 1))


def _meal_item_rows(db: Session, user_id: int, prefs: Preferences) -> list[list[str]]:
    rows = db.exec(
        select(MealItem, Meal.eaten_at, Food.name_en, Food.name_ko)
        .join(Meal, col(Meal.id) == MealItem.meal_id)
        .join(Food, col(Food.id) == MealItem.food_id, isouter=True)
        .where(MealItem.user_id == user_id, Meal.user_id == user_id)
        .order_by(col(Meal.eaten_at), col(MealItem.meal_id), col(MealItem.id))
    ).all()
    return [
        [str(item.id), str(item.meal_id), iso_local(eaten_at, prefs.tz), item.food_id,
         escape_cell(name_en or ""), escape_cell(name_ko or ""), _num(item.grams), _num(item.kcal),
         _num(item.carb_g), _num(item.protein_g), _num(item.fat_g), item.source]
        for item, eaten_at, name_en, name_ko in rows
    ]  # fmt: skip


def _profile_rows(user: User) -> list[list[str]]:
    return [[user.login, user.language, user.glucose_unit, user.bp_standard, user.timezone,
             _num(user.weight_kg), _num(user.hba1c_target), iso_utc(user.created_at)]]  # fmt: skip


def export_csv_zip(
    db: Session, *, user_id: int, prefs: Preferences, now: datetime | None = None
) -> bytes:
    """All of the user's records, meals and settings as a zip of CSV files plus README.txt."""
    user = db.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} does not exist")
    now = now or utcnow()
    files: list[tuple[str, bytes]] = [
        (BP_FILE, _csv(BP_COLUMNS, _bp_rows(db, user_id, prefs))),
        (GLUCOSE_FILE, _csv(GLUCOSE_COLUMNS, _glucose_rows(db, user_id, prefs))),
        (HBA1C_FILE, _csv(HBA1C_COLUMNS, _hba1c_rows(db, user_id, prefs))),
        (EXERCISE_FILE, _csv(EXERCISE_COLUMNS, _exercise_rows(db, user_id, prefs))),
        (MEALS_FILE, _csv(MEALS_COLUMNS, _meal_rows(db, user_id, prefs))),
        (MEAL_ITEMS_FILE, _csv(MEAL_ITEMS_COLUMNS, _meal_item_rows(db, user_id, prefs))),
        (PROFILE_FILE, _csv(PROFILE_COLUMNS, _profile_rows(user))),
    ]
    readme = README.format(
        exported_at=iso_local(now, prefs.tz),
        login=user.login,
        timezone=prefs.tz.key,
        bp_standard=prefs.bp_standard.value,
    )
    stamp = now.astimezone(prefs.tz).timetuple()[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        entries = [("README.txt", readme.encode("utf-8"))]
        entries += [(f"{stem}.csv", data) for stem, data in files]
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


# --- printable report: the numbers ---------------------------------------------------------------
# The statistics are those of the dashboard and the daily/weekly reports: the database adds up
# (services/reports.py: glucose_sums, bp_sums, exercise_groups, nutrient_totals, latest_hba1c) and
# services/stats.py turns the sums into means, SD, CV, time in range, GMI, categories, WHO minutes.

MAX_CHART_POINTS = 600


def _bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    low, high = forms.day_bounds(start, end, tz)
    assert low is not None
    assert high is not None
    return low, high


def meal_days(db: Session, *, user_id: int, low: datetime, high: datetime, tz: ZoneInfo) -> int:
    """Local days of [low, high) with at least one meal. A zone's rules are not SQL's, so the
    days come from the meal times (a few a day), never from the items."""
    eaten = db.exec(
        select(Meal.eaten_at).where(
            Meal.user_id == user_id, col(Meal.eaten_at) >= low, col(Meal.eaten_at) < high
        )
    ).all()
    return len({value.astimezone(tz).date() for value in eaten})


# --- printable report: charts -----------------------------------------------------------------


def _epoch(column: Any, dialect: str) -> Any:
    """Whole seconds since 1970 of a UTC timestamp column, as an integer expression."""
    if dialect == "postgresql":  # EXTRACT(EPOCH ...) is numeric there
        return sa.cast(sa.extract("epoch", column), sa.BigInteger)
    return sa.cast(func.strftime("%s", column), sa.Integer)  # SQLite keeps UTC text


def _bucket(column: Any, dialect: str, start: int, width: int) -> Any:
    """Index of the `width`-second bucket after `start` that `column` falls in: integer
    division of non-negative integers on both databases."""
    return (_epoch(column, dialect) - start) // width


@dataclass(frozen=True)
class _Point:
    x: float  # epoch seconds
    y: float
    low: float | None = None  # bucket minimum, when points were merged
    high: float | None = None


def _points(
    db: Session,
    *,
    columns: Sequence[Any],
    time_column: Any,
    where: Sequence[Any],
    low: datetime,
    high: datetime,
) -> list[list[_Point]]:
    """One list of points per value column: every reading when there are few, otherwise the
    mean (and min, max) of equal time buckets computed by the database."""
    count = db.exec(select(func.count()).where(*where)).one()
    if not count:
        return [[] for _ in columns]
    if count <= MAX_CHART_POINTS:
        rows = db.exec(select(time_column, *columns).where(*where).order_by(time_column)).all()
        return [
            [
                _Point(row[0].timestamp(), float(row[i + 1]))
                for row in rows
                if row[i + 1] is not None
            ]
            for i in range(len(columns))
        ]
    dialect = db.get_bind().dialect.name
    start = int(low.timestamp())
    width = max(1, math.ceil((high.timestamp() - start) / MAX_CHART_POINTS))
    bucket = _bucket(time_column, dialect, start, width).label("bucket")
    aggregates = [agg(c) for c in columns for agg in (func.avg, func.min, func.max)]
    rows = db.exec(
        select(bucket, *aggregates).where(*where).group_by(bucket).order_by(bucket)
    ).all()
    out: list[list[_Point]] = []
    for i in range(len(columns)):
        series = []
        for row in rows:
            mean, lowest, highest = row[1 + 3 * i : 4 + 3 * i]
            if mean is not None:
                x = start + (float(row[0]) + 0.5) * width
                series.append(_Point(x, float(mean), float(lowest), float(highest)))
        out.append(series)
    return out


def _nice_step(span: float, ticks: int = 5) -> float:
    raw = span / max(ticks, 1)
    magnitude = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


@dataclass(frozen=True)
class _Series:
    points: list[_Point]
    css: str  # class name: colour and dash pattern come from the page's CSS
    line: bool


def _svg_chart(
    *,
    title: str,
    series: Sequence[_Series],
    x_range: tuple[float, float],
    y_range: tuple[float, float],
    tz: ZoneInfo,
    unit: str,
    band: tuple[float, float] | None = None,
    rules: Sequence[float] = (),
    width: int = 720,
    height: int = 240,
) -> str:
    """A small time chart as inline SVG: optional target band, horizontal rules, dots or lines,
    min-max whiskers for merged points, y ticks and up to six date ticks."""
    left, right, top, bottom = 44, 10, 10, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    x0, x1 = x_range
    y0, y1 = y_range
    x_span = max(x1 - x0, 1.0)
    y_span = max(y1 - y0, 1e-9)

    def sx(x: float) -> float:
        return round(left + (x - x0) / x_span * plot_w, 1)

    def sy(y: float) -> float:
        return round(top + (1 - (min(max(y, y0), y1) - y0) / y_span) * plot_h, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'class="chart"><title>{html.escape(title)}</title>',
        f'<rect class="plot" x="{left}" y="{top}" width="{plot_w}" height="{plot_h}"/>',
        f'<text class="unit" x="{left + 4}" y="{top + 11}">{html.escape(unit)}</text>',
    ]
    if band is not None:
        parts.append(
            f'<rect class="band" x="{left}" y="{sy(band[1])}" width="{plot_w}" '
            f'height="{round(sy(band[0]) - sy(band[1]), 1)}"/>'
        )
    step = _nice_step(y1 - y0)
    tick = math.ceil(y0 / step) * step
    while tick <= y1 + 1e-9:
        y = sy(tick)
        label = f"{tick:g}" if step >= 1 else f"{tick:.1f}"
        parts.append(f'<line class="grid" x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}"/>')
        parts.append(
            f'<text class="tick" x="{left - 4}" y="{y + 3}" text-anchor="end">{label}</text>'
        )
        tick += step
    for value in rules:
        y = sy(value)
        parts.append(f'<line class="rule" x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}"/>')
    days = max(1, round(x_span / 86400))
    ticks = min(6, days + 1)
    for i in range(ticks):
        x = x0 + x_span * i / max(ticks - 1, 1)
        # The range ends at the midnight after the last day: label that tick with the last day.
        label = datetime.fromtimestamp(min(x, x1 - 1), tz).date().isoformat()
        anchor = "start" if i == 0 else "end" if i == ticks - 1 else "middle"
        parts.append(
            f'<text class="tick" x="{sx(x)}" y="{height - 8}" text-anchor="{anchor}">{label}</text>'
        )
    for item in series:
        for point in item.points:
            if point.low is not None and point.high is not None and point.low != point.high:
                parts.append(
                    f'<line class="whisker {item.css}" x1="{sx(point.x)}" x2="{sx(point.x)}" '
                    f'y1="{sy(point.low)}" y2="{sy(point.high)}"/>'
                )
        if item.line and len(item.points) > 1:
            coords = " ".join(f"{sx(p.x)},{sy(p.y)}" for p in item.points)
            parts.append(f'<polyline class="line {item.css}" points="{coords}"/>')
        parts.extend(
            f'<circle class="dot {item.css}" cx="{sx(p.x)}" cy="{sy(p.y)}" r="2"/>'
            for p in item.points
        )
    parts.append("</svg>")
    return "".join(parts)


# --- printable report: page -------------------------------------------------------------------

# Every catalogue key the report uses; both catalogues must have each one.
REPORT_KEYS: tuple[str, ...] = (
    "report.print.title",
    "report.print.patient",
    "report.print.period",
    "report.print.days",
    "report.print.timezone",
    "report.print.generated",
    "report.print.print_hint",
    "report.print.bp_standard",
    "report.print.no_data",
    "report.print.glucose.title",
    "report.print.glucose.count",
    "report.print.glucose.mean",
    "report.print.glucose.sd",
    "report.print.glucose.cv",
    "report.print.glucose.in_range",
    "report.print.glucose.below_70",
    "report.print.glucose.below_54",
    "report.print.glucose.above_180",
    "report.print.glucose.above_250",
    "report.print.glucose.pre_meal_mean",
    "report.print.glucose.post_meal_mean",
    "report.print.glucose.gmi",
    "report.print.glucose.chart",
    "report.print.glucose.band",
    "report.print.bp.title",
    "report.print.bp.count",
    "report.print.bp.mean",
    "report.print.bp.pulse_mean",
    "report.print.bp.crisis",
    "report.print.bp.category",
    "report.print.bp.readings",
    "report.print.bp.chart",
    "report.print.bp.systolic",
    "report.print.bp.diastolic",
    "report.print.bp.rule",
    "report.print.hba1c.title",
    "report.print.hba1c.latest",
    "report.print.hba1c.eag",
    "report.print.hba1c.target",
    "report.print.hba1c.none",
    "report.print.exercise.title",
    "report.print.exercise.sessions",
    "report.print.exercise.minutes",
    "report.print.exercise.per_week",
    "report.print.exercise.energy",
    "report.print.nutrition.title",
    "report.print.nutrition.days",
    "report.print.nutrition.per_day",
    "report.print.footer",
)

_CSS = """
*{box-sizing:border-box}
body{font-family:"Noto Sans KR","Apple SD Gothic Neo","Malgun Gothic",system-ui,sans-serif;
color:#111;margin:24px auto;max-width:780px;font-size:13px;line-height:1.45}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:18px 0 6px;border-bottom:1px solid #999}
.meta{color:#333;margin:0}.hint{background:#eef;padding:6px 10px;border-radius:4px}
table{border-collapse:collapse;width:100%;margin:4px 0}
th,td{border:1px solid #bbb;padding:3px 6px;text-align:left}td.n{text-align:right}
th{background:#f2f2f2;font-weight:600}
.chart{width:100%;height:auto;margin-top:6px}
.plot{fill:#fff;stroke:#888}.band{fill:#d9f0d9}.grid{stroke:#e4e4e4}
.rule{stroke:#b00;stroke-dasharray:4 3}.tick{font-size:10px;fill:#333}
.dot{stroke:none}.line{fill:none;stroke-width:1.2}.whisker{stroke-width:1;opacity:.45}
.glucose{fill:#1f5fa8;stroke:#1f5fa8}.systolic{fill:#a8321f;stroke:#a8321f}
.diastolic{fill:#1f7a4d;stroke:#1f7a4d}.chart polyline{fill:none}
.diastolic.line{stroke-dasharray:5 3}.unit{font-size:10px;fill:#333}
.legend span{margin-right:14px}.swatch{display:inline-block;width:18px;height:3px;
vertical-align:middle;margin-right:4px}
.footer{color:#555;font-size:11px;margin-top:18px}
@page{size:A4;margin:14mm}
@media print{body{margin:0;max-width:none;font-size:11px}.no-print{display:none}
section{break-inside:avoid}th{background:#eee !important;-webkit-print-color-adjust:exact;
print-color-adjust:exact}.band{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


def _fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}"


def _glucose_text(mg_dl: float | None, unit: GlucoseUnit) -> str:
    return "–" if mg_dl is None else f"{format_glucose(mg_dl, unit)} {unit.value}"


def _in_unit(mg_dl: float, unit: GlucoseUnit) -> float:
    return mg_dl_to_mmol_l(mg_dl) if unit is GlucoseUnit.MMOL_L else mg_dl


def _rows(pairs: Sequence[tuple[str, str]]) -> str:
    """Table rows of (label already escaped by `_translator`, plain value)."""
    return "".join(
        f'<tr><th scope="row">{label}</th><td class="n">{html.escape(value)}</td></tr>'
        for label, value in pairs
    )


def _section(title: str, body: str) -> str:
    return f"<section><h2>{title}</h2>{body}</section>"


def _glucose_section(
    db: Session, user_id: int, prefs: Preferences, low: datetime, high: datetime, lang: str
) -> str:
    t = _translator(lang)
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
    where = (Glucose.user_id == user_id, col(Glucose.measured_at) >= low,
             col(Glucose.measured_at) < high)  # fmt: skip
    (points,) = _points(db, columns=[col(Glucose.mg_dl)], time_column=col(Glucose.measured_at),
                        where=where, low=low, high=high)  # fmt: skip
    shown = [
        _Point(p.x, _in_unit(p.y, unit),
               None if p.low is None else _in_unit(p.low, unit),
               None if p.high is None else _in_unit(p.high, unit))
        for p in points
    ]  # fmt: skip
    top = max([300.0, *(p.high or p.y for p in points)]) * 1.04
    target = (stats.TARGET_LOW_MG_DL, stats.TARGET_HIGH_MG_DL)
    chart = _svg_chart(
        title=translate(lang, "report.print.glucose.chart"),
        series=[_Series(shown, "glucose", line=False)],
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


def _bp_section(
    db: Session, user_id: int, prefs: Preferences, low: datetime, high: datetime, lang: str
) -> str:
    t = _translator(lang)
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
    where = (BloodPressure.user_id == user_id, col(BloodPressure.measured_at) >= low,
             col(BloodPressure.measured_at) < high)  # fmt: skip
    systolic, diastolic = _points(
        db, columns=[col(BloodPressure.systolic), col(BloodPressure.diastolic)],
        time_column=col(BloodPressure.measured_at), where=where, low=low, high=high,
    )  # fmt: skip
    top = max([180.0, *(p.high or p.y for p in systolic)]) + 5
    bottom = min([50.0, *(p.low or p.y for p in diastolic)]) - 5
    # The hypertension thresholds of the standard in use (CLINICAL.md).
    rules = (140, 90) if standard is BPStandard.KSH else (130, 80)
    chart = _svg_chart(
        title=translate(lang, "report.print.bp.chart"),
        series=[
            _Series(systolic, "systolic", line=True),
            _Series(diastolic, "diastolic", line=True),
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


def _hba1c_section(db: Session, user_id: int, prefs: Preferences, end: date, lang: str) -> str:
    t = _translator(lang)
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


def _activity_sections(
    db: Session, user_id: int, prefs: Preferences, low: datetime, high: datetime, days: int,
    lang: str,
) -> str:  # fmt: skip
    t = _translator(lang)
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


def _translator(lang: str) -> Callable[..., str]:
    """translate() for `lang`, escaped for HTML."""

    def t(key: str, /, **params: object) -> str:
        return html.escape(translate(lang, key, **params))

    return t


def printable_report_html(
    db: Session,
    *,
    user_id: int,
    prefs: Preferences,
    start: date,
    end: date,
    lang: str,
    now: datetime | None = None,
) -> str:
    """A self-contained, print-styled HTML page for the local days [start, end]: statistics a
    clinician reads first and inline SVG charts; no external assets, no script."""
    if end < start:
        raise ValueError("end must not be before start")
    user = db.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} does not exist")
    t = _translator(lang)
    low, high = _bounds(start, end, prefs.tz)
    days = (end - start).days + 1
    now = now or utcnow()
    generated = now.astimezone(prefs.tz).strftime("%Y-%m-%d %H:%M")
    body = "".join([
        f"<h1>{t('report.print.title')}</h1>",
        f'<p class="meta">{t("report.print.patient")}: {html.escape(user.login)}</p>',
        f'<p class="meta">{t("report.print.period")}: {start.isoformat()} – {end.isoformat()} '
        f"({t('report.print.days', days=days)})</p>",
        f'<p class="meta">{t("report.print.timezone")}: {html.escape(prefs.tz.key)} · '
        f"{t('report.print.generated')}: {generated}</p>",
        f'<p class="hint no-print">{t("report.print.print_hint")}</p>',
        _glucose_section(db, user_id, prefs, low, high, lang),
        _hba1c_section(db, user_id, prefs, end, lang),
        _bp_section(db, user_id, prefs, low, high, lang),
        _activity_sections(db, user_id, prefs, low, high, days, lang),
        f'<p class="footer">{t("report.print.footer")}</p>',
    ])  # fmt: skip
    title = f"{translate(lang, 'report.print.title')} {start.isoformat()} – {end.isoformat()}"
    return (
        f'<!DOCTYPE html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>"
        f"<body>{body}</body></html>"
    )


def report_range_for_days(
    days: int, *, prefs: Preferences, now: datetime | None = None
) -> tuple[date, date]:
    """The last `days` local days up to today, a convenient default for the report form."""
    today = (now or utcnow()).astimezone(prefs.tz).date()
    return today - timedelta(days=max(days, 1) - 1), today
