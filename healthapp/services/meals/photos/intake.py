"""Photo intake: every uploaded meal photo passes here before it is stored.

`intake_photo` turns untrusted bytes into a clean JPEG, or refuses them with a ValidationError on
the field "photos" whose key names the limit that was hit:

- size first, before anything is parsed (`error.photo_too_large`, `max_mb`);
- the type by content (magic bytes), never by file name or the client's content type: JPEG, PNG
  and WebP only (`error.photo_type`, `types`);
- pixels from the header alone, before any pixel is decoded, so a decompression bomb costs a few
  hundred bytes of parsing (`error.photo_too_many_pixels`, `max_mp`); Pillow's own
  DecompressionBombError/Warning, should they fire first, give the same answer. The global
  `Image.MAX_IMAGE_PIXELS` is never changed;
- anything Pillow cannot decode completely, truncated files included (`error.photo_corrupt`).

Animated PNG and WebP: only the first frame is decoded and kept; the other frames are never
decoded. The kept image is EXIF-rotated, converted to sRGB RGB (palette, alpha, grey, 16-bit and
CMYK included; transparency is flattened onto white), shrunk to fit `max_edge` and re-encoded as
JPEG from bare pixels: no EXIF (GPS included), XMP, ICC profile or comment leaves the server.
From the same pixels comes the photo's small rendition (short side 256 px, inference/compact.py):
what the meal page shows and what the worker sends to the food model, so neither has to decode
and shrink the full photo again.

`intake_and_count` is the upload path with the quotas (`quota.PhotoQuota`): every file sent counts
as an attempt before it is parsed, and only photos that passed intake count as uploads, so a
refused photo uses up the attempts budget but never the person's upload quota.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image, ImageCms, ImageOps

from healthapp.domain.errors import ValidationError
from healthapp.inference.compact import bare_copy, encode_small
from healthapp.services.meals.photos.quota import PhotoQuota

if TYPE_CHECKING:
    from healthapp.config import Settings

log = logging.getLogger(__name__)

FIELD = "photos"
ACCEPTED_TYPES = "JPEG, PNG, WebP"
OUTPUT_CONTENT_TYPE = "image/jpeg"
OUTPUT_EXTENSION = "jpg"
_MB = 1024 * 1024
_FLATTEN_BACKGROUND = (255, 255, 255)
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError)


@dataclass(frozen=True)
class PhotoLimits:
    """What one photo may be. `max_pixels` is width x height as the file declares it."""

    max_bytes: int = 10 * _MB
    max_pixels: int = 40_000_000
    max_edge: int = 2048  # the stored photo fits in max_edge x max_edge
    jpeg_quality: int = 85

    def __post_init__(self) -> None:
        if self.max_bytes < 1 or self.max_pixels < 1 or self.max_edge < 16:
            raise ValueError("photo limits must be positive (max_edge at least 16)")
        if not 1 <= self.jpeg_quality <= 95:
            raise ValueError("jpeg_quality must be within 1..95")

    @classmethod
    def from_settings(cls, settings: Settings) -> PhotoLimits:
        return cls(max_bytes=settings.photo_max_bytes, max_pixels=settings.photo_max_pixels)


@dataclass(frozen=True)
class ProcessedPhoto:
    """A clean photo ready for `PhotoStorage.put(new_key(extension), data, content_type)`, and
    its small rendition (a JPEG, stored under `small_key` of that key)."""

    data: bytes
    content_type: str
    extension: str
    width: int
    height: int
    small: bytes

    @property
    def size(self) -> int:
        return len(self.data)


def _reject(key: str, **params: object) -> ValidationError:
    return ValidationError(key, field=FIELD, **params)


def _too_many_pixels(limits: PhotoLimits) -> ValidationError:
    return _reject("error.photo_too_many_pixels", max_mp=_tidy(limits.max_pixels / 1_000_000))


def _tidy(value: float) -> int | float:
    """10.0 -> 10, 40.5 -> 40.5, 0.00146 -> 0.0015: a limit as a person reads it."""
    rounded = round(value, 1) if value >= 1 else float(f"{value:.2g}")
    return int(rounded) if rounded == int(rounded) else rounded


def sniff_format(data: bytes) -> str | None:
    """The Pillow format name of an accepted image, judged by its first bytes; None otherwise."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def intake_photo(data: bytes, *, limits: PhotoLimits) -> ProcessedPhoto:
    """Check, decode, clean and re-encode one uploaded photo; raise ValidationError if refused."""
    if len(data) > limits.max_bytes:
        raise _reject("error.photo_too_large", max_mb=_tidy(limits.max_bytes / _MB))
    image_format = sniff_format(data)
    if image_format is None:
        raise _reject("error.photo_type", types=ACCEPTED_TYPES)
    try:
        # Lazy: open() reads only the header. Pillow's own bomb guard runs in there too (an
        # error above twice its MAX_IMAGE_PIXELS, a warning above it); both count as too many
        # pixels. The warning is not turned into an error here (that would change the
        # process-wide warning filters); the check below refuses such images anyway whenever
        # max_pixels is at most Pillow's MAX_IMAGE_PIXELS (89.5 MP).
        with Image.open(io.BytesIO(data), formats=[image_format]) as image:
            width, height = image.size
            if width < 1 or height < 1:
                raise _reject("error.photo_corrupt")
            if width * height > limits.max_pixels:
                raise _too_many_pixels(limits)
            return _clean(image, limits)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(limits) from exc
    except _DECODE_ERRORS as exc:  # truncated, corrupt, or a format variant Pillow refuses
        raise _reject("error.photo_corrupt") from exc


def _clean(image: Image.Image, limits: PhotoLimits) -> ProcessedPhoto:
    if image.format == "JPEG":
        # Let the JPEG decoder scale down by 1/2, 1/4 or 1/8 while decoding: less memory and
        # time for big photos; the result is never smaller than the box asked for.
        image.draft("RGB", (limits.max_edge, limits.max_edge))
    image.seek(0)  # animated PNG/WebP: the first frame only
    image.load()  # decodes the whole frame: truncated or corrupt data fails here
    icc_profile = image.info.get("icc_profile")
    try:
        # In place: a copy of an upright 12 MP photo cost 29 ms for nothing.
        ImageOps.exif_transpose(image, in_place=True)
    except _DECODE_ERRORS:  # unreadable EXIF: the pixels are fine, keep them as they are
        log.info("ignoring unreadable EXIF in an uploaded photo")
    rgb = _to_srgb(image, icc_profile)
    if max(rgb.size) > limits.max_edge:
        rgb.thumbnail((limits.max_edge, limits.max_edge), Image.Resampling.LANCZOS)
    bare = bare_copy(rgb)
    out = io.BytesIO()
    # optimize=False: Huffman optimisation made files 2-3.5 % smaller for 2.2-2.7x the encode
    # time (a 2048 px photo: 31 vs 11 ms of the web process's CPU).
    bare.save(out, format="JPEG", quality=limits.jpeg_quality, optimize=False)
    return ProcessedPhoto(
        data=out.getvalue(),
        content_type=OUTPUT_CONTENT_TYPE,
        extension=OUTPUT_EXTENSION,
        width=bare.width,
        height=bare.height,
        small=encode_small(bare),
    )


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """8-bit RGB in sRGB. Alpha is flattened onto white; 16-bit grey is scaled, not clipped."""
    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    elif mode == "F":
        image = image.convert("L")
    elif mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif mode in ("1", "PA"):
        image = image.convert("RGBA" if mode == "PA" else "L")
    if image.mode in ("RGBA", "LA", "RGBa", "La"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, _FLATTEN_BACKGROUND)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if icc_profile and image.mode in ("RGB", "CMYK"):
        converted = _apply_icc(image, icc_profile)
        if converted is not None:
            return converted
    return image if image.mode == "RGB" else image.convert("RGB")


def _apply_icc(image: Image.Image, icc_profile: bytes) -> Image.Image | None:
    """Colours as the embedded profile means them, in sRGB; None when the profile is unusable."""
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        result = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        log.info("ignoring an unusable ICC profile in an uploaded photo")
        return None
    return result


def intake_and_count(
    uploads: Sequence[bytes], *, user_id: int, limits: PhotoLimits, quota: PhotoQuota | None
) -> list[ProcessedPhoto]:
    """The upload path: refuse early when the upload quota cannot take them all, count every
    file as an attempt (both before any decoding work), then intake every photo, then count the
    kept ones as uploads. A photo refused by intake counts as an attempt only."""
    if quota is not None and uploads:
        quota.check(user_id, count=len(uploads))
        quota.count_attempts(user_id, count=len(uploads))
    processed = [intake_photo(data, limits=limits) for data in uploads]
    if quota is not None and processed:
        quota.check_and_count(user_id, count=len(processed))
    return processed
