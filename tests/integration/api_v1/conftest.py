"""/api/v1 through the app's own settings (a migrated SQLite, this run's Redis): clients as a
phone app would be, signed in with the password grant."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from healthapp import config, db
from healthapp.api import api
from healthapp.services.auth import accounts

PASSWORD = "tangerine violin 42"


@dataclass
class Client:
    http: TestClient
    login: str
    user_id: int
    access: str = ""
    refresh: str = ""

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token if token is not None else self.access}"}

    def log_in(self) -> dict[str, object]:
        reply = self.http.post(
            "/api/v1/auth/token",
            data={"grant_type": "password", "username": self.login, "password": PASSWORD},
        )
        assert reply.status_code == 200, reply.text
        body = reply.json()
        self.access, self.refresh = body["access_token"], body["refresh_token"]
        return body


@pytest.fixture
def photo_dir(app_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "photos"
    monkeypatch.setenv("PHOTO_DIR", str(folder))
    config.get_settings.cache_clear()
    return folder


@pytest.fixture
def http(photo_dir: Path) -> Iterator[TestClient]:
    with TestClient(api) as client:
        yield client


def make_client(http: TestClient, login: str) -> Client:
    with db.session_scope() as session:
        user = accounts.sign_up(
            session,
            login=login,
            password=PASSWORD,
            password_confirm=PASSWORD,
            language="en",
            min_length=10,
            throttle=None,
            client_ip="",
        )
        user.timezone = "Asia/Seoul"
        assert user.id is not None
        user_id = user.id
    client = Client(http, login, user_id)
    client.log_in()
    return client


@pytest.fixture
def alice(http: TestClient) -> Client:
    return make_client(http, "alice@example.com")


@pytest.fixture
def bob(http: TestClient) -> Client:
    return make_client(http, "bob@example.com")
