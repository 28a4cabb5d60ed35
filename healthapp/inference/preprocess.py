"""Image preprocessing for the food model, exactly as triton_models/README.md specifies:
RGB, short side resized to 256 (bilinear), centre crop 224 x 224, (x - 127) / 128, channels first,
float32. The client does this; Triton receives ready tensors of shape [N, 3, 224, 224]."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

RESIZE_SHORT_SIDE = 256
CROP_SIZE = 224
MEAN = 127.0
SCALE = 128.0
INPUT_SHAPE = (3, CROP_SIZE, CROP_SIZE)


class ImageDecodeError(ValueError):
    """The bytes are not an image Pillow can decode (the photo cannot be analysed, ever)."""


def decode(data: bytes) -> Image.Image:
    """Decode image bytes into an RGB image (fully loaded, so errors surface here)."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            return image.convert("RGB")
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageDecodeError(str(exc)) from exc


def resize_short_side(image: Image.Image, size: int = RESIZE_SHORT_SIDE) -> Image.Image:
    """Scale so the shorter side is `size` pixels, keeping the aspect ratio (bilinear)."""
    width, height = image.size
    if width <= height:
        new_size = (size, max(1, round(height * size / width)))
    else:
        new_size = (max(1, round(width * size / height)), size)
    if new_size == image.size:
        return image
    return image.resize(new_size, Image.Resampling.BILINEAR)


def center_crop(image: Image.Image, size: int = CROP_SIZE) -> Image.Image:
    """The central `size` x `size` square (as torchvision's CenterCrop rounds its offsets)."""
    width, height = image.size
    left = round((width - size) / 2.0)
    top = round((height - size) / 2.0)
    return image.crop((left, top, left + size, top + size))


def to_tensor(image: Image.Image) -> np.ndarray:
    """RGB image -> float32 CHW array, scaled as (x - 127) / 128."""
    array = np.asarray(image.convert("RGB"), dtype=np.float32)
    array = (array - MEAN) / SCALE
    return np.ascontiguousarray(array.transpose(2, 0, 1))


def preprocess(image: Image.Image) -> np.ndarray:
    """One image -> float32 array of shape (3, 224, 224)."""
    return to_tensor(center_crop(resize_short_side(image.convert("RGB"))))


def preprocess_bytes(data: bytes) -> np.ndarray:
    """Encoded image bytes (JPEG, PNG, WebP, ...) -> float32 array of shape (3, 224, 224)."""
    return preprocess(decode(data))


def batch(arrays: list[np.ndarray]) -> np.ndarray:
    """Stack preprocessed images into one [N, 3, 224, 224] batch."""
    return np.stack(arrays).astype(np.float32, copy=False)
