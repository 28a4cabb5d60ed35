"""Export, FHIR, report and import on SQLite and PostgreSQL: the same answers on both."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, col, func, select

from healthapp.cli import demo
from healthapp.db import make_engine, migrate
from healthapp.models import BloodPressure, Glucose, HbA1c, User
from healthapp.services import export, importer, preferences
from healthapp.services.export import fhir

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
START = date(2026, 10, 1)


def readings(
    db: Session, user_id: int
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    glucose = db.exec(
        select(Glucose.measured_at, Glucose.mg_dl, Glucose.timing, Glucose.source, Glucose.note)
        .where(Glucose.user_id == user_id)
        .order_by(col(Glucose.measured_at), col(Glucose.mg_dl))
    ).all()
    bp = db.exec(
        select(
            BloodPressure.measured_at,
            BloodPressure.systolic,
            BloodPressure.diastolic,
            BloodPressure.pulse,
            BloodPressure.note,
        )
        .where(BloodPressure.user_id == user_id)
        .order_by(col(BloodPressure.measured_at), col(BloodPressure.systolic))
    ).all()
    return list(glucose), list(bp)


def test_round_trip_fhir_and_report(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    with Session(engine) as db:
        result = demo.generate_demo(
            db, users=2, days=60, seed=11, start=START, password_hash="x", now=NOW
        )
        db.commit()
        source = result.users[1]  # the poorly controlled persona
        prefs = preferences.get_preferences(db, user_id=source.user_id)
        archive = export.export_csv_zip(db, user_id=source.user_id, prefs=prefs, now=NOW)
        with zipfile.ZipFile(io.BytesIO(archive)) as z:
            assert z.read("glucose.csv").startswith(b"\xef\xbb\xbfid,")

        target = User(login="copy", password_hash="x", timezone="Asia/Seoul")
        db.add(target)
        db.flush()
        assert target.id is not None
        target_prefs = preferences.get_preferences(db, user_id=target.id)
        for kind in ("glucose", "bp"):
            preview = importer.preview_import(archive, kind=kind)
            imported = importer.import_readings(
                db,
                user_id=target.id,
                prefs=target_prefs,
                data=archive,
                kind=kind,
                mapping=preview.mapping,
                unit=preview.unit,
                now=NOW,
            )
            assert imported.duplicates == 0
            assert imported.imported > 20
        db.commit()
        assert readings(db, target.id) == readings(db, source.user_id)

        # Importing again adds nothing; a file with one bad row adds nothing either.
        again = importer.import_readings(
            db,
            user_id=target.id,
            prefs=target_prefs,
            data=archive,
            kind="glucose",
            mapping=importer.preview_import(archive, kind="glucose").mapping,
            now=NOW,
        )
        assert (again.imported, again.duplicates) == (0, again.rows)
        bad = b"time,glucose\n2026-11-28 07:00,101\n2026-11-28 08:00,-\n"
        with pytest.raises(importer.ImportInvalid) as caught:
            importer.import_readings(
                db,
                user_id=target.id,
                prefs=target_prefs,
                data=bad,
                kind="glucose",
                mapping={"measured_at": 0, "value": 1},
                now=NOW,
            )
        assert [(e.line, e.field) for e in caught.value.errors] == [(3, "value")]
        db.rollback()
        assert readings(db, target.id) == readings(db, source.user_id)

        bundle = fhir.fhir_bundle(db, user_id=source.user_id, prefs=prefs, now=NOW)
        observations = [
            e for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
        ]
        counts = [
            db.exec(select(func.count()).where(model.user_id == source.user_id)).one()
            for model in (Glucose, BloodPressure, HbA1c)
        ]
        pulses = db.exec(
            select(func.count()).where(
                BloodPressure.user_id == source.user_id, col(BloodPressure.pulse).is_not(None)
            )
        ).one()
        assert len(observations) == sum(counts) + pulses

        # The chart buckets are computed by the database (epoch arithmetic differs per dialect).
        monkeypatch.setattr("healthapp.services.export.charts.MAX_CHART_POINTS", 10)
        page = export.printable_report_html(
            db, user_id=source.user_id, prefs=prefs, start=START, end=NOW.date(), lang="ko", now=NOW
        )
        assert 5 <= page.count('class="dot glucose"') <= 10
        assert 5 <= page.count('class="dot systolic"') <= 10
        assert '<html lang="ko">' in page
    engine.dispose()
