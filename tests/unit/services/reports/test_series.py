"""Chart series: per-day nutrition, and the bounded glucose and BP points."""

from datetime import date, timedelta

import pytest
from sqlmodel import Session

from healthapp.models import BloodPressure
from healthapp.services import reports
from tests.unit.services.reports.conftest import add_glucose, add_meal, local, make_user, utc


def test_nutrition_series_buckets_local_days_across_dst(db: Session) -> None:
    zone = "America/New_York"
    uid, prefs = make_user(db, zone)
    add_meal(db, uid, local(zone, 2026, 11, 1, 1, 30, fold=0), (100, 10, 5, 2))  # EDT
    add_meal(db, uid, local(zone, 2026, 11, 1, 1, 30, fold=1), (200, 20, 10, 4))  # EST
    add_meal(db, uid, local(zone, 2026, 11, 1, 23, 59), (50, 5, 1, 1))
    add_meal(db, uid, local(zone, 2026, 11, 2, 0, 0), (1, 0, 0, 0))
    series = reports.nutrition_series(
        db, user_id=uid, prefs=prefs, start=date(2026, 10, 31), days=3
    )
    assert [(d.day, d.kcal) for d in series] == [
        (date(2026, 10, 31), 0),
        (date(2026, 11, 1), 350),
        (date(2026, 11, 2), 1),
    ]
    assert series[1].carb_g == 35
    assert series[1].protein_g == 16
    assert series[1].fat_g == 7
    # 140 + 64 + 63 = 267 kcal from macros
    assert series[1].fat_pct == pytest.approx(100 * 63 / 267)
    assert series[0].carb_pct == 0


def test_chart_limits(db: Session) -> None:
    uid, prefs = make_user(db, "UTC")
    start = utc(2026, 11, 1)
    for i in range(40):
        db.add(
            BloodPressure(
                user_id=uid, measured_at=start + timedelta(hours=i), systolic=100 + i, diastolic=70
            )
        )
        add_glucose(db, uid, start + timedelta(hours=i), 100 + i)
    db.flush()
    bp = reports.bp_series(db, user_id=uid, prefs=prefs, until=utc(2026, 11, 5))
    assert len(bp) == 30
    assert bp[0].systolic == 110
    assert bp[-1].systolic == 139
    points = reports.glucose_series(
        db, user_id=uid, prefs=prefs, start=date(2026, 11, 1), end=date(2026, 11, 2), limit=10
    )
    assert [p.mg_dl for p in points] == [130 + i for i in range(10)]  # the newest, oldest first
