"""Photo intake (type, size and pixel limits, decode, strip metadata, re-encode) and the
upload quota."""

from healthapp.services.meals.photos.intake import (
    PhotoLimits,
    PhotoQuota,
    intake_and_count,
    intake_photo,
    sniff_format,
)

__all__ = [
    "PhotoLimits",
    "PhotoQuota",
    "intake_and_count",
    "intake_photo",
    "sniff_format",
]
