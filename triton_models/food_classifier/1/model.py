"""Triton python-backend model: EfficientNet-Lite0 food classifier on onnxruntime (CPU).

Also serves `food_classifier_lite2` (its 1/model.py is a link to this file): the image size is
read from the config's IMAGE dims.

Runs inside Triton's python backend stub, whose interpreter finds onnxruntime and numpy<2 in the
Triton venv (see healthapp/inference/triton_server.py). The dynamic batcher hands `execute` several
requests at once; their images are concatenated into one onnxruntime run and split back, so a
batch costs one model call. A request that cannot be served gets its own error response and does
not fail the others of its batch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import triton_python_backend_utils as pb_utils

IMAGE_SHAPE = (3, 224, 224)  # when the config names no IMAGE dims
OUTPUTS = ("SCORES", "EMBEDDING")


def _int_parameter(parameters: dict[str, Any], key: str, default: int) -> int:
    raw = parameters.get(key, {}).get("string_value", "")
    try:
        return int(raw) if raw.strip() else default
    except ValueError as exc:
        raise pb_utils.TritonModelException(f"parameter {key}={raw!r} is not an integer") from exc


class TritonPythonModel:
    """One onnxruntime session per model instance."""

    def initialize(self, args: dict[str, str]) -> None:
        config = json.loads(args["model_config"])
        parameters = config.get("parameters", {})
        dims = next(
            (item["dims"] for item in config.get("input", []) if item.get("name") == "IMAGE"),
            IMAGE_SHAPE,
        )
        self.image_shape = tuple(int(dim) for dim in dims)
        self.name = args.get("model_name", "food_classifier")
        filename = parameters.get("ONNX_FILENAME", {}).get("string_value") or "model.onnx"
        path = Path(args["model_repository"]) / args["model_version"] / filename
        if not path.is_file():
            raise pb_utils.TritonModelException(
                f"{path} not found: build it with triton_models/build.sh"
            )
        options = ort.SessionOptions()
        options.intra_op_num_threads = _int_parameter(parameters, "INTRA_OP_THREADS", 0)
        options.inter_op_num_threads = _int_parameter(parameters, "INTER_OP_THREADS", 1)
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # Idle intra-op threads spin-wait by default; on a small shared CPU that steals the cores
        # Triton's gRPC threads and the stub need, so the config can turn it off.
        spinning = _int_parameter(parameters, "ALLOW_SPINNING", 1)
        options.add_session_config_entry("session.intra_op.allow_spinning", str(int(spinning > 0)))
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        # The first run allocates and plans; do it now rather than in a user's request.
        self.session.run(list(OUTPUTS), {"IMAGE": np.zeros((1, *self.image_shape), np.float32)})
        pb_utils.Logger.log_info(
            f"{self.name}: {path.name} on onnxruntime {ort.__version__}, "
            f"intra_op_threads={options.intra_op_num_threads}, allow_spinning={int(spinning > 0)}"
        )

    def execute(self, requests: list[Any]) -> list[Any]:
        responses: list[Any] = [None] * len(requests)
        images: list[np.ndarray] = []
        owners: list[int] = []
        for index, request in enumerate(requests):
            array = pb_utils.get_input_tensor_by_name(request, "IMAGE").as_numpy()
            # Triton has already checked dtype and shape against config.pbtxt; keep a cheap guard.
            if array.ndim != 4 or tuple(array.shape[1:]) != self.image_shape:
                expected = ", ".join(str(dim) for dim in self.image_shape)
                responses[index] = pb_utils.InferenceResponse(
                    error=pb_utils.TritonError(f"IMAGE must be [N, {expected}], got {array.shape}")
                )
                continue
            images.append(array.astype(np.float32, copy=False))
            owners.append(index)
        if not images:
            return responses

        batch = images[0] if len(images) == 1 else np.concatenate(images)
        try:
            scores, embedding = self.session.run(list(OUTPUTS), {"IMAGE": batch})
        except Exception as exc:  # onnxruntime raises several unrelated types
            for index in owners:
                responses[index] = pb_utils.InferenceResponse(
                    error=pb_utils.TritonError(f"onnxruntime failed: {exc}")
                )
            return responses

        offset = 0
        for index, image in zip(owners, images, strict=True):
            rows = slice(offset, offset + len(image))
            offset += len(image)
            responses[index] = pb_utils.InferenceResponse(
                output_tensors=[
                    pb_utils.Tensor("SCORES", np.ascontiguousarray(scores[rows])),
                    pb_utils.Tensor("EMBEDDING", np.ascontiguousarray(embedding[rows])),
                ]
            )
        return responses

    def finalize(self) -> None:
        self.session = None
