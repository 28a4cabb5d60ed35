"""The photo store the settings name: an S3 bucket for an s3:// PHOTO_STORAGE_URL, else the
private photo_dir. boto3 is imported only in the first case."""

from __future__ import annotations

from urllib.parse import urlsplit

from healthapp.config import Settings, get_settings
from healthapp.services.meals.storage.base import PhotoStorage
from healthapp.services.meals.storage.local import LocalPhotoStorage


def parse_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` -> ("bucket", "some/prefix")."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"PHOTO_STORAGE_URL must look like s3://bucket/prefix, not {url!r}")
    return parts.netloc, parts.path.strip("/")


def photo_storage_for(settings: Settings) -> PhotoStorage:
    """The storage the settings name: S3 for an s3:// PHOTO_STORAGE_URL, else photo_dir."""
    url = settings.photo_storage_url
    if url:
        bucket, prefix = parse_s3_url(url)
        endpoint = settings.photo_s3_endpoint_url or None
        from healthapp.services.meals.storage.s3 import S3PhotoStorage

        return S3PhotoStorage(
            bucket,
            prefix,
            endpoint_url=endpoint,
            read_timeout_s=settings.photo_read_timeout_seconds,
        )
    assert settings.photo_dir is not None
    return LocalPhotoStorage(settings.photo_dir, read_timeout_s=settings.photo_read_timeout_seconds)


def default_photo_storage() -> PhotoStorage:
    return photo_storage_for(get_settings())
