"""The Nightscout-compatible API driven as uploaders drive it: xDrip+'s entry uploads (sgv, mbg)
with the `api-secret` header, `?token=`, Nightscout's `find[...]` filters and `count`,
`entries/current`, treatments (carbs, a BG check in mmol) and `status.json`. Requests are
shaped as Nightscout's API v1 documentation and xDrip+'s NightscoutUploader send them."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.integration.api_v1.conftest import Client

NOW = datetime.now(UTC).replace(microsecond=0)


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def sgv(minutes_ago: int, value: int) -> dict[str, Any]:
    """An entry as xDrip+ uploads it (NightscoutUploader.populateV1APIBGEntry)."""
    at = NOW - timedelta(minutes=minutes_ago)
    return {
        "device": "xDrip-DexcomG6",
        "date": ms(at),
        "dateString": at.isoformat().replace("+00:00", "Z"),
        "sgv": value,
        "delta": -1.5,
        "direction": "Flat",
        "type": "sgv",
        "filtered": value * 1000,
        "unfiltered": value * 1000,
        "rssi": 100,
        "noise": 1,
        "sysTime": at.isoformat().replace("+00:00", "Z"),
    }


def secret_of(client: Client) -> str:
    reply = client.http.post("/api/v1/nightscout-secret", headers=client.headers())
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert body["base_url"].endswith("/nightscout/api/v1/")
    assert f"//{body['secret']}@" in body["base_url"]
    return body["secret"]


def ns_headers(secret: str) -> dict[str, str]:
    return {"api-secret": hashlib.sha1(secret.encode()).hexdigest()}


@pytest.fixture
def secret(alice: Client) -> str:
    return secret_of(alice)


def test_xdrip_uploads_sgv_entries_and_a_resend_is_skipped(alice: Client, secret: str) -> None:
    batch = [sgv(10, 112), sgv(5, 118), sgv(0, 125)]
    reply = alice.http.post("/nightscout/api/v1/entries", json=batch, headers=ns_headers(secret))
    assert reply.status_code == 200, reply.text
    assert [doc["sgv"] for doc in reply.json()] == [112, 118, 125]
    again = alice.http.post("/nightscout/api/v1/entries", json=batch, headers=ns_headers(secret))
    assert again.json() == []  # same time and value: skipped as Nightscout does

    glucose = alice.http.get("/api/v1/glucose", headers=alice.headers()).json()["items"]
    assert [(g["mg_dl"], g["source"], g["timing"]) for g in glucose] == [
        (125, "cgm", "other"),
        (118, "cgm", "other"),
        (112, "cgm", "other"),
    ]
    assert all(g["label"] for g in glucose)  # classified like any reading


def test_entries_read_back_with_count_filters_and_current(alice: Client, secret: str) -> None:
    docs = [sgv(m, v) for m, v in ((30, 95), (20, 160), (10, 210), (0, 140))]
    meter = {
        "device": "xDrip-BluetoothWixel",
        "type": "mbg",
        "mbg": 131,
        "date": ms(NOW - timedelta(minutes=15)),
        "dateString": (NOW - timedelta(minutes=15)).isoformat(),
    }
    alice.http.post(
        "/nightscout/api/v1/entries.json", json=[*docs, meter], headers=ns_headers(secret)
    )
    newest = alice.http.get(
        "/nightscout/api/v1/entries.json", params={"count": 2}, headers=ns_headers(secret)
    ).json()
    assert [(d["type"], d.get("sgv")) for d in newest] == [("sgv", 140), ("sgv", 210)]
    assert newest[0]["date"] == ms(NOW)
    assert newest[0]["dateString"].endswith("Z")

    since = ms(NOW - timedelta(minutes=21))
    high = alice.http.get(
        "/nightscout/api/v1/entries.json",
        headers=ns_headers(secret),
        params={
            "find[date][$gte]": str(since),
            "find[sgv][$gte]": "150",
            "find[type]": "sgv",
            "count": "10",
        },
    ).json()
    assert [d["sgv"] for d in high] == [210, 160]
    sgv_only = alice.http.get(
        "/nightscout/api/v1/entries/sgv.json", params={"count": 10}, headers=ns_headers(secret)
    ).json()
    assert {d["type"] for d in sgv_only} == {"sgv"}
    assert len(sgv_only) == 4
    current = alice.http.get(
        "/nightscout/api/v1/entries/current.json", headers=ns_headers(secret)
    ).json()
    assert [d["sgv"] for d in current] == [140]
    bad = alice.http.get(
        "/nightscout/api/v1/entries.json",
        headers=ns_headers(secret),
        params={"find[date][$where]": "1"},
    )
    assert bad.status_code == 400


def test_a_token_in_the_query_works_and_each_secret_sees_its_own(
    alice: Client, bob: Client, secret: str
) -> None:
    alice.http.post("/nightscout/api/v1/entries", json=[sgv(0, 101)], headers=ns_headers(secret))
    bobs = secret_of(bob)
    assert (
        alice.http.get("/nightscout/api/v1/entries.json", params={"token": secret}).json()[0]["sgv"]
        == 101
    )
    assert bob.http.get("/nightscout/api/v1/entries.json", headers=ns_headers(bobs)).json() == []
    for headers, params in (
        ({}, {}),
        ({"api-secret": "0" * 40}, {}),
        ({}, {"token": "nope"}),
        ({"api-secret": "not-hex"}, {}),
    ):
        reply = alice.http.get("/nightscout/api/v1/entries.json", headers=headers, params=params)
        assert reply.status_code == 401
    rotated = secret_of(alice)  # a new secret replaces the old one
    assert (
        alice.http.get("/nightscout/api/v1/status.json", headers=ns_headers(secret)).status_code
        == 401
    )
    status = alice.http.get("/nightscout/api/v1/status.json", headers=ns_headers(rotated)).json()
    assert status["status"] == "ok"
    assert status["apiEnabled"] is True


def test_an_unreadable_body_is_refused_and_bad_entries_are_named(
    alice: Client, secret: str
) -> None:
    headers = {**ns_headers(secret), "Content-Type": "application/json"}
    assert (
        alice.http.post("/nightscout/api/v1/entries", content=b"{nope", headers=headers).status_code
        == 400
    )
    mixed = [
        sgv(0, 120),
        {"type": "cal", "slope": 1},
        {"type": "sgv", "sgv": 5000, "date": ms(NOW)},
        sgv(-60, 130),
    ]  # a calibration, an impossible value, an hour in the future
    reply = alice.http.post("/nightscout/api/v1/entries", json=mixed, headers=ns_headers(secret))
    assert reply.status_code == 200
    assert [d["sgv"] for d in reply.json()] == [120]
    only_bad = alice.http.post(
        "/nightscout/api/v1/entries", json=mixed[1:3], headers=ns_headers(secret)
    )
    assert only_bad.status_code == 400
    assert [e["index"] for e in only_bad.json()["errors"]] == [0, 1]
    huge = alice.http.post(
        "/nightscout/api/v1/entries", content=b"[" + b" " * (3 << 20) + b"]", headers=headers
    )
    assert huge.status_code == 413


def test_treatments_carbs_become_a_meal_and_a_bg_check_a_meter_reading(
    alice: Client, secret: str
) -> None:
    at = (NOW - timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    docs = [
        {
            "eventType": "Carb Correction",
            "carbs": 30,
            "created_at": at,
            "enteredBy": "xDrip+",
            "notes": "juice",
        },
        {
            "eventType": "BG Check",
            "glucose": 6.1,
            "glucoseType": "Finger",
            "units": "mmol",
            "created_at": at,
            "enteredBy": "xDrip+",
        },
        {"eventType": "Correction Bolus", "insulin": 2.0, "created_at": at},
    ]
    reply = alice.http.post("/nightscout/api/v1/treatments", json=docs, headers=ns_headers(secret))
    assert reply.status_code == 200, reply.text
    assert reply.json()[0]["stored"] == 2
    assert reply.json()[0]["errors"][0]["index"] == 2
    again = alice.http.post(
        "/nightscout/api/v1/treatments", json=docs[:2], headers=ns_headers(secret)
    )
    assert again.json()[0] == {"stored": 0, "duplicates": 2, "errors": []}

    day = (NOW - timedelta(minutes=30)).astimezone(ZoneInfo("Asia/Seoul")).date()  # alice's zone
    report = alice.http.get(
        "/api/v1/reports/daily", headers=alice.headers(), params={"day": day.isoformat()}
    )
    assert report.json()["current"]["nutrition"]["carb_g"] == pytest.approx(30)
    glucose = alice.http.get("/api/v1/glucose", headers=alice.headers()).json()["items"]
    assert [(g["mmol_l"], g["source"]) for g in glucose] == [(6.1, "meter")]
