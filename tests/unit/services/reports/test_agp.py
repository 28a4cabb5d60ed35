"""The glucose profile service: the 14 local days, owner-scoped, in the user's unit, and the
rule for too few readings."""

from datetime import date, timedelta

from sqlmodel import Session

from healthapp.domain.stats import Band
from healthapp.services.reports.agp import glucose_profile
from tests.unit.services.reports.conftest import add_glucose, local, make_user

ZONE = "Asia/Seoul"
TODAY = date(2026, 11, 29)


def _fill(db: Session, uid: int, days: int, values: tuple[float, ...]) -> None:
    """Readings at 07:10 and 19:40 local on each of the last `days` days, cycling `values`."""
    k = 0
    for d in range(days):
        day = TODAY - timedelta(days=d)
        for hour, minute in ((7, 10), (19, 40)):
            add_glucose(db, uid, local(ZONE, day.year, day.month, day.day, hour, minute),
                        values[k % len(values)])  # fmt: skip
            k += 1
    db.flush()


def test_profile_of_the_last_14_local_days(db: Session) -> None:
    uid, prefs = make_user(db, ZONE)
    other, _ = make_user(db, ZONE, login="bob")
    _fill(db, uid, 20, (50, 65, 100, 150, 200, 300, 120))
    _fill(db, other, 14, (400,))  # someone else's readings: never in alice's profile
    agp = glucose_profile(db, user_id=uid, prefs=prefs, today=TODAY)
    assert (agp.start, agp.end) == (date(2026, 11, 16), TODAY)
    assert (agp.readings, agp.days_with_data, agp.enough) == (28, 14, True)
    assert [b.readings for b in agp.bins if b.readings] == [14, 14]
    assert [b.hour for b in agp.bins if b.readings] == [7, 19]
    morning = agp.bins[7]
    assert morning.p50 is not None
    assert morning.p5 is not None
    assert morning.p95 is not None
    assert morning.p5 <= morning.p50 <= morning.p95
    assert sum(s.percent for s in agp.bands) == 100
    assert sum(s.readings for s in agp.bands) == 28
    assert {s.band for s in agp.bands if s.readings} == set(Band)
    assert (agp.unit, agp.target_low, agp.target_high) == ("mg/dL", 70, 180)


def test_profile_in_mmol_l(db: Session) -> None:
    uid, prefs = make_user(db, ZONE, glucose_unit="mmol/L")
    _fill(db, uid, 14, (90,))
    agp = glucose_profile(db, user_id=uid, prefs=prefs, today=TODAY)
    assert (agp.unit, agp.target_low, agp.target_high) == ("mmol/L", 3.9, 10.0)
    assert agp.bins[7].p50 == 5.0  # 90 mg/dL, shown as readings are


def test_too_few_days_is_not_enough(db: Session) -> None:
    uid, prefs = make_user(db, ZONE)
    _fill(db, uid, 9, (120,))
    agp = glucose_profile(db, user_id=uid, prefs=prefs, today=TODAY)
    assert (agp.readings, agp.days_with_data, agp.enough) == (18, 9, False)
    empty = glucose_profile(db, user_id=make_user(db, ZONE, login="new")[0], prefs=prefs,
                            today=TODAY)  # fmt: skip
    assert (empty.readings, empty.enough) == (0, False)
    assert [s.percent for s in empty.bands] == [0] * 5
