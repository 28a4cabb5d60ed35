"""Records on SQLite and PostgreSQL: the same service code, the same answers."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
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


def test_diabetes_targets_round_trip_and_judge_the_records(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    with Session(engine) as db:
        user = User(login="dana", password_hash="x")
        db.add(user)
        db.flush()
        assert user.id is not None
        uid = user.id
        form = {**PREFS, "diabetes_status": "type2", "target_pre_meal_low": "4.2",
                "target_pre_meal_high": "7.0", "target_after_meal": "10"}  # fmt: skip
        # Targets are read in the unit the form was shown in: first choose mmol/L, then set them.
        preferences.update_preferences(db, user_id=uid, form=PREFS)
        prefs = preferences.update_preferences(db, user_id=uid, form=form)
        for kind in ("glucose", "hba1c"):
            records.create_record(
                db, user_id=uid, kind=kind, form=FORMS[kind], prefs=prefs, now=NOW
            )
        fasting = {"measured_at": "2026-11-28T07:00", "value": "7.1", "timing": "fasting"}
        records.create_record(db, user_id=uid, kind="glucose", form=fasting, prefs=prefs, now=NOW)
        db.commit()

    with Session(engine) as db:
        prefs = preferences.get_preferences(db, user_id=uid)
        # mmol/L typed, whole mg/dL stored: 4.2 -> 76, 7.0 -> 126, 10 -> 180
        assert (prefs.target_pre_meal_low_mg_dl, prefs.target_pre_meal_high_mg_dl,
                prefs.target_after_meal_mg_dl) == (76, 126, 180)  # fmt: skip
        glucose = records.list_records(db, user_id=uid, kind="glucose", prefs=prefs).rows
        # 7.8 mmol/L after dinner (141 mg/dL): in target, not "prediabetes range";
        # 7.1 fasting (128 mg/dL) is above the person's own 126.
        assert [r["label_key"] for r in glucose] == [
            "clinical.glucose.in_target", "clinical.glucose.above_target"
        ]  # fmt: skip
        hba1c = records.list_records(db, user_id=uid, kind="hba1c", prefs=prefs).rows[0]
        assert hba1c["label_key"] == "clinical.hba1c.target_met"  # 6.8 % under 7 %
        user = db.get(User, uid)
        assert user is not None
        user.diabetes_status = "type3"  # type: ignore[assignment]
        db.add(user)
        with pytest.raises(sa.exc.IntegrityError):
            db.commit()  # the CHECK constraint refuses a status the app does not know
    engine.dispose()
