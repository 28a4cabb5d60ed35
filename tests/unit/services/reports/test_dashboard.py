"""The home page's numbers: today, this week, the latest results and the charts."""

from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.domain import stats
from healthapp.services import preferences, reports
from healthapp.services.preferences import Preferences
from tests.unit.services.reports.conftest import make_user, statements

TODAY = date(2026, 11, 24)


def test_empty_dashboard(db: Session) -> None:
    uid, prefs = make_user(db, "")
    dash = reports.dashboard_numbers(db, user_id=uid, prefs=prefs, today=TODAY)
    assert not dash.has_data
    assert dash.latest_glucose is None
    assert dash.latest_bp is None
    assert dash.latest_hba1c is None
    assert dash.glucose_points == []
    assert dash.bp_points == []
    assert len(dash.nutrition_days) == 14
    assert all(d.kcal == 0 for d in dash.nutrition_days)
    assert [w.minutes for w in dash.exercise_weeks] == [0] * 8


def test_dashboard_numbers(db: Session, week: tuple[int, Preferences]) -> None:
    uid, _ = week
    prefs = preferences.update_preferences(
        db,
        user_id=uid,
        form={
            "glucose_unit": "mmol/L",
            "bp_standard": "acc_aha",
            "timezone": "Asia/Seoul",
            "weight_kg": "70",
            "hba1c_target": "7",
            "language": "ko",
        },
    )
    reports.update_goals(
        db, user_id=uid, form={"kcal": "1800", "carb_g": "200", "protein_g": "90", "fat_g": "60"}
    )
    dash = reports.dashboard_numbers(db, user_id=uid, prefs=prefs, today=TODAY)
    assert dash.has_data
    assert dash.goals == stats.Goals(1800, 200, 90, 60)
    assert dash.today_nutrition.kcal == 1100
    assert dash.today_progress.kcal_pct == 61
    assert dash.today_progress.protein_pct == 50
    assert dash.week_nutrition.kcal == 1100
    assert dash.total_nutrition.kcal == 1600
    assert dash.total_nutrition.meals == 3
    assert dash.week_exercise.minutes == 50
    assert dash.total_exercise.minutes == 90
    assert dash.who.who_minutes == 70
    # latest values with classification, in the chosen unit and standard
    assert dash.latest_glucose is not None
    assert (dash.latest_glucose.value, dash.latest_glucose.unit) == ("3.6", "mmol/L")
    assert dash.latest_glucose.level == "danger"  # 65 mg/dL: hypoglycaemia level 1
    assert (dash.latest_glucose.source, dash.latest_glucose.source_key) == (
        "meter",
        "glucose.source.meter",
    )
    assert dash.latest_bp is not None
    assert dash.latest_bp.category == "stage2"
    assert dash.latest_bp.label_key == "clinical.bp.stage2"
    assert dash.latest_hba1c is not None
    assert dash.latest_hba1c.percent == 7.2
    assert dash.latest_hba1c.eag_value == "8.9"  # 159.94 mg/dL
    # charts
    assert [p.value for p in dash.glucose_points][:3] == [6.1, 7.2, 5.3]  # 110, 130, 95 mg/dL
    assert (dash.glucose_target_low, dash.glucose_target_high) == (3.9, 10.0)
    assert len(dash.glucose_points) == 7
    assert [(p.systolic, p.diastolic) for p in dash.bp_points] == [(120, 80), (128, 78), (146, 88)]
    assert dash.nutrition_days[-1].day == TODAY
    assert dash.nutrition_days[-1].kcal == 1100
    assert dash.nutrition_days[-8].kcal == 500
    assert dash.exercise_weeks[-1].week_start == date(2026, 11, 23)
    assert [w.minutes for w in dash.exercise_weeks[-2:]] == [40, 50]
    assert [w.who_minutes for w in dash.exercise_weeks[-2:]] == [0, 70]


def test_dashboard_statements(engine: Engine, db: Session, week: tuple[int, Preferences]) -> None:
    # goals; today's, the week's and all meals; the week's and all exercise; three latest
    # results; four chart series.
    uid, _ = week
    db.commit()
    with Session(engine) as fresh:
        prefs = preferences.get_preferences(fresh, user_id=uid)
        with statements(engine) as sent:
            reports.dashboard_numbers(fresh, user_id=uid, prefs=prefs, today=TODAY)
    assert len(sent) == 13
