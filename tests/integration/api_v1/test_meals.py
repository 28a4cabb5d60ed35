"""Meals over /api/v1 on the real stack (migrated SQLite, this run's Redis, photos on disk):
a meal logged with photos as multipart goes through the web page's intake and lands on the
job queue; the model's estimate is confirmed or corrected; retries with an Idempotency-Key
make one meal; refusals are specific and keep nothing; exports are the person's own."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import select

from healthapp import config, db
from healthapp.api import api
from healthapp.api.upload_limits import UploadLimits
from healthapp.job_queue import JobQueue
from healthapp.models import AnalysisJob, Meal, MealPhoto
from healthapp.redis_client import get_redis
from healthapp.services import analysis
from healthapp.services.analysis.recognition import labels, predict
from tests.integration.api_v1.conftest import Client

PHOTOS = Path(__file__).parents[2] / "fixtures" / "photos"
PROBLEM = "application/problem+json"
LUNCH = {"eaten_at": "2026-11-28T12:30:00+09:00", "meal_type": "lunch", "note": "canteen"}


def jpeg(name: str = "apple.jpg") -> bytes:
    return (PHOTOS / name).read_bytes()


def post_meal(client: Client, photos: list[bytes], key: str | None = None,
              fields: dict[str, str] = LUNCH) -> object:  # fmt: skip
    headers = client.headers() | ({"Idempotency-Key": key} if key else {})
    files = [("photos", (f"p{i}.jpg", data, "image/jpeg")) for i, data in enumerate(photos)]
    return client.http.post("/api/v1/meals", data=fields, files=files, headers=headers)


def finish(job_id: int, label: str, embedding: list[float] | None = None, **others: float) -> None:
    """The worker's last step, as if the model saw `label` (one of the ImageNet classes) at
    0.97, or at what `others` leave of it (label=probability, spaces as underscores), with the
    photo's `embedding`."""
    scores = np.zeros(len(labels()), dtype=np.float32)
    for name, value in others.items():
        scores[labels().index(name.replace("_", " "))] = value
    scores[labels().index(label)] = 0.97 - sum(others.values())
    prediction = predict(scores)
    prediction.embedding = embedding
    with db.session_scope() as session:
        assert analysis.start_job(session, job_id) is not None
        assert analysis.complete_job(session, job_id, prediction)


def test_a_meal_without_photos_is_json(alice: Client) -> None:
    reply = alice.http.post("/api/v1/meals", json=LUNCH, headers=alice.headers())
    assert reply.status_code == 201, reply.text
    meal = reply.json()
    assert reply.headers["location"] == f"/api/v1/meals/{meal['id']}"
    assert meal["meal_type"] == "lunch"
    assert meal["note"] == "canteen"
    assert meal["eaten_at"].startswith("2026-11-28T03:30:00")
    assert meal["items"] == []
    assert meal["photos"] == []
    assert meal["totals"] == {"kcal": 0, "carb_g": 0, "protein_g": 0, "fat_g": 0}


def test_photos_are_taken_in_queued_analysed_confirmed_and_corrected(alice: Client) -> None:
    reply = post_meal(alice, [jpeg("apple.jpg"), jpeg("orange.jpg")])
    assert reply.status_code == 201, reply.text
    meal = reply.json()
    assert [p["job"]["status"] for p in meal["photos"]] == ["queued", "queued"]
    job_ids = [p["job"]["id"] for p in meal["photos"]]
    stream = JobQueue(get_redis(), config.get_settings().redis_prefix)
    assert stream.length() >= 2

    photo = alice.http.get(meal["photos"][0]["url"], headers=alice.headers())
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["cache-control"] == "no-store"
    assert Image.open(io.BytesIO(photo.content)).getexif() == {}  # the intake re-encoded it
    small = alice.http.get(meal["photos"][0]["small_url"], headers=alice.headers())
    assert small.status_code == 200
    with (
        Image.open(io.BytesIO(small.content)) as thumbnail,
        Image.open(io.BytesIO(photo.content)) as full,
    ):
        assert min(thumbnail.size) == 256 < min(full.size)

    finish(job_ids[0], "Granny Smith apple")
    job = alice.http.get(f"/api/v1/analysis-jobs/{job_ids[0]}", headers=alice.headers()).json()
    assert job["status"] == "done"
    assert job["candidates"][0]["score"] == pytest.approx(0.97)
    assert (job["decision"], job["choices"]) == ("confident", [])
    assert job["confidence"] == pytest.approx(0.97)
    low, high = job["carb_range_g"]
    meal = alice.http.get(f"/api/v1/meals/{meal['id']}", headers=alice.headers()).json()
    (item,) = meal["items"]
    assert item["source"] == "estimate"
    assert item["photo_id"] == meal["photos"][0]["id"]
    assert item["food_id"] == job["candidates"][0]["food_id"]
    assert meal["totals"]["kcal"] == pytest.approx(item["kcal"], abs=0.1)
    assert low < item["carb_g"] < high

    confirmed = alice.http.post(f"/api/v1/meal-items/{item['id']}/confirm",
                                headers=alice.headers())  # fmt: skip
    assert confirmed.status_code == 200
    assert confirmed.json()["source"] == "confirmed"
    tag = confirmed.headers["etag"]
    stale = alice.http.put(f"/api/v1/meal-items/{item['id']}", json={"grams": 250},
                           headers=alice.headers() | {"If-Match": '"old"'})  # fmt: skip
    assert stale.status_code == 412
    corrected = alice.http.put(f"/api/v1/meal-items/{item['id']}", json={"grams": 250},
                               headers=alice.headers() | {"If-Match": tag})  # fmt: skip
    assert corrected.status_code == 200, corrected.text
    body = corrected.json()
    assert body["source"] == "manual"
    assert body["grams"] == 250
    assert body["kcal"] == pytest.approx(item["kcal"] * 250 / item["grams"], rel=0.01)


def test_an_unsure_photo_is_answered_with_one_of_its_choices(alice: Client, bob: Client) -> None:
    meal = post_meal(alice, [jpeg("orange.jpg")]).json()
    job_id, photo_id = meal["photos"][0]["job"]["id"], meal["photos"][0]["id"]
    finish(job_id, "pizza", burrito=0.35, cheeseburger=0.25)  # pizza 0.37: three foods close
    job = alice.http.get(f"/api/v1/analysis-jobs/{job_id}", headers=alice.headers()).json()
    assert (job["decision"], job["error_key"], job["carb_range_g"]) == (
        "choices", "analysis.unsure", None,
    )  # fmt: skip
    offered = [c["food_id"] for c in job["choices"]]
    assert len(offered) == 3
    meal_now = alice.http.get(f"/api/v1/meals/{meal['id']}", headers=alice.headers()).json()
    assert meal_now["items"] == []  # nothing filled in until the person picks
    url = f"/api/v1/photos/{photo_id}/choice"
    other = alice.http.post(url, json={"food_id": "fndds_kimchi"}, headers=alice.headers())
    assert other.status_code == 422
    assert other.json()["errors"][0]["code"] == "error.choice_not_offered"
    assert bob.http.post(url, json={"food_id": offered[1]},
                         headers=bob.headers()).status_code == 404  # fmt: skip
    chosen = alice.http.post(url, json={"food_id": offered[1]}, headers=alice.headers())
    assert chosen.status_code == 200, chosen.text
    assert (chosen.json()["food_id"], chosen.json()["source"]) == (offered[1], "confirmed")


def test_a_named_photo_is_offered_for_the_next_like_it(alice: Client, bob: Client) -> None:
    """A photo the model cannot name is named with PUT /photos/{id}/food; the next photo like it
    (a close embedding) is offered that food with its grams as `personal`, for alice only."""
    dish = np.random.default_rng(5).normal(size=1280).astype(np.float32)
    first = post_meal(alice, [jpeg("orange.jpg")]).json()["photos"][0]
    finish(first["job"]["id"], "tennis ball", embedding=dish.tolist())  # no food: nothing offered
    named = alice.http.put(f"/api/v1/photos/{first['id']}/food",
                           json={"food_id": "fndds_bibimbap_korean", "grams": 420},
                           headers=alice.headers())  # fmt: skip
    assert named.status_code == 200, named.text
    assert (named.json()["source"], named.json()["grams"]) == ("manual", 420)
    bad = alice.http.put(f"/api/v1/photos/{first['id']}/food",
                         json={"food_id": "no_such_food", "grams": 420},
                         headers=alice.headers())  # fmt: skip
    assert bad.status_code == 422

    second = post_meal(alice, [jpeg("orange.jpg")]).json()["photos"][0]
    finish(second["job"]["id"], "tennis ball", embedding=(dish + 0.1).tolist())
    job = alice.http.get(f"/api/v1/analysis-jobs/{second['job']['id']}",
                         headers=alice.headers()).json()  # fmt: skip
    personal = job["personal"]
    assert (personal["food_id"], personal["grams"]) == ("fndds_bibimbap_korean", 420)
    assert personal["similarity"] > 0.9
    chosen = alice.http.post(f"/api/v1/photos/{second['id']}/choice",
                             json={"food_id": "fndds_bibimbap_korean"},
                             headers=alice.headers())  # fmt: skip
    assert (chosen.json()["grams"], chosen.json()["source"]) == (420, "confirmed")

    theirs = post_meal(bob, [jpeg("orange.jpg")]).json()["photos"][0]
    finish(theirs["job"]["id"], "tennis ball", embedding=dish.tolist())
    job = bob.http.get(f"/api/v1/analysis-jobs/{theirs['job']['id']}",
                       headers=bob.headers()).json()  # fmt: skip
    assert job["personal"] is None  # alice's dishes are hers
    assert bob.http.put(f"/api/v1/photos/{first['id']}/food",
                        json={"food_id": "fndds_bibimbap_korean", "grams": 1},
                        headers=bob.headers()).status_code == 404  # fmt: skip


def test_a_food_added_by_hand_and_removed(alice: Client) -> None:
    meal = alice.http.post("/api/v1/meals", json=LUNCH, headers=alice.headers()).json()
    food = alice.http.get("/api/v1/foods", params={"q": "kimchi"}, headers=alice.headers())
    food_id = food.json()[0]["id"]
    added = alice.http.post(f"/api/v1/meals/{meal['id']}/items",
                            json={"food_id": food_id, "grams": 80},
                            headers=alice.headers() | {"Idempotency-Key": "k-1"})  # fmt: skip
    assert added.status_code == 201, added.text
    again = alice.http.post(f"/api/v1/meals/{meal['id']}/items",
                            json={"food_id": food_id, "grams": 80},
                            headers=alice.headers() | {"Idempotency-Key": "k-1"})  # fmt: skip
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == added.json()
    unknown = alice.http.post(f"/api/v1/meals/{meal['id']}/items",
                              json={"food_id": "no_such_food", "grams": 80},
                              headers=alice.headers())  # fmt: skip
    assert unknown.status_code == 422
    (error,) = unknown.json()["errors"]
    assert (error["field"], error["code"]) == ("food_id", "error.food_unknown")
    item_id = added.json()["id"]
    assert alice.http.delete(f"/api/v1/meal-items/{item_id}",
                             headers=alice.headers()).status_code == 204  # fmt: skip
    meal = alice.http.get(f"/api/v1/meals/{meal['id']}", headers=alice.headers()).json()
    assert meal["items"] == []


def test_a_retried_upload_makes_one_meal(alice: Client) -> None:
    first = post_meal(alice, [jpeg()], key="phone-retry-1")
    retry = post_meal(alice, [jpeg()], key="phone-retry-1")  # another multipart boundary
    assert first.status_code == retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    other = post_meal(alice, [jpeg("orange.jpg")], key="phone-retry-1")
    assert other.status_code == 422
    assert other.json()["errors"][0]["code"] == "api.idempotency_key_reused"
    with db.session_scope() as session:
        assert len(session.exec(select(Meal).where(Meal.user_id == alice.user_id)).all()) == 1
        assert len(session.exec(select(MealPhoto)).all()) == 1


def test_refused_photos_keep_nothing(alice: Client, photo_dir: Path) -> None:
    not_a_photo = post_meal(alice, [b"GIF89a" + b"\0" * 100])
    assert not_a_photo.status_code == 422
    assert not_a_photo.headers["content-type"] == PROBLEM
    assert not_a_photo.json()["errors"][0]["code"] == "error.photo_type"
    too_many = post_meal(alice, [jpeg()] * (config.get_settings().upload_max_files + 1))
    assert too_many.status_code == 400
    assert "files" in too_many.json()["title"].lower()
    bad_type = post_meal(alice, [jpeg()], fields={**LUNCH, "meal_type": "brunch"})
    assert bad_type.status_code == 422
    assert bad_type.json()["errors"][0]["field"] == "meal_type"
    text = alice.http.post("/api/v1/meals", content=b"lunch", headers=alice.headers()
                           | {"content-type": "text/plain"})  # fmt: skip
    assert text.status_code == 415
    with db.session_scope() as session:
        assert session.exec(select(Meal)).all() == []
    assert not any(photo_dir.rglob("*.jpg"))


@pytest.fixture
def edge(alice: Client) -> Iterator[TestClient]:
    """The API behind the edge middleware that bounds every body, as the app serves it."""
    with TestClient(UploadLimits(api)) as client:
        yield client


def test_a_photo_over_the_json_limit_is_an_upload(alice: Client, edge: TestClient) -> None:
    """A 3 MB photo passes REQUEST_MAX_BYTES (2 MiB): photo routes take the upload limit."""
    noise = np.random.default_rng(7).integers(0, 255, (1100, 1100, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(noise).save(out, format="PNG")
    assert 2 * 1024 * 1024 < len(out.getvalue()) < config.get_settings().photo_max_bytes
    files = [("photos", ("big.png", out.getvalue(), "image/png"))]
    big = edge.post("/api/v1/meals", data=LUNCH, files=files, headers=alice.headers())
    assert big.status_code == 201, big.text
    as_json = edge.post("/api/v1/glucose", content=b" " * len(out.getvalue()),
                        headers=alice.headers() | {"content-type": "application/json"})  # fmt: skip
    assert as_json.status_code == 413


def test_an_anonymous_upload_is_refused_before_its_body(alice: Client, edge: TestClient) -> None:
    def endless() -> Iterator[bytes]:
        yield b"x" * 65536
        raise AssertionError("the body was read")

    anonymous = edge.post("/api/v1/meals", content=endless(),
                          headers={"content-type": "multipart/form-data; boundary=b"})  # fmt: skip
    assert anonymous.status_code == 401
    declared = {"content-length": str(10**9), "content-type": "multipart/form-data"}
    huge = edge.post("/api/v1/meals", content=endless(), headers=alice.headers() | declared)
    assert huge.status_code == 413
    assert huge.headers["content-type"] == PROBLEM
    assert huge.json()["type"].endswith("/too-large")


def test_photos_added_to_a_meal_and_the_meal_deleted(alice: Client, photo_dir: Path) -> None:
    meal = alice.http.post("/api/v1/meals", json=LUNCH, headers=alice.headers()).json()
    files = [("photos", ("a.jpg", jpeg(), "image/jpeg"))]
    added = alice.http.post(f"/api/v1/meals/{meal['id']}/photos", files=files,
                            headers=alice.headers())  # fmt: skip
    assert added.status_code == 201, added.text
    assert added.json()["id"] == meal["id"]
    assert len(added.json()["photos"]) == 1
    assert added.json()["note"] == "canteen"
    tag = alice.http.get(f"/api/v1/meals/{meal['id']}", headers=alice.headers()).headers["etag"]
    changed = alice.http.put(f"/api/v1/meals/{meal['id']}", json={**LUNCH, "meal_type": "dinner"},
                             headers=alice.headers() | {"If-Match": tag})  # fmt: skip
    assert changed.status_code == 200
    assert changed.json()["meal_type"] == "dinner"
    assert alice.http.delete(f"/api/v1/meals/{meal['id']}", headers=alice.headers()
                             | {"If-Match": tag}).status_code == 412  # fmt: skip
    assert alice.http.delete(f"/api/v1/meals/{meal['id']}",
                             headers=alice.headers()).status_code == 204  # fmt: skip
    assert not any(photo_dir.rglob("*.jpg"))
    with db.session_scope() as session:
        assert session.exec(select(AnalysisJob)).all() == []


def test_photos_for_another_users_meal_are_refused_before_the_body(
    alice: Client, bob: Client
) -> None:
    """bob's body is not even multipart: had it been read first, it would be refused as such."""
    meal = alice.http.post("/api/v1/meals", json=LUNCH, headers=alice.headers()).json()
    garbage = {"Content-Type": "multipart/form-data; boundary=x"}
    for target in (meal["id"], 999_999):
        refused = bob.http.post(f"/api/v1/meals/{target}/photos", content=b"not multipart",
                                headers=bob.headers() | garbage)  # fmt: skip
        assert (refused.status_code, refused.headers["content-type"]) == (404, PROBLEM)
    owner = alice.http.post(f"/api/v1/meals/{meal['id']}/photos", content=b"not multipart",
                            headers=alice.headers() | garbage)  # fmt: skip
    assert owner.status_code in (400, 415, 422), owner.text  # the owner's body is read: refused
    with db.session_scope() as session:
        assert session.exec(select(MealPhoto)).all() == []


def test_meals_list_in_pages_within_days(alice: Client) -> None:
    for day in ("2026-11-26", "2026-11-27", "2026-11-28"):
        for hour in ("08", "12"):
            body = {**LUNCH, "eaten_at": f"{day}T{hour}:00:00+09:00"}
            assert alice.http.post("/api/v1/meals", json=body,
                                   headers=alice.headers()).status_code == 201  # fmt: skip
    seen, cursor = [], None
    while True:
        params = {"start": "2026-11-27", "end": "2026-11-28", "limit": 3}
        reply = alice.http.get("/api/v1/meals", params=params | ({"cursor": cursor} if cursor
                               else {}), headers=alice.headers()).json()  # fmt: skip
        seen += [m["eaten_at"] for m in reply["items"]]
        cursor = reply["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 4
    assert seen == sorted(seen, reverse=True)


def test_exports_are_the_callers_own(alice: Client, bob: Client) -> None:
    glucose = {"measured_at": "2026-11-28T07:30:00+09:00", "value": 133, "timing": "fasting"}
    alice.http.post("/api/v1/glucose", json=glucose, headers=alice.headers())
    zipped = alice.http.get("/api/v1/exports/csv", headers=alice.headers())
    assert zipped.status_code == 200
    assert zipped.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()
    assert any("glucose" in name for name in names)
    fhir = alice.http.get("/api/v1/exports/fhir", headers=alice.headers())
    assert fhir.headers["content-type"] == "application/fhir+json"
    assert "133" in json.dumps(fhir.json())
    assert "133" not in json.dumps(bob.http.get("/api/v1/exports/fhir",
                                                headers=bob.headers()).json())  # fmt: skip
    november = {"start": "2026-11-01", "end": "2026-11-30", "lang": "ko"}
    report = alice.http.get("/api/v1/exports/report", headers=alice.headers(), params=november)
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/html")
    backwards = alice.http.get("/api/v1/exports/report", headers=alice.headers(),
                               params={"start": "2026-11-30", "end": "2026-11-01"})  # fmt: skip
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["code"] == "api.report_range"
