"""Preprocessing: RGB, short side 256 (bilinear), centre crop 224, (x - 127) / 128, CHW float32."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from healthapp.inference.preprocess import (
    ImageDecodeError,
    batch,
    center_crop,
    decode,
    preprocess,
    preprocess_bytes,
    resize_short_side,
)

PHOTOS = Path(__file__).resolve().parents[2] / "fixtures" / "photos"


def encoded(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((600, 400), (384, 256)),
        ((400, 600), (256, 384)),
        ((100, 100), (256, 256)),
        ((256, 300), (256, 300)),
    ],
)
def test_short_side_becomes_256_keeping_the_aspect_ratio(size, expected) -> None:
    assert resize_short_side(Image.new("RGB", size)).size == expected


def test_crop_is_the_centre_and_values_are_scaled_exactly() -> None:
    # 300 x 256 already has its short side at 256: only the crop acts, so the expected tensor is
    # a plain slice of the pixels, computed here independently.
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, size=(256, 300, 3), dtype=np.uint8)
    tensor = preprocess(Image.fromarray(pixels))
    left, top = round((300 - 224) / 2), round((256 - 224) / 2)
    expected = (pixels[top : top + 224, left : left + 224].astype(np.float32) - 127) / 128
    assert tensor.shape == (3, 224, 224)
    assert tensor.dtype == np.float32
    assert tensor.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(tensor, expected.transpose(2, 0, 1))


@pytest.mark.parametrize(("value", "scaled"), [(0, -127 / 128), (127, 0.0), (255, 1.0)])
def test_constant_images_map_to_known_values(value, scaled) -> None:
    tensor = preprocess(Image.new("RGB", (640, 480), (value, value, value)))
    np.testing.assert_allclose(tensor, scaled, atol=1e-6)


def test_channels_stay_in_rgb_order() -> None:
    tensor = preprocess(Image.new("RGB", (300, 300), (255, 0, 127)))
    np.testing.assert_allclose(tensor[:, 100, 100], [1.0, -127 / 128, 0.0], atol=1e-6)


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "CMYK"])
def test_any_mode_becomes_three_channels(mode) -> None:
    assert preprocess(Image.new(mode, (320, 240))).shape == (3, 224, 224)


def test_center_crop_of_a_portrait_image() -> None:
    image = Image.new("RGB", (256, 384))
    assert center_crop(image).size == (224, 224)


def test_real_photo_bytes_and_batching() -> None:
    one = preprocess_bytes((PHOTOS / "coffee.png").read_bytes())
    two = preprocess_bytes((PHOTOS / "orange.jpg").read_bytes())
    assert one.shape == two.shape == (3, 224, 224)
    assert float(one.min()) >= -1.0
    assert float(one.max()) <= 1.0
    assert batch([one, two]).shape == (2, 3, 224, 224)


def test_webp_and_jpeg_decode() -> None:
    image = Image.new("RGB", (300, 200), (10, 200, 30))
    for fmt in ("WEBP", "JPEG"):
        assert decode(encoded(image, fmt)).mode == "RGB"


def test_garbage_is_a_decode_error() -> None:
    with pytest.raises(ImageDecodeError):
        preprocess_bytes(b"not an image at all")
    truncated = encoded(Image.new("RGB", (300, 300)), "JPEG")[:200]
    with pytest.raises(ImageDecodeError):
        decode(truncated)
