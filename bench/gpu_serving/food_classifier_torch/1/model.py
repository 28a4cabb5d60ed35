"""Triton python-backend model (GPU benchmark only): EfficientNet-Lite0 on PyTorch.

The network and weights are those triton_models/export_food_model.py exports to ONNX (its
FoodClassifier: softmax scores and the pooled embedding), built here from
efficientnet_lite_pytorch without the export script, whose onnx imports need numpy 2: this
stub, like pytriton's others, only works with numpy 1. WEIGHTS names the state dict (the bench
carries it in FP16 to halve the upload) and EXTRA_SYS_PATH the folders holding the packages, as
the stub ignores PYTHONPATH. On CUDA it runs in FP16, channels-last; without a GPU in FP32 on the
CPU (the bench's local smoke run). The dynamic batcher's requests run as one batch.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args: dict[str, str]) -> None:
        config = json.loads(args["model_config"])
        parameters = {k: v["string_value"] for k, v in config.get("parameters", {}).items()}
        sys.path[:0] = [path for path in parameters.get("EXTRA_SYS_PATH", "").split(":") if path]
        self.torch = torch = importlib.import_module("torch")
        efficientnet = importlib.import_module("efficientnet_lite_pytorch")
        net = efficientnet.EfficientNet.from_pretrained(
            "efficientnet-lite0", weights_path=parameters["WEIGHTS"]
        ).eval()
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.dtype = torch.float16 if self.device.type == "cuda" else torch.float32
        self.net = net.to(self.device, self.dtype).to(memory_format=torch.channels_last)
        torch.backends.cudnn.benchmark = True
        with torch.no_grad():  # the first runs pick kernels; do it before a user's request
            for batch in (1, 2, 4, 8, 16, 32, 64):
                self._forward(torch.zeros(batch, 3, 224, 224, device=self.device))
        pb_utils.Logger.log_info(f"food_classifier_torch on {self.device}, {self.dtype}")

    def _forward(self, images: Any) -> tuple[Any, Any]:
        """export_food_model.FoodClassifier.forward: pooled features, then the classifier."""
        images = images.to(self.dtype).contiguous(memory_format=self.torch.channels_last)
        embedding = self.net.extract_features(images).mean(dim=(2, 3))
        return self.torch.softmax(self.net._fc(embedding).float(), dim=1), embedding.float()

    def execute(self, requests: list[Any]) -> list[Any]:
        arrays = [pb_utils.get_input_tensor_by_name(r, "IMAGE").as_numpy() for r in requests]
        with self.torch.no_grad():
            scores, embedding = self._forward(
                self.torch.from_numpy(np.concatenate(arrays)).to(self.device)
            )
        scores_np, embedding_np = scores.cpu().numpy(), embedding.cpu().numpy()
        responses, offset = [], 0
        for array in arrays:
            rows = slice(offset, offset + len(array))
            offset += len(array)
            responses.append(
                pb_utils.InferenceResponse(
                    output_tensors=[
                        pb_utils.Tensor("SCORES", np.ascontiguousarray(scores_np[rows])),
                        pb_utils.Tensor("EMBEDDING", np.ascontiguousarray(embedding_np[rows])),
                    ]
                )
            )
        return responses
