"""/api/session/*: the only responses that set or clear the session cookie, in process with
Starlette's TestClient, real Redis for the hand-off nonces and a migrated SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from healthapp.api import api
from healthapp.api import session as session_api
from healthapp.models import User
from healthapp.services.auth import sessions


@pytest.fixture
def handoffs(redis_client: tuple[redis.Redis, str], api_secret: str) -> Iterator[sessions.Handoffs]:
    client, prefix = redis_client
    made = sessions.Handoffs(client=client, prefix=prefix)
    api.dependency_overrides[session_api.get_handoffs] = lambda: made
    return made


@pytest.fixture
def user_id(engine: Engine) -> int:
    with Session(engine) as db:
        user = User(login="alice", password_hash="x", timezone="UTC")
        db.add(user)
        db.commit()
        assert user.id is not None
        return user.id


def signed_in(engine: Engine, token: str, secret: str) -> int | None:
    with Session(engine) as db:
        return sessions.user_id_for_token(db, token=token, secret_key=secret)


def test_a_claim_sets_an_http_only_strict_cookie_once(
    engine: Engine, api_secret: str, handoffs: sessions.Handoffs, user_id: int
) -> None:
    nonce = handoffs.issue(user_id=user_id, user_agent="test browser")
    client = TestClient(api)
    answer = client.get(
        session_api.CLAIM_PATH, params={"nonce": nonce, "next": "/glucose?x=1"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303
    assert answer.headers["location"] == "/glucose?x=1"
    assert answer.headers["cache-control"] == "no-store"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{sessions.SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    assert "Path=/" in cookie
    assert "Secure" not in cookie  # plain http in development
    token = answer.cookies[sessions.SESSION_COOKIE]
    assert signed_in(engine, token, api_secret) == user_id

    again = TestClient(api).get(
        session_api.CLAIM_PATH, params={"nonce": nonce}, follow_redirects=False
    )
    assert again.headers["location"] == "/login"
    assert "set-cookie" not in again.headers


def test_over_https_the_cookie_is_secure_and_next_stays_local(
    handoffs: sessions.Handoffs, user_id: int
) -> None:
    nonce = handoffs.issue(user_id=user_id)
    answer = TestClient(api, base_url="https://testserver").get(
        session_api.CLAIM_PATH, params={"nonce": nonce, "next": "//evil.example/"},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.headers["location"] == "/"
    assert "Secure" in answer.headers["set-cookie"]


@pytest.mark.parametrize("nonce", ["", "forged", "x" * 500])
def test_an_unknown_nonce_signs_nobody_in(handoffs: sessions.Handoffs, nonce: str) -> None:
    answer = TestClient(api).get(
        session_api.CLAIM_PATH, params={"nonce": nonce}, follow_redirects=False
    )
    assert (answer.status_code, answer.headers["location"]) == (303, "/login")
    assert "set-cookie" not in answer.headers


def test_another_site_cannot_sign_a_browser_in_or_out(
    engine: Engine, api_secret: str, handoffs: sessions.Handoffs, user_id: int
) -> None:
    nonce = handoffs.issue(user_id=user_id)
    cross = {"Sec-Fetch-Site": "cross-site"}
    client = TestClient(api)
    answer = client.get(
        session_api.CLAIM_PATH, params={"nonce": nonce}, headers=cross, follow_redirects=False
    )
    assert "set-cookie" not in answer.headers
    assert handoffs.claim(nonce) is not None  # not used up either

    with Session(engine) as db:
        token = sessions.create_session(
            db, user_id=user_id, secret_key=api_secret, ttl=timedelta(hours=1)
        )
        db.commit()
    client.cookies.set(sessions.SESSION_COOKIE, token)
    answer = client.get(session_api.LOGOUT_PATH, headers=cross, follow_redirects=False)
    assert "set-cookie" not in answer.headers
    assert signed_in(engine, token, api_secret) == user_id


def test_logout_revokes_the_session_and_expires_the_cookie(
    engine: Engine, api_secret: str, handoffs: sessions.Handoffs, user_id: int
) -> None:
    client = TestClient(api)
    nonce = handoffs.issue(user_id=user_id)
    client.get(session_api.CLAIM_PATH, params={"nonce": nonce}, follow_redirects=False)
    token = client.cookies[sessions.SESSION_COOKIE]
    answer = client.get(session_api.LOGOUT_PATH, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/login")
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f'{sessions.SESSION_COOKIE}=""')
    assert "Max-Age=0" in cookie
    assert "HttpOnly" in cookie
    assert signed_in(engine, token, api_secret) is None
    assert client.get("/api/export/csv").status_code == 401
