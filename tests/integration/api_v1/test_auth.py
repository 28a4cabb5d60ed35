"""Tokens of /api/v1: the password grant (throttled), rotation on every refresh, reuse that
revokes the family, log-out, expiry, key rotation, password change, and personal access
tokens with scopes."""

from __future__ import annotations

import base64
import json
import time

import pytest
from fastapi.testclient import TestClient

from healthapp import db
from healthapp.models import PersonalAccessToken
from healthapp.services.auth import accounts, api_tokens
from healthapp.services.auth.api_tokens import SigningKeys
from tests.integration.api_v1.conftest import PASSWORD, Client

GLUCOSE = "/api/v1/glucose"
READING = {"measured_at": "2026-11-28T07:30:00+09:00", "value": 101, "timing": "fasting"}


def refresh(client: Client, token: str) -> tuple[int, dict[str, object]]:
    reply = client.http.post(
        "/api/v1/auth/token", data={"grant_type": "refresh_token", "refresh_token": token}
    )
    return reply.status_code, reply.json()


def status(client: Client, token: str) -> int:
    return client.http.get(GLUCOSE, headers=client.headers(token)).status_code


def test_a_log_in_gives_tokens_and_a_wrong_password_a_problem(alice: Client) -> None:
    assert status(alice, alice.access) == 200
    wrong = alice.http.post(
        "/api/v1/auth/token",
        data={"grant_type": "password", "username": alice.login, "password": "nope nope nope"},
    )
    assert wrong.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    assert "access_token" not in wrong.text
    for token in ("", "garbage", alice.access + "x", "hap_" + "a" * 43):
        reply = alice.http.get(GLUCOSE, headers=alice.headers(token))
        assert reply.status_code == 401, token
        assert reply.headers["www-authenticate"].startswith("Bearer")
    assert alice.http.get(GLUCOSE).status_code == 401


def test_the_password_grant_is_throttled(alice: Client) -> None:
    codes = [
        alice.http.post(
            "/api/v1/auth/token",
            data={"grant_type": "password", "username": alice.login, "password": f"wrong {i}"},
        ).status_code
        for i in range(7)
    ]
    assert codes[:5] == [401] * 5
    assert codes[-1] == 429


def test_refresh_rotates_and_reuse_revokes_the_family(alice: Client) -> None:
    first_access, first_refresh = alice.access, alice.refresh
    code, pair = refresh(alice, first_refresh)
    assert code == 200
    assert pair["refresh_token"] != first_refresh
    second_access, second_refresh = str(pair["access_token"]), str(pair["refresh_token"])
    assert status(alice, second_access) == 200
    assert status(alice, first_access) == 200  # same family, still within its lifetime

    code, _ = refresh(alice, first_refresh)  # a stolen copy of the spent token
    assert code == 401
    assert refresh(alice, second_refresh)[0] == 401  # the whole family is gone
    assert status(alice, second_access) == 401
    assert status(alice, first_access) == 401


def test_revoking_a_refresh_token_logs_out_that_log_in_only(alice: Client) -> None:
    other = Client(alice.http, alice.login, alice.user_id)
    other.log_in()
    reply = alice.http.post("/api/v1/auth/revoke", data={"token": alice.refresh})
    assert reply.status_code == 200
    assert status(alice, alice.access) == 401
    assert refresh(alice, alice.refresh)[0] == 401
    assert status(other, other.access) == 200
    assert alice.http.post("/api/v1/auth/revoke", data={"token": "unknown"}).status_code == 200


def test_an_expired_or_foreign_key_access_token_is_refused(alice: Client, app_env: str) -> None:
    policy = api_tokens.default_token_policy()
    family = str(_claims(alice.access)["fam"])
    now = int(time.time())
    claims = {
        "iss": "healthapp",
        "sub": str(alice.user_id),
        "iat": now - 3600,
        "exp": now - 60,
        "fam": family,
        "scope": "read write",
    }
    assert status(alice, policy.keys.sign(claims)) == 401
    live = {**claims, "exp": now + 600}
    assert status(alice, policy.keys.sign(live)) == 200
    stranger = SigningKeys.parse("k9:" + "z" * 40, secret_key=app_env)
    assert status(alice, stranger.sign(live)) == 401
    other_user = {**live, "sub": str(alice.user_id + 1)}  # a signed token naming another id
    assert status(alice, policy.keys.sign(other_user)) == 401  # the family is not theirs


def test_a_rotated_key_still_verifies_its_tokens(
    monkeypatch: pytest.MonkeyPatch, alice: Client, app_env: str
) -> None:
    from healthapp import config

    old = "old:" + "o" * 40
    monkeypatch.setenv("JWT_KEYS", old)
    config.get_settings.cache_clear()
    alice.log_in()
    signed_with_old = alice.access
    monkeypatch.setenv("JWT_KEYS", f"new:{'n' * 40},{old}")
    config.get_settings.cache_clear()
    assert status(alice, signed_with_old) == 200
    alice.log_in()
    assert _header(alice.access)["kid"] == "new"
    monkeypatch.setenv("JWT_KEYS", f"new:{'n' * 40}")  # the old key retired
    config.get_settings.cache_clear()
    assert status(alice, signed_with_old) == 401
    assert status(alice, alice.access) == 200


def test_a_password_change_revokes_every_token(alice: Client, throttle: object) -> None:
    pat = alice.http.post(
        "/api/v1/tokens", json={"name": "uploader", "scopes": "read write"}, headers=alice.headers()
    ).json()["token"]
    assert status(alice, pat) == 200
    with db.session_scope() as session:
        accounts.change_password(
            session,
            user_id=alice.user_id,
            current_password=PASSWORD,
            new_password="marmalade piano 91",
            new_password_confirm="marmalade piano 91",
            min_length=10,
            throttle=throttle,
            client_ip="",
        )  # type: ignore[arg-type]
    assert status(alice, alice.access) == 401
    assert status(alice, pat) == 401
    assert refresh(alice, alice.refresh)[0] == 401


def test_personal_access_tokens_with_scopes(alice: Client, bob: Client) -> None:
    made = alice.http.post(
        "/api/v1/tokens", json={"name": "CGM uploader", "scopes": "read"}, headers=alice.headers()
    )
    assert made.status_code == 201
    assert made.headers["cache-control"] == "no-store"
    body = made.json()
    token = body["token"]
    assert token.startswith("hap_")
    assert body["hint"] == token[:10]
    listed = alice.http.get("/api/v1/tokens", headers=alice.headers()).json()
    assert [(t["name"], t["scopes"]) for t in listed] == [("CGM uploader", "read")]
    assert "token" not in listed[0]
    assert listed[0]["last_used_at"] is None
    with db.session_scope() as session:
        stored = session.get(PersonalAccessToken, body["id"])
        assert stored is not None
        assert token not in stored.token_hash

    assert status(alice, token) == 200
    write = alice.http.post(GLUCOSE, json=READING, headers=alice.headers(token))
    assert write.status_code == 403  # read scope only
    assert (
        alice.http.post(
            "/api/v1/tokens", json={"name": "more"}, headers=alice.headers(token)
        ).status_code
        == 403
    )
    used = alice.http.get("/api/v1/tokens", headers=alice.headers()).json()
    assert used[0]["last_used_at"] is not None

    duplicate = alice.http.post(
        "/api/v1/tokens", json={"name": "CGM uploader"}, headers=alice.headers()
    )
    assert duplicate.json()["errors"][0]["code"] == "api.token_name_taken"
    assert bob.http.delete(f"/api/v1/tokens/{body['id']}", headers=bob.headers()).status_code == 404
    assert status(alice, token) == 200
    assert (
        alice.http.delete(f"/api/v1/tokens/{body['id']}", headers=alice.headers()).status_code
        == 204
    )
    assert status(alice, token) == 401


def test_each_token_has_its_own_rate_limit(
    monkeypatch: pytest.MonkeyPatch, alice: Client, bob: Client
) -> None:
    from healthapp import config

    monkeypatch.setenv("API_REQUESTS_PER_MINUTE", "3")
    config.get_settings.cache_clear()
    codes = [status(alice, alice.access) for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = alice.http.get(GLUCOSE, headers=alice.headers())
    assert int(limited.headers["retry-after"]) >= 1
    assert status(bob, bob.access) == 200  # another token, another budget


def test_the_openapi_document_and_docs_are_served(http: TestClient) -> None:
    document = http.get("/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert {"/auth/token", "/glucose", "/glucose/{record_id}", "/tokens"} <= set(document["paths"])
    docs = http.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "/api/v1/docs/static/swagger-ui-bundle.js" in docs.text
    assert http.get("/api/v1/docs/static/swagger-ui-bundle.js").status_code == 200


def _segment(token: str, index: int) -> dict[str, object]:
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _claims(token: str) -> dict[str, object]:
    return _segment(token, 1)


def _header(token: str) -> dict[str, object]:
    return _segment(token, 0)


def test_a_body_from_an_unknown_token_is_refused_before_it_is_read(alice: Client) -> None:
    for token in ("forged", alice.access + "x", "hap_" + "b" * 43):
        reply = alice.http.post(
            GLUCOSE,
            content=b"{not even json",
            headers={**alice.headers(token), "Content-Type": "application/json"},
        )
        assert reply.status_code == 401  # not 400/422: the body was never parsed
        assert reply.headers["content-type"] == "application/problem+json"
