"""Records over /api/v1: each kind created, classified by the same services as the web page,
listed in cursor pages, read, replaced under If-Match, deleted; idempotent creates; another
user's ids are 404, never data."""

from __future__ import annotations

import pytest

from tests.integration.api_v1.conftest import Client

BODIES = {
    "blood-pressure": {
        "measured_at": "2026-11-28T08:00:00+09:00",
        "systolic": 142,
        "diastolic": 91,
        "pulse": 70,
    },
    "glucose": {
        "measured_at": "2026-11-28T07:30:00+09:00",
        "value": 5.5,
        "unit": "mmol/L",
        "timing": "fasting",
    },
    "hba1c": {"measured_on": "2026-11-20", "percent": 6.4},
    "exercise": {
        "started_at": "2026-11-28T18:00:00+09:00",
        "kind": "walking",
        "duration_min": 30,
        "intensity": "moderate",
    },
}
PROBLEM = "application/problem+json"


@pytest.mark.parametrize("path", list(BODIES))
def test_create_read_replace_delete(alice: Client, path: str) -> None:
    url = f"/api/v1/{path}"
    created = alice.http.post(url, json=BODIES[path], headers=alice.headers())
    assert created.status_code == 201, created.text
    item = created.json()
    assert created.headers["location"] == f"{url}/{item['id']}"
    assert item["label"]
    assert item["created_at"]

    read = alice.http.get(f"{url}/{item['id']}", headers=alice.headers())
    assert read.status_code == 200
    assert read.json() == item
    tag = read.headers["etag"]

    changed = {**BODIES[path], "note": "edited"}
    stale = alice.http.put(
        f"{url}/{item['id']}", json=changed, headers={**alice.headers(), "If-Match": '"stale"'}
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"] == PROBLEM
    put = alice.http.put(
        f"{url}/{item['id']}", json=changed, headers={**alice.headers(), "If-Match": tag}
    )
    assert put.status_code == 200, put.text
    assert put.json()["note"] == "edited"
    assert put.headers["etag"] != tag
    again = alice.http.put(
        f"{url}/{item['id']}", json=changed, headers={**alice.headers(), "If-Match": tag}
    )
    assert again.status_code == 412  # the old tag is stale now

    assert alice.http.delete(f"{url}/{item['id']}", headers=alice.headers()).status_code == 204
    assert alice.http.get(f"{url}/{item['id']}", headers=alice.headers()).status_code == 404


def test_the_same_classification_as_the_web_page(alice: Client) -> None:
    bp = alice.http.post(
        "/api/v1/blood-pressure", json=BODIES["blood-pressure"], headers=alice.headers()
    ).json()
    assert (bp["level"], bp["label"]) == ("danger", "clinical.bp.stage2")  # ACC/AHA stage 2
    glucose = alice.http.post(
        "/api/v1/glucose", json=BODIES["glucose"], headers=alice.headers()
    ).json()
    assert glucose["mg_dl"] == pytest.approx(99.088)
    assert glucose["mmol_l"] == 5.5


def test_invalid_fields_are_problem_details_and_nothing_is_stored(alice: Client) -> None:
    bad = {**BODIES["blood-pressure"], "systolic": 80, "diastolic": 90}
    reply = alice.http.post("/api/v1/blood-pressure", json=bad, headers=alice.headers())
    assert reply.status_code == 422
    assert reply.headers["content-type"] == PROBLEM
    assert [(e["field"], e["code"]) for e in reply.json()["errors"]] == [
        ("diastolic", "error.diastolic_not_below_systolic")
    ]
    schema = alice.http.post(
        "/api/v1/glucose", json={"value": "lots", "timing": "fasting"}, headers=alice.headers()
    )
    assert schema.status_code == 422
    assert schema.json()["errors"][0]["field"] == "value"
    future = {**BODIES["glucose"], "measured_at": "2999-01-01T00:00:00Z"}
    late = alice.http.post("/api/v1/glucose", json=future, headers=alice.headers())
    assert late.json()["errors"][0]["code"] == "error.in_future"
    listed = alice.http.get("/api/v1/blood-pressure", headers=alice.headers()).json()
    assert listed["items"] == []


def test_cursor_pages_newest_first_within_local_days(alice: Client) -> None:
    for day in range(1, 6):
        body = {**BODIES["glucose"], "measured_at": f"2026-11-0{day}T23:30:00+09:00"}
        assert (
            alice.http.post("/api/v1/glucose", json=body, headers=alice.headers()).status_code
            == 201
        )
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = alice.http.get("/api/v1/glucose", params=params, headers=alice.headers()).json()
        seen += [item["measured_at"][:10] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    # 23:30 in Seoul is 14:30 UTC the same day: newest first, all five, no repeats
    assert seen == ["2026-11-05", "2026-11-04", "2026-11-03", "2026-11-02", "2026-11-01"]
    window = alice.http.get(
        "/api/v1/glucose",
        params={"start": "2026-11-02", "end": "2026-11-03"},
        headers=alice.headers(),
    ).json()
    assert len(window["items"]) == 2
    forged = alice.http.get(
        "/api/v1/glucose", params={"cursor": "bm90LWpzb24"}, headers=alice.headers()
    )
    assert forged.status_code == 422
    assert forged.json()["errors"][0]["field"] == "cursor"


def test_a_retried_create_makes_one_record(alice: Client) -> None:
    headers = {**alice.headers(), "Idempotency-Key": "phone-7f3a"}
    first = alice.http.post("/api/v1/glucose", json=BODIES["glucose"], headers=headers)
    retry = alice.http.post("/api/v1/glucose", json=BODIES["glucose"], headers=headers)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    other = alice.http.post(
        "/api/v1/glucose", json={**BODIES["glucose"], "value": 6.0}, headers=headers
    )
    assert other.status_code == 422
    assert other.json()["errors"][0]["code"] == "api.idempotency_key_reused"
    listed = alice.http.get("/api/v1/glucose", headers=alice.headers()).json()
    assert len(listed["items"]) == 1


@pytest.mark.parametrize("path", list(BODIES))
def test_another_users_ids_are_404_and_change_nothing(
    alice: Client, bob: Client, path: str
) -> None:
    url = f"/api/v1/{path}"
    item = alice.http.post(url, json=BODIES[path], headers=alice.headers()).json()
    target = f"{url}/{item['id']}"
    assert bob.http.get(target, headers=bob.headers()).status_code == 404
    assert bob.http.put(target, json=BODIES[path], headers=bob.headers()).status_code == 404
    assert bob.http.delete(target, headers=bob.headers()).status_code == 404
    assert bob.http.get(url, headers=bob.headers()).json()["items"] == []
    assert alice.http.get(target, headers=alice.headers()).json() == item


def test_reports_rank_settings_and_foods(alice: Client) -> None:
    alice.http.post("/api/v1/glucose", json=BODIES["glucose"], headers=alice.headers())
    daily = alice.http.get(
        "/api/v1/reports/daily", params={"day": "2026-11-28"}, headers=alice.headers()
    )
    assert daily.status_code == 200, daily.text
    assert daily.json()["current"]["glucose"]["count"] == 1
    weekly = alice.http.get(
        "/api/v1/reports/weekly", params={"week_start": "2026-11-23"}, headers=alice.headers()
    ).json()
    assert (weekly["start"], weekly["end"]) == ("2026-11-23", "2026-11-29")
    ranks = alice.http.get("/api/v1/rank", headers=alice.headers()).json()
    assert {r["metric"] for r in ranks}
    assert all(r["reason"] for r in ranks)

    current = alice.http.get("/api/v1/settings", headers=alice.headers()).json()
    changed = alice.http.put(
        "/api/v1/settings", json={**current, "glucose_unit": "mmol/L"}, headers=alice.headers()
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["glucose_unit"] == "mmol/L"
    bad = alice.http.put(
        "/api/v1/settings", json={**current, "weight_kg": "9000"}, headers=alice.headers()
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "weight_kg"

    found = alice.http.get("/api/v1/foods", params={"q": "kimchi"}, headers=alice.headers())
    assert found.status_code == 200
    assert any("김치" in food["name_ko"] for food in found.json())


def test_a_glucose_reading_names_its_source(alice: Client) -> None:
    url = "/api/v1/glucose"
    cgm = alice.http.post(url, json={**BODIES["glucose"], "source": "cgm"}, headers=alice.headers())
    assert cgm.status_code == 201, cgm.text
    assert cgm.json()["source"] == "cgm"
    meter = alice.http.post(url, json=BODIES["glucose"], headers=alice.headers())
    assert meter.json()["source"] == "meter"
    kept = alice.http.put(f"{url}/{cgm.json()['id']}", json={**BODIES["glucose"], "value": 6.1},
                          headers=alice.headers())  # fmt: skip
    assert kept.json()["source"] == "cgm"
    wrong = alice.http.post(url, json={**BODIES["glucose"], "source": "guess"},
                            headers=alice.headers())  # fmt: skip
    assert wrong.status_code == 422
