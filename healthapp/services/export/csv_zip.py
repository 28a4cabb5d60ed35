"""A person's own data, out: a zip of one CSV file per record type, settings and a README.

Every query is scoped by the signed-in user's id. The files' names, columns and escaping are in
csv_format (the importer reads them back); the FHIR R4 bundle is in fhir.
"""

from __future__ import annotations

import base64
import csv
import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from healthapp.db import utcnow
from healthapp.domain.clinical import (
    BPResult,
    GlucoseResult,
    HbA1cResult,
    classify_bp,
)
from healthapp.domain.units import GlucoseUnit, format_glucose
from healthapp.models import (
    BloodPressure,
    Exercise,
    Food,
    Glucose,
    GlucoseSource,
    HbA1c,
    Meal,
    MealItem,
    User,
)
from healthapp.services.analysis.examples import person_examples
from healthapp.services.export.csv_format import (
    BP_COLUMNS,
    BP_FILE,
    CSV_ENCODING,
    EXERCISE_COLUMNS,
    EXERCISE_FILE,
    FOOD_EXAMPLES_COLUMNS,
    FOOD_EXAMPLES_FILE,
    GLUCOSE_COLUMNS,
    GLUCOSE_FILE,
    HBA1C_COLUMNS,
    HBA1C_FILE,
    MEAL_ITEMS_COLUMNS,
    MEAL_ITEMS_FILE,
    MEALS_COLUMNS,
    MEALS_FILE,
    PROFILE_COLUMNS,
    PROFILE_FILE,
    escape_cell,
)
from healthapp.services.export.queries import Record, owned_rows
from healthapp.services.preferences import Preferences

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
혈당 source 열은 meter(혈당측정기) 또는 cgm(연속혈당측정기, CGM)입니다.
이 파일의 혈당·혈압 CSV는 앱의 '가져오기'로 다시 불러올 수 있습니다(중복은 건너뜀).

blood_pressure.csv   one row per reading
  id, measured_at_local, measured_at_utc, systolic (mmHg), diastolic (mmHg), pulse (/min),
  category (by the standard in profile.csv: {bp_standard}), level (normal/borderline/danger), note
glucose.csv          one row per reading
  id, measured_at_local, measured_at_utc, mg_dl (as stored), mmol_l (mg/dL / 18.016, 1 decimal),
  timing (fasting, before_breakfast, after_breakfast, before_lunch, after_lunch, before_dinner,
  after_dinner, bedtime, other), source (meter = finger-stick meter; cgm = continuous glucose
  monitor), category (ADA diagnostic ranges, or with diabetes the
  targets in profile.csv: below_target / in_target / above_target; hypoglycaemia and very_high
  either way), level, note
hba1c.csv            one row per laboratory result
  id, measured_on (calendar day), percent (NGSP %), category (ADA diagnostic ranges, or with
  diabetes target_met / target_missed against hba1c_target), level, note
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
food_examples.csv    your own dishes the photo analysis learnt: one row per meal photo whose food
  you confirmed or named (its meal_items.csv row), with what the food model saw in it
  meal_item_id, meal_id, photo_id, food_id, grams, updated_at_utc,
  embedding_float16_base64 (1280 little-endian float16 values, unit length, base64)
profile.csv          your settings
  login, language, glucose_unit, bp_standard (empty = follows the language), timezone, weight_kg,
  hba1c_target (%), diabetes_status (none/prediabetes/type1/type2/gestational; with diabetes
  the category and level columns judge readings against the targets that follow),
  target_pre_meal_low_mg_dl, target_pre_meal_high_mg_dl, target_after_meal_mg_dl (type 1 and 2),
  gdm_target_fasting_mg_dl, gdm_target_after_meal_mg_dl (gestational), created_at_utc
"""


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


def _timed(row_id: int | None, at: datetime, tz: ZoneInfo) -> list[str]:
    """The cells every timed row starts with: id, local time, UTC time."""
    return [str(row_id), iso_local(at, tz), iso_utc(at)]


def _verdict(result: BPResult | GlucoseResult | HbA1cResult) -> list[str]:
    return [result.category.value, result.level.value]


def _bp_row(bp: BloodPressure, prefs: Preferences) -> list[str]:
    result = classify_bp(bp.systolic, bp.diastolic, prefs.bp_standard)
    return [*_timed(bp.id, bp.measured_at, prefs.tz), str(bp.systolic), str(bp.diastolic),
            _num(bp.pulse), *_verdict(result), escape_cell(bp.note)]  # fmt: skip


def _glucose_row(reading: Glucose, prefs: Preferences) -> list[str]:
    result = prefs.classify_glucose(reading.mg_dl, reading.timing)
    return [*_timed(reading.id, reading.measured_at, prefs.tz), _num(reading.mg_dl),
            format_glucose(reading.mg_dl, GlucoseUnit.MMOL_L), reading.timing,
            GlucoseSource(reading.source).value, *_verdict(result),
            escape_cell(reading.note)]  # fmt: skip


def _hba1c_row(lab: HbA1c, prefs: Preferences) -> list[str]:
    verdict = _verdict(prefs.classify_hba1c(lab.percent))
    return [str(lab.id), lab.measured_on.isoformat(), _num(lab.percent), *verdict,
            escape_cell(lab.note)]  # fmt: skip


def _exercise_row(session: Exercise, prefs: Preferences) -> list[str]:
    return [*_timed(session.id, session.started_at, prefs.tz), session.kind,
            str(session.duration_min), session.intensity, _num(session.energy_kcal),
            escape_cell(session.note)]  # fmt: skip


@dataclass(frozen=True)
class _RecordFile(Generic[Record]):
    """The CSV file of one record type: a line per row of the user's, oldest first."""

    stem: str
    columns: tuple[str, ...]
    model: type[Record]
    order: Any  # the model's time column
    row: Callable[[Record, Preferences], list[str]]

    def render(self, db: Session, user_id: int, prefs: Preferences) -> bytes:
        rows = owned_rows(db, self.model, user_id=user_id, order=self.order)
        return _csv(self.columns, (self.row(row, prefs) for row in rows))


_RECORD_FILES: tuple[_RecordFile[Any], ...] = (
    _RecordFile(BP_FILE, BP_COLUMNS, BloodPressure, BloodPressure.measured_at, _bp_row),
    _RecordFile(GLUCOSE_FILE, GLUCOSE_COLUMNS, Glucose, Glucose.measured_at, _glucose_row),
    _RecordFile(HBA1C_FILE, HBA1C_COLUMNS, HbA1c, HbA1c.measured_on, _hba1c_row),
    _RecordFile(EXERCISE_FILE, EXERCISE_COLUMNS, Exercise, Exercise.started_at, _exercise_row),
)


def _meal_rows(db: Session, user_id: int, prefs: Preferences) -> list[list[str]]:
    totals = (
        sa.select(  # six columns: more than sqlmodel.select's overloads take
            col(MealItem.meal_id),
            func.count().label("n_items"),
            func.sum(MealItem.kcal).label("kcal"),
            func.sum(MealItem.carb_g).label("carb_g"),
            func.sum(MealItem.protein_g).label("protein_g"),
            func.sum(MealItem.fat_g).label("fat_g"),
        )
        .where(col(MealItem.user_id) == user_id)
        .group_by(col(MealItem.meal_id))
        .subquery()
    )
    rows = db.execute(  # six columns, as above
        sa.select(Meal, totals.c.n_items, totals.c.kcal, totals.c.carb_g, totals.c.protein_g,
                  totals.c.fat_g)
        .join(totals, totals.c.meal_id == Meal.id, isouter=True)
        .where(col(Meal.user_id) == user_id)
        .order_by(col(Meal.eaten_at), col(Meal.id))
    ).all()  # fmt: skip
    return [
        [*_timed(meal.id, meal.eaten_at, prefs.tz), meal.meal_type, str(items or 0),
         _round1(kcal), _round1(carb), _round1(protein), _round1(fat), escape_cell(meal.note)]
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
        [str(item.id), str(item.meal_id), iso_local(eaten_at, prefs.tz), escape_cell(item.food_id),
         escape_cell(name_en or ""), escape_cell(name_ko or ""), _num(item.grams), _num(item.kcal),
         _num(item.carb_g), _num(item.protein_g), _num(item.fat_g), item.source]
        for item, eaten_at, name_en, name_ko in rows
    ]  # fmt: skip


def _food_example_rows(db: Session, user_id: int) -> list[list[str]]:
    return [
        [str(e.item_id), str(e.meal_id), str(e.photo_id), escape_cell(e.food_id), _num(e.grams),
         iso_utc(e.updated_at), base64.b64encode(e.embedding).decode("ascii")]
        for e in person_examples(db, user_id=user_id, limit=None)
    ]  # fmt: skip


def _profile_rows(user: User) -> list[list[str]]:
    # The login is chosen by the user (it may start with "="); the settings are escaped too so
    # that no text cell of any file reaches a spreadsheet unescaped.
    text = [user.login, user.language, user.glucose_unit, user.bp_standard, user.timezone]
    targets = (user.target_pre_meal_low_mg_dl, user.target_pre_meal_high_mg_dl,
               user.target_after_meal_mg_dl, user.gdm_target_fasting_mg_dl,
               user.gdm_target_after_meal_mg_dl)  # fmt: skip
    return [[*(escape_cell(str(cell)) for cell in text), _num(user.weight_kg),
             _num(user.hba1c_target), str(user.diabetes_status), *(str(t) for t in targets),
             iso_utc(user.created_at)]]  # fmt: skip


def export_csv_zip(
    db: Session, *, user_id: int, prefs: Preferences, now: datetime | None = None
) -> bytes:
    """All of the user's records, meals and settings as a zip of CSV files plus README.txt."""
    user = db.get(User, user_id)
    if user is None:
        raise LookupError(f"user {user_id} does not exist")
    now = now or utcnow()
    files = [(f.stem, f.render(db, user_id, prefs)) for f in _RECORD_FILES]
    files += [
        (MEALS_FILE, _csv(MEALS_COLUMNS, _meal_rows(db, user_id, prefs))),
        (MEAL_ITEMS_FILE, _csv(MEAL_ITEMS_COLUMNS, _meal_item_rows(db, user_id, prefs))),
        (FOOD_EXAMPLES_FILE, _csv(FOOD_EXAMPLES_COLUMNS, _food_example_rows(db, user_id))),
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
