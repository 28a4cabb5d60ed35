"""Meal photos in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW, Garage, ...).

Chosen by `PHOTO_STORAGE_URL=s3://bucket/optional/prefix`. Credentials and region come from
boto3's standard chain (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_DEFAULT_REGION, AWS_PROFILE, instance roles); never from the settings file. The endpoint is
`PHOTO_S3_ENDPOINT_URL` when set, otherwise boto3's own (AWS_ENDPOINT_URL_S3 /
AWS_ENDPOINT_URL, else AWS). Objects are written without any ACL, so they stay as private as
the bucket: keep the bucket's public access blocked. Photos reach their owner only through the
authenticated photo route, which reads them here.

boto3 is the optional extra `s3` (`pip install healthapp[s3]`); it is imported only when an S3
URL is configured.
"""

from __future__ import annotations

from typing import Any

from healthapp.services.meals.storage.base import PhotoNotFound, checked_key

_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


class S3PhotoStorage:
    """PhotoStorage on one bucket, every key under `prefix`."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region_name: str | None = None,
        read_timeout_s: float = 30.0,
        client: Any = None,
    ) -> None:
        if not bucket:
            raise ValueError("an S3 photo storage needs a bucket name")
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.Session().client(
                "s3",
                endpoint_url=endpoint_url or None,
                region_name=region_name or None,
                # read_timeout bounds each socket read, not the whole body: the worker also
                # gives a photo read PHOTO_READ_TIMEOUT_SECONDS in all.
                config=Config(
                    connect_timeout=5,
                    read_timeout=read_timeout_s,
                    retries={"max_attempts": 3, "mode": "standard"},
                ),
            )
        self.client = client

    def _object_key(self, key: str) -> str:
        checked = checked_key(key)  # the same random-key rule as on disk: no client paths
        return f"{self.prefix}/{checked}" if self.prefix else checked

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._object_key(key),
            Body=data,
            ContentType=content_type,
            CacheControl="private, no-transform",
        )

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._object_key(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING_CODES:
                raise PhotoNotFound(key) from exc
            raise
        body = response["Body"]
        try:
            return body.read()
        finally:
            body.close()

    def delete(self, key: str) -> None:
        # S3 answers success for a key that is not there, like LocalPhotoStorage's missing_ok.
        self.client.delete_object(Bucket=self.bucket, Key=self._object_key(key))
