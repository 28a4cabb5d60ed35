"""The authorisation matrix of /api/v1, from the app's own OpenAPI document (a route added
later is in it): every operation without a token is 401; every operation naming an id, called
by another user with the first user's ids, is 404 and changes nothing; every write with a
read-only token is 403."""

from __future__ import annotations

from typing import Any

import pytest

from healthapp.api.v1 import v1
from tests.integration.api_v1.conftest import Client
from tests.integration.api_v1.test_records import BODIES

OPEN = {("POST", "/auth/token"), ("POST", "/auth/revoke")}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
EXTRA_BODIES: dict[str, Any] = {"/tokens": {"name": "matrix", "scopes": "read"}}


def operations() -> list[tuple[str, str]]:
    return sorted(
        (method.upper(), path)
        for path, item in v1.openapi()["paths"].items()
        for method in item
        if (method.upper(), path) not in OPEN
    )


def body_for(method: str, path: str, settings: dict[str, str]) -> Any:
    if method not in {"POST", "PUT", "PATCH"}:
        return None
    resource = path.strip("/").split("/")[0]
    if path == "/settings":
        return settings
    body = BODIES.get(resource, EXTRA_BODIES.get(path))
    if body is None and path != "/nightscout-secret":
        pytest.fail(f"{method} {path}: add a valid body to the authorisation matrix")
    return body


@pytest.fixture
def victim(alice: Client) -> dict[str, int]:
    """Alice's ids: one record of each kind, and one token."""
    ids = {}
    for resource, body in BODIES.items():
        reply = alice.http.post(f"/api/v1/{resource}", json=body, headers=alice.headers())
        ids[resource] = reply.json()["id"]
    token = alice.http.post("/api/v1/tokens", json={"name": "victim's"}, headers=alice.headers())
    ids["tokens"] = token.json()["id"]
    return ids


def url(path: str, victim: dict[str, int]) -> str:
    resource = path.strip("/").split("/")[0]
    return "/api/v1" + path.replace("{record_id}", str(victim.get(resource, 1))).replace(
        "{token_id}", str(victim.get(resource, 1)))  # fmt: skip


def snapshot(alice: Client) -> dict[str, Any]:
    return {resource: alice.http.get(f"/api/v1/{resource}", headers=alice.headers()).json()
            for resource in BODIES}  # fmt: skip


def test_the_matrix_sees_the_apis_operations() -> None:
    found = set(operations())
    assert {("GET", "/glucose/{record_id}"), ("DELETE", "/tokens/{token_id}"),
            ("PUT", "/settings"), ("GET", "/reports/daily")} <= found  # fmt: skip


def test_no_token_is_401_everywhere(alice: Client, victim: dict[str, int]) -> None:
    settings = alice.http.get("/api/v1/settings", headers=alice.headers()).json()
    for method, path in operations():
        body = body_for(method, path, settings)
        reply = alice.http.request(method, url(path, victim), json=body)
        assert reply.status_code == 401, f"{method} {path}"


def test_another_users_ids_are_404_and_change_nothing(
    alice: Client, bob: Client, victim: dict[str, int]
) -> None:
    settings = bob.http.get("/api/v1/settings", headers=bob.headers()).json()
    before = snapshot(alice)
    for method, path in operations():
        if "{" not in path:
            continue
        reply = bob.http.request(method, url(path, victim), headers=bob.headers(),
                                 json=body_for(method, path, settings))  # fmt: skip
        assert reply.status_code == 404, f"{method} {path}: {reply.status_code} {reply.text}"
        assert str(victim[path.strip("/").split("/")[0]]) not in reply.text.replace(
            reply.url.path, "")  # fmt: skip
    assert snapshot(alice) == before
    tokens = alice.http.get("/api/v1/tokens", headers=alice.headers()).json()
    assert [t["id"] for t in tokens] == [victim["tokens"]]


def test_a_read_only_token_cannot_write(alice: Client, victim: dict[str, int]) -> None:
    settings = alice.http.get("/api/v1/settings", headers=alice.headers()).json()
    read_only = alice.http.post("/api/v1/tokens", json={"name": "reader", "scopes": "read"},
                                headers=alice.headers()).json()["token"]  # fmt: skip
    before = snapshot(alice)
    for method, path in operations():
        if method not in WRITES:
            continue
        reply = alice.http.request(method, url(path, victim), headers=alice.headers(read_only),
                                   json=body_for(method, path, settings))  # fmt: skip
        assert reply.status_code == 403, f"{method} {path}: {reply.status_code} {reply.text}"
    assert snapshot(alice) == before
