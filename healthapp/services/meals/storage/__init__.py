"""Private meal-photo storage addressed by random keys: a local folder or an S3 bucket."""

from healthapp.services.meals.storage.base import (
    KEY_RE,
    PhotoNotFound,
    PhotoReadTimeout,
    PhotoStorage,
    get_rendition,
    new_key,
    rendition_keys,
    small_key,
)
from healthapp.services.meals.storage.factory import default_photo_storage, photo_storage_for
from healthapp.services.meals.storage.local import LocalPhotoStorage
from healthapp.services.meals.storage.removal import remove_photos, remove_photos_after_commit

__all__ = [
    "KEY_RE",
    "LocalPhotoStorage",
    "PhotoNotFound",
    "PhotoReadTimeout",
    "PhotoStorage",
    "default_photo_storage",
    "get_rendition",
    "new_key",
    "photo_storage_for",
    "remove_photos",
    "remove_photos_after_commit",
    "rendition_keys",
    "small_key",
]
