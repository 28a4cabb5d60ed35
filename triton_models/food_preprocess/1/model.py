"""Triton python-backend model: encoded photo bytes -> float32 [3, 224, 224] for food_classifier.

The steps are those of healthapp/inference/preprocess.py (the stub cannot import the app, so they
are repeated here; tests/integration/test_ensemble.py checks the two paths agree): RGB, short side
256 (bilinear), centre crop 224, (x - 127) / 128, channels first. Pillow and numpy<2 come from the
Triton venv (healthapp/inference/triton_server.py). A row that does not decode gets its own error
response, so one bad photo does not fail the other requests of its batch.
"""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import triton_python_backend_utils as pb_utils
from PIL import Image

RESIZE_SHORT_SIDE = 256
CROP_SIZE = 224
MEAN = 127.0
SCALE = 128.0
# A phone photo is ~12 MP; refuse anything absurd before decoding it (the worker sends 256 px).
MAX_PIXELS = 50_000_000


def _resize_short_side(image: Image.Image, size: int = RESIZE_SHORT_SIDE) -> Image.Image:
    width, height = image.size
    if width <= height:
        new_size = (size, max(1, round(height * size / width)))
    else:
        new_size = (max(1, round(width * size / height)), size)
    if new_size == image.size:
        return image
    return image.resize(new_size, Image.Resampling.BILINEAR)


def _center_crop(image: Image.Image, size: int = CROP_SIZE) -> Image.Image:
    width, height = image.size
    left = round((width - size) / 2.0)
    top = round((height - size) / 2.0)
    return image.crop((left, top, left + size, top + size))


def preprocess(data: bytes) -> np.ndarray:
    """Encoded image -> float32 (3, 224, 224); raises ValueError when it is not an image."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise ValueError(f"image of {opened.width}x{opened.height} pixels is too large")
            if opened.format == "JPEG":
                # DCT scaling: a big JPEG decodes at 1/2..1/8 size, never below the short side.
                opened.draft("RGB", (RESIZE_SHORT_SIDE, RESIZE_SHORT_SIDE))
            opened.load()
            image = opened.convert("RGB")
    except (OSError, Image.DecompressionBombError) as exc:
        raise ValueError(f"not a decodable image: {exc}") from exc
    pixels = np.asarray(_center_crop(_resize_short_side(image)))  # uint8, height x width x 3
    # Two passes into one array instead of four with temporaries; x / 128 and x * (1 / 128) are
    # the same float32 (a power of two), so the tensor is bit for bit the app's.
    out = np.empty((3, *pixels.shape[:2]), dtype=np.float32)
    np.subtract(pixels.transpose(2, 0, 1), np.float32(MEAN), out=out)
    out *= np.float32(1.0 / SCALE)
    return out


class TritonPythonModel:
    """Stateless: nothing to set up beyond the imports."""

    def initialize(self, args: dict[str, str]) -> None:
        pb_utils.Logger.log_info(f"food_preprocess: Pillow {Image.__version__}")

    def execute(self, requests: list[Any]) -> list[Any]:
        responses: list[Any] = []
        for request in requests:
            rows = pb_utils.get_input_tensor_by_name(request, "JPEG").as_numpy().reshape(-1)
            try:
                images = np.stack([preprocess(bytes(row)) for row in rows])
            except ValueError as exc:
                responses.append(
                    pb_utils.InferenceResponse(error=pb_utils.TritonError(f"JPEG: {exc}"))
                )
                continue
            responses.append(
                pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("IMAGE", images)])
            )
        return responses
