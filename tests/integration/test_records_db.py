"""Records on SQLite and PostgreSQL: the same service code, the same answers."""

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, func, select

from healthapp.db import make_engine, migrate
from healthapp.domain.errors import NotFound
from healthapp.i18n import translate
from healthapp.models import BloodPressure, Exercise, Glucose, HbA1c, User
from healthapp.services import preferences, records
from healthapp.services.auth import accounts
from healthapp.services.auth.throttle import LoginThrottle

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
PREFS = {"glucose_unit": "mmol/L", "bp_standard": "auto", "timezone": "America/New_York",
         "weight_kg": "80", "hba1c_target": "7", "language": "ko"}  # fmt: skip
FORMS = {
    "bp": {"measured_at": "2026-11-01T01:30", "systolic": "142", "diastolic": "92"},
    "glucose": {"measured_at": "2026-11-28T23:30", "value": "7.8", "timing": "after_dinner"},
    "hba1c": {"measured_on": "2026-11-20", "percent": "6.8"},
    "exercise": {"started_at": "2026-11-28T18:00", "kind": "cycling", "duration_min": "45",
                 "intensity": "vigorous"},
}  # fmt: skip


def test_every_kind_round_trips_and_cascades(database_url: str, throttle: LoginThrottle) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    with Session(engine) as db:
        user = User(login="alice", password_hash="x")
        db.add(user)
        db.flush()
        assert user.id is not None
        uid = user.id
        prefs = preferences.update_preferences(db, user_id=uid, form=PREFS)
        ids = {
            kind: records.create_record(
                db, user_id=uid, kind=kind, form=form, prefs=prefs, now=NOW
            ).id
            for kind, form in FORMS.items()
        }
        db.commit()

    with Session(engine) as db:
        prefs = preferences.get_preferences(db, user_id=uid)
        shown = {
            kind: records.list_records(db, user_id=uid, kind=kind, prefs=prefs).rows[0]
            for kind in FORMS
        }
        # 01:30 on the night New York leaves DST is read as the first (EDT) 01:30.
        assert db.get(BloodPressure, ids["bp"]).measured_at == datetime(  # type: ignore[union-attr]
            2026, 11, 1, 5, 30, tzinfo=UTC
        )
        assert shown["bp"]["label_key"] == "clinical.bp.grade1"  # Korean UI: KSH by default
        glucose = shown["glucose"]
        assert (glucose["day"], translate("en", glucose["value_key"], **glucose)) == (
            "2026-11-28",
            "7.8 mmol/L",
        )
        assert shown["glucose"]["label_key"] == "clinical.glucose.prediabetes_range"
        assert shown["hba1c"]["label_key"] == "clinical.hba1c.diabetes"
        exercise = shown["exercise"]
        # 10 MET x 80 kg x 0.75 h
        assert translate("ko", exercise["value_key"], **exercise) == "45분 · 600 kcal"
        by_day = records.list_records(
            db, user_id=uid, kind="glucose", prefs=prefs,
            start=date(2026, 11, 28), end=date(2026, 11, 28),
        )  # fmt: skip
        assert by_day.total == 1

        password = "tangerine violin 42"
        user = db.get(User, uid)
        assert user is not None
        from healthapp.services.auth.passwords import hash_password

        user.password_hash = hash_password(password)
        db.add(user)
        db.commit()
        accounts.delete_account(
            db, user_id=uid, password=password, throttle=throttle, client_ip="ip"
        )
        db.commit()
        for model in (BloodPressure, Glucose, HbA1c, Exercise):
            assert db.exec(select(func.count()).select_from(model)).one() == 0
    engine.dispose()


@pytest.mark.parametrize("kind", sorted(FORMS))
def test_isolation_on_both_databases(database_url: str, kind: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    with Session(engine) as db:
        owner, other = (
            User(login="owner", password_hash="x"),
            User(login="other", password_hash="x"),
        )
        db.add_all([owner, other])
        db.flush()
        assert owner.id is not None
        assert other.id is not None
        prefs = preferences.update_preferences(db, user_id=owner.id, form=PREFS)
        record_id = records.create_record(
            db, user_id=owner.id, kind=kind, form=FORMS[kind], prefs=prefs, now=NOW
        ).id
        with pytest.raises(NotFound):
            records.update_record(db, user_id=other.id, kind=kind, record_id=record_id,
                                  form=FORMS[kind], prefs=prefs, now=NOW)  # fmt: skip
        with pytest.raises(NotFound):
            records.delete_record(db, user_id=other.id, kind=kind, record_id=record_id)
        assert records.list_records(db, user_id=other.id, kind=kind, prefs=prefs).total == 0
        assert records.list_records(db, user_id=owner.id, kind=kind, prefs=prefs).total == 1
    engine.dispose()
