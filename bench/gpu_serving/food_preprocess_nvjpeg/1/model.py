"""Triton python-backend model (GPU benchmark only): photo bytes (UINT8) -> IMAGE with nvJPEG.

food_preprocess's steps with the decode on the GPU (torchvision.io.decode_jpeg on CUDA): RGB,
short side 256 (bilinear, antialiased; the worker's payloads are 256 already), centre crop 224
with Pillow's rounding, (x - 127) / 128, channels first. The batch goes back to Triton in host
memory (the python backend's default for tensors between models). The batch's photos decode in
one nvJPEG call; a request that does not decode gets its own error response.
"""

from __future__ import annotations

from typing import Any

import torch
import triton_python_backend_utils as pb_utils
from torchvision.io import ImageReadMode, decode_jpeg
from torchvision.transforms.v2 import functional as tvf

SHORT_SIDE, CROP = 256, 224


def _crop(image: torch.Tensor) -> torch.Tensor:
    height, width = image.shape[-2:]
    if min(height, width) != SHORT_SIDE:
        image = tvf.resize(image, [SHORT_SIDE], antialias=True)
        height, width = image.shape[-2:]
    top, left = round((height - CROP) / 2.0), round((width - CROP) / 2.0)
    return image[:, top : top + CROP, left : left + CROP]


class TritonPythonModel:
    def initialize(self, args: dict[str, str]) -> None:
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        pb_utils.Logger.log_info(f"food_preprocess_nvjpeg decodes on {self.device}")

    def execute(self, requests: list[Any]) -> list[Any]:
        # UINT8 [1, length] per request: one photo's bytes (a ragged batch keeps them apart).
        photos = [
            torch.from_numpy(pb_utils.get_input_tensor_by_name(r, "JPEG").as_numpy().reshape(-1))
            for r in requests
        ]
        try:  # one batched nvJPEG call for all of them
            decoded: list[torch.Tensor | str] = list(self._decode(photos))
        except RuntimeError:  # one of them is bad: decode each alone to tell which
            decoded = []
            for photo in photos:
                try:
                    decoded.extend(self._decode([photo]))
                except RuntimeError as exc:
                    decoded.append(f"JPEG: not a decodable JPEG: {exc}")
        good = [image for image in decoded if isinstance(image, torch.Tensor)]
        if good:
            batch = (torch.stack([_crop(image) for image in good]).float() - 127.0) / 128.0
            images = iter(batch.cpu().numpy())
        responses = []
        for item in decoded:
            if isinstance(item, str):
                responses.append(pb_utils.InferenceResponse(error=pb_utils.TritonError(item)))
            else:
                tensor = pb_utils.Tensor("IMAGE", next(images)[None])
                responses.append(pb_utils.InferenceResponse(output_tensors=[tensor]))
        return responses

    def _decode(self, photos: list[torch.Tensor]) -> list[torch.Tensor]:
        return decode_jpeg(photos, mode=ImageReadMode.RGB, device=self.device)
