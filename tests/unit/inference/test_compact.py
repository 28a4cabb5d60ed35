"""The worker's small JPEG for the ensemble: short side 256, no metadata, cheap for big JPEGs."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from healthapp.inference.compact import DRAFT_SIDE, compact_jpeg, decode_reduced
from healthapp.inference.preprocess import ImageDecodeError, preprocess, preprocess_bytes

PHOTOS = Path(__file__).resolve().parents[2] / "fixtures" / "photos"


def encoded(image: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def gradient(width: int, height: int) -> Image.Image:
    x = np.linspace(0, 255, width, dtype=np.float32)[np.newaxis, :]
    y = np.linspace(0, 255, height, dtype=np.float32)[:, np.newaxis]
    rgb = np.stack([x + 0 * y, y + 0 * x, (x + y) / 2], axis=-1).astype(np.uint8)
    return Image.fromarray(rgb)


@pytest.mark.parametrize(
    ("size", "expected"),
    [((4032, 3024), (341, 256)), ((3024, 4032), (256, 341)), ((300, 200), (384, 256))],
)
def test_the_short_side_becomes_256(size: tuple[int, int], expected: tuple[int, int]) -> None:
    small = Image.open(io.BytesIO(compact_jpeg(encoded(gradient(*size)))))
    assert small.format == "JPEG"
    assert small.mode == "RGB"
    assert small.size == expected


def test_no_exif_icc_or_comment_is_kept() -> None:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation
    photo = encoded(gradient(800, 600), exif=exif.tobytes(), icc_profile=b"\0" * 200, comment=b"hi")
    assert Image.open(io.BytesIO(photo)).getexif()
    small = Image.open(io.BytesIO(compact_jpeg(photo)))
    assert not small.getexif()
    assert "icc_profile" not in small.info
    assert "comment" not in small.info
    assert "exif" not in small.info


def test_a_big_jpeg_is_decoded_at_reduced_scale_but_not_below_twice_the_target() -> None:
    image = decode_reduced(encoded(gradient(4032, 3024)))
    assert image.size == (1008, 756)  # 1/4 scale; 1/8 would be 504 x 378, short of 512
    assert min(image.size) >= DRAFT_SIDE
    # A PNG and a small JPEG are decoded as they are.
    assert decode_reduced(encoded(gradient(600, 400), "PNG")).size == (600, 400)
    assert decode_reduced(encoded(gradient(512, 512))).size == (512, 512)


def test_grayscale_and_alpha_photos_become_rgb() -> None:
    for image in (gradient(300, 300).convert("L"), gradient(300, 300).convert("RGBA")):
        fmt = "PNG" if image.mode == "RGBA" else "JPEG"
        assert Image.open(io.BytesIO(compact_jpeg(encoded(image, fmt)))).mode == "RGB"


def test_far_fewer_bytes_and_close_to_the_tensor_path() -> None:
    for path in sorted(PHOTOS.glob("*.*g")):
        data = path.read_bytes()
        small = compact_jpeg(data)
        assert len(small) < 602_112 / 8  # the float32 tensor is 3 * 224 * 224 * 4 bytes
        # Pixel values after preprocessing, in units of (x - 127) / 128: JPEG q95 keeps them
        # within a few grey levels on average.
        diff = np.abs(preprocess_bytes(small) - preprocess_bytes(data))
        assert float(diff.mean()) < 4 / 128, path.name


def test_what_is_not_an_image_is_a_decode_error() -> None:
    with pytest.raises(ImageDecodeError):
        compact_jpeg(b"not an image at all")
    with pytest.raises(ImageDecodeError):
        compact_jpeg(encoded(gradient(64, 64))[:100])


def test_the_reduced_decode_preprocesses_like_a_full_one() -> None:
    data = encoded(gradient(2048, 1536), quality=95)
    full = preprocess_bytes(data)
    reduced = preprocess(decode_reduced(data))
    assert reduced.shape == full.shape
    assert float(np.abs(reduced - full).mean()) < 2 / 128
