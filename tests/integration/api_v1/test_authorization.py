"""The authorisation matrix of /api/v1, from the app's own OpenAPI document (a route added
later is in it): every operation without a token is 401; every operation naming an id, called
by another user with the first user's ids, is 404 and changes nothing; every write with a
read-only token is 403."""

from __future__ import annotations

import json
from typing import Any

import pytest

from healthapp.api.v1 import v1
from tests.integration.api_v1.conftest import Client
from tests.integration.api_v1.test_meals import jpeg
from tests.integration.api_v1.test_records import BODIES

APPLE = jpeg()

OPEN = {("POST", "/auth/token"), ("POST", "/auth/revoke")}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
EXTRA_BODIES: dict[str, Any] = {
    "/tokens": {"name": "matrix", "scopes": "read"},
    "/meals": {"meal_type": "lunch"},
    "/meals/{meal_id}": {"meal_type": "dinner"},
    "/meals/{meal_id}/items": {"food_id": "fndds_coffee_espresso", "grams": 50},
    "/meal-items/{item_id}": {"grams": 50},
    "/photos/{photo_id}/choice": {"food_id": "fndds_coffee_espresso"},
    "/photos/{photo_id}/food": {"food_id": "fndds_coffee_espresso", "grams": 60},
}
# Bodies that are files (multipart/form-data), not JSON.
FILES = {"/meals/{meal_id}/photos": [("photos", ("a.jpg", APPLE, "image/jpeg"))]}
NO_BODY = {"/nightscout-secret", "/meal-items/{item_id}/confirm", "/analysis-jobs/{job_id}/retry"}
# Which of the victim's ids each path parameter names.
PARAMS = {"meal_id": "meals", "item_id": "meal-items", "job_id": "analysis-jobs",
          "photo_id": "photos", "token_id": "tokens"}  # fmt: skip


def operations() -> list[tuple[str, str]]:
    return sorted(
        (method.upper(), path)
        for path, item in v1.openapi()["paths"].items()
        for method in item
        if (method.upper(), path) not in OPEN
    )


def body_for(method: str, path: str, settings: dict[str, str]) -> dict[str, Any]:
    """The request's body as httpx keywords: `json=...` or `files=...`."""
    if method not in {"POST", "PUT", "PATCH"} or path in NO_BODY:
        return {}
    if path in FILES:
        return {"files": FILES[path]}
    resource = path.strip("/").split("/")[0]
    if path == "/settings":
        return {"json": settings}
    body = EXTRA_BODIES.get(path, BODIES.get(resource))
    if body is None:
        pytest.fail(f"{method} {path}: add a valid body to the authorisation matrix")
    return {"json": body}


@pytest.fixture
def victim(alice: Client) -> dict[str, int]:
    """Alice's ids: one record of each kind, a meal with a photo, its job and a food, and one
    token."""
    ids = {}
    for resource, body in BODIES.items():
        reply = alice.http.post(f"/api/v1/{resource}", json=body, headers=alice.headers())
        ids[resource] = reply.json()["id"]
    meal = alice.http.post("/api/v1/meals", data={"meal_type": "lunch"}, headers=alice.headers(),
                           files=FILES["/meals/{meal_id}/photos"]).json()  # fmt: skip
    item = alice.http.post(f"/api/v1/meals/{meal['id']}/items", headers=alice.headers(),
                           json=EXTRA_BODIES["/meals/{meal_id}/items"]).json()  # fmt: skip
    ids |= {"meals": meal["id"], "meal-items": item["id"], "photos": meal["photos"][0]["id"],
            "analysis-jobs": meal["photos"][0]["job"]["id"]}  # fmt: skip
    token = alice.http.post("/api/v1/tokens", json={"name": "victim's"}, headers=alice.headers())
    ids["tokens"] = token.json()["id"]
    return ids


def url(path: str, victim: dict[str, int]) -> str:
    resource = path.strip("/").split("/")[0]
    filled = path.replace("{record_id}", str(victim.get(resource, 1)))
    for param, owner in PARAMS.items():
        filled = filled.replace(f"{{{param}}}", str(victim[owner]))
    return "/api/v1" + filled


def snapshot(alice: Client) -> dict[str, Any]:
    return {resource: alice.http.get(f"/api/v1/{resource}", headers=alice.headers()).json()
            for resource in [*BODIES, "meals"]}  # fmt: skip


def test_the_matrix_sees_the_apis_operations() -> None:
    found = set(operations())
    assert {("GET", "/glucose/{record_id}"), ("DELETE", "/tokens/{token_id}"),
            ("PUT", "/settings"), ("GET", "/reports/daily"), ("POST", "/meals/{meal_id}/photos"),
            ("GET", "/photos/{photo_id}"), ("GET", "/exports/fhir")} <= found  # fmt: skip


def test_no_token_is_401_everywhere(alice: Client, victim: dict[str, int]) -> None:
    settings = alice.http.get("/api/v1/settings", headers=alice.headers()).json()
    for method, path in operations():
        body = body_for(method, path, settings)
        reply = alice.http.request(method, url(path, victim), **body)
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
                                 **body_for(method, path, settings))  # fmt: skip
        assert reply.status_code == 404, f"{method} {path}: {reply.status_code} {reply.text}"
        assert reply.headers["content-type"] == "application/problem+json"
        assert json.loads(reply.text)["type"].endswith("/not-found"), reply.text
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
                                   **body_for(method, path, settings))  # fmt: skip
        assert reply.status_code == 403, f"{method} {path}: {reply.status_code} {reply.text}"
    assert snapshot(alice) == before
