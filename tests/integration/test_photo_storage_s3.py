"""S3PhotoStorage against a real S3-compatible HTTP server: moto's server mode, run here."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("boto3", reason="the `s3` extra (boto3) is not installed")
pytest.importorskip("moto.server", reason="moto[server] is not installed")

import boto3
from sqlalchemy.engine import Engine

from healthapp.services.auth.throttle import LoginThrottle
from healthapp.services.meals.storage import (
    LocalPhotoStorage,
    PhotoNotFound,
    new_key,
    photo_storage_for,
)
from healthapp.services.meals.storage.factory import parse_s3_url
from healthapp.services.meals.storage.s3 import S3PhotoStorage
from tests.accounts import delete_account_with_photos
from tests.conftest import MealPhotoFactory

PORTS = range(19500, 19600)
BUCKET = "meal-photos"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail("no free port in 19500-19599 for the S3 server")


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, **CREDENTIALS}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"moto server did not start on port {port}")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@pytest.fixture
def storage(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> S3PhotoStorage:
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    if BUCKET not in [b["Name"] for b in client.list_buckets()["Buckets"]]:
        client.create_bucket(Bucket=BUCKET)
    return S3PhotoStorage(BUCKET, "/tenant-a/photos/", endpoint_url=s3_endpoint)


def test_put_get_delete_round_trip(storage: S3PhotoStorage) -> None:
    key = new_key("jpg")
    data = b"\xff\xd8\xff" + os.urandom(2000)
    storage.put(key, data, "image/jpeg")
    assert storage.get(key) == data

    head = storage.client.head_object(Bucket=BUCKET, Key=f"tenant-a/photos/{key}")
    assert head["ContentType"] == "image/jpeg"
    assert head["ContentLength"] == len(data)
    acl = storage.client.get_object_acl(Bucket=BUCKET, Key=f"tenant-a/photos/{key}")
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]  # the owner only
    assert "URI" not in acl["Grants"][0]["Grantee"]  # no AllUsers / AuthenticatedUsers

    storage.delete(key)
    with pytest.raises(PhotoNotFound):
        storage.get(key)
    storage.delete(key)  # deleting twice is fine, as on disk


def test_missing_key_is_photo_not_found(storage: S3PhotoStorage) -> None:
    with pytest.raises(PhotoNotFound):
        storage.get(new_key("png"))


@pytest.mark.parametrize("key", ["../secret.jpg", "/etc/passwd", "ab/cd.jpg", "", "ab/../x.jpg"])
def test_keys_that_are_not_ours_never_reach_the_bucket(storage: S3PhotoStorage, key: str) -> None:
    with pytest.raises(PhotoNotFound):
        storage.get(key)
    with pytest.raises(PhotoNotFound):
        storage.put(key, b"x", "image/jpeg")
    with pytest.raises(PhotoNotFound):
        storage.delete(key)


def test_settings_choose_the_storage(
    storage: S3PhotoStorage, s3_endpoint: str, tmp_path: Path
) -> None:
    chosen = photo_storage_for(
        SimpleNamespace(
            photo_storage_url=f"s3://{BUCKET}/from-settings",
            photo_s3_endpoint_url=s3_endpoint,
            photo_dir=tmp_path,
            photo_read_timeout_seconds=7.0,
        )
    )
    assert isinstance(chosen, S3PhotoStorage)
    assert (chosen.bucket, chosen.prefix) == (BUCKET, "from-settings")
    key = new_key("webp")
    chosen.put(key, b"RIFF", "image/webp")
    assert storage.client.get_object(Bucket=BUCKET, Key=f"from-settings/{key}")["Body"].read()

    local = photo_storage_for(
        SimpleNamespace(photo_storage_url="", photo_dir=tmp_path, photo_read_timeout_seconds=7.0)
    )
    assert isinstance(local, LocalPhotoStorage)
    assert local.read_timeout_s == 7.0


def test_deleting_the_account_removes_its_photos_from_the_bucket(
    storage: S3PhotoStorage,
    engine: Engine,
    add_meal_photo: MealPhotoFactory,
    throttle: LoginThrottle,
) -> None:
    before = _objects(storage)
    delete_account_with_photos(engine, storage, add_meal_photo, throttle)
    assert len(_objects(storage) - before) == 2  # bob's two, nothing of alice's


def _objects(storage: S3PhotoStorage) -> set[str]:
    listed = storage.client.list_objects_v2(Bucket=BUCKET, Prefix=storage.prefix)
    return {item["Key"] for item in listed.get("Contents", [])}


def test_parse_s3_url() -> None:
    assert parse_s3_url("s3://bucket") == ("bucket", "")
    assert parse_s3_url("s3://bucket/a/b/") == ("bucket", "a/b")
    for bad in ("http://bucket/x", "s3:///x", "bucket/x", "s3://b/x?acl=public-read"):
        with pytest.raises(ValueError, match="s3://bucket/prefix"):
            parse_s3_url(bad)
