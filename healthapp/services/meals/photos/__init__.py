"""Photo intake (type, size and pixel limits, decode, strip metadata, re-encode) and the
upload and attempt quotas."""

from healthapp.services.meals.photos.intake import (
    PhotoLimits,
    intake_and_count,
    intake_photo,
    sniff_format,
)
from healthapp.services.meals.photos.quota import PhotoQuota

__all__ = [
    "PhotoLimits",
    "PhotoQuota",
    "intake_and_count",
    "intake_photo",
    "sniff_format",
]
