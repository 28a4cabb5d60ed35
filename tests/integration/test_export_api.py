"""/api/export/* against a migrated SQLite: each download is the signed-in user's own data, and
whoever is not signed in gets the same empty 401 as from the photo route."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.api import api
from healthapp.models import User
from healthapp.services import preferences, records
from healthapp.services.auth import sessions

FORM = {"measured_at": "2026-11-28T08:00", "systolic": "128", "diastolic": "84"}
REPORT = "/api/export/report?start=2026-11-01&end=2026-11-30"
ROUTES = ("/api/export/csv", "/api/export/fhir", REPORT)


@dataclass
class Tokens:
    alice: str
    bob: str


@pytest.fixture
def tokens(engine: Engine, api_secret: str) -> Tokens:
    """Alice with one blood pressure reading, Bob with none; both signed in."""
    made: dict[str, str] = {}
    with Session(engine) as db:
        for login in ("alice", "bob"):
            user = User(login=login, password_hash="x", timezone="UTC")
            db.add(user)
            db.flush()
            assert user.id is not None
            made[login] = sessions.create_session(
                db, user_id=user.id, secret_key=api_secret, ttl=timedelta(hours=1)
            )
            if login == "alice":
                prefs = preferences.get_preferences(db, user_id=user.id)
                records.create_record(db, user_id=user.id, kind="bp", form=FORM, prefs=prefs)
        db.commit()
    return Tokens(**made)


def get(path: str, token: str | None = None) -> Response:
    headers = {"Cookie": f"{sessions.SESSION_COOKIE}={token}"} if token is not None else {}
    with TestClient(api) as client:
        return client.get(path, headers=headers)


@pytest.mark.parametrize("path", ROUTES)
def test_not_signed_in_is_an_empty_401(tokens: Tokens, path: str) -> None:
    for token in (None, "", "forged-" + "a" * 40, tokens.alice + "x"):
        response = get(path, token)
        assert response.status_code == 401
        assert response.content == b""
        assert response.headers["cache-control"] == "no-store"


def test_a_bad_report_range_is_422_for_a_signed_in_user_only(tokens: Tokens) -> None:
    backwards = "/api/export/report?start=2026-11-30&end=2026-11-01"
    assert get(backwards, tokens.alice).status_code == 422
    assert get(backwards, "forged-" + "a" * 40).status_code == 401


@pytest.mark.parametrize(
    ("start", "end"), [("0001-01-01", "0002-01-01"), ("1899-12-31", "1900-01-30"),
                       ("9999-12-01", "9999-12-31")],
)  # fmt: skip
def test_report_days_outside_what_a_calendar_report_can_hold_are_422(
    tokens: Tokens, start: str, end: str
) -> None:
    # found by tests/integration/api_v1/test_schema.py: local midnight of 0001-01-01 east of
    # UTC is before datetime's range, which was a 500
    response = get(f"/api/export/report?start={start}&end={end}", tokens.alice)
    assert response.status_code == 422
    assert b"1900-01-01" in response.content


def test_each_user_downloads_only_their_own_readings(tokens: Tokens) -> None:
    def observations(token: str) -> list[dict[str, object]]:
        response = get("/api/export/fhir", token)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["content-disposition"].startswith("attachment; ")
        entries = json.loads(response.content)["entry"]
        return [e for e in entries if e["resource"]["resourceType"] == "Observation"]

    assert len(observations(tokens.alice)) == 1
    assert observations(tokens.bob) == []

    response = get("/api/export/csv", tokens.alice)
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert any("128" in archive.read(name).decode() for name in archive.namelist())

    report = get(REPORT, tokens.bob)
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/html")
    assert "script-src" not in report.headers["content-security-policy"]
