"""Async gRPC client for the food model on Triton (`tritonclient.grpc.aio`).

As Triton's own examples do it: at start, check that the server is live and ready, that the model
is ready, and that its metadata matches what this client sends and reads; send each request with
a timeout and a request id (the job id, so Triton's logs and traces name the job); and sort
`InferenceServerException` by its gRPC status:

  UNAVAILABLE            -> TritonUnavailable: the server is down or restarting. Not the job's
                            fault: the worker puts the job back and waits for readiness, without
                            counting an attempt.
  DEADLINE_EXCEEDED      -> TritonTimeout: counted as a failed attempt, retried with backoff.
  anything else          -> TritonRequestError (a model error, a bad request): counted too.

Two kinds of model: `food_recognizer` (the default) takes encoded photo bytes, `JPEG` BYTES [N, 1],
and returns SCORES and EMBEDDING (`infer_jpeg`); `food_classifier` takes preprocessed float
tensors, `IMAGE` FP32 [N, 3, 224, 224] (`infer`). `ModelInfo.takes_jpeg` says which one is served.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import tritonclient.grpc.aio as grpcclient
from tritonclient.utils import InferenceServerException

from healthapp.inference.preprocess import INPUT_SHAPE

INPUT_NAME = "IMAGE"
JPEG_INPUT_NAME = "JPEG"
SCORES_NAME = "SCORES"
EMBEDDING_NAME = "EMBEDDING"
NUM_CLASSES = 1000
EMBEDDING_SIZE = 1280
DEFAULT_MODEL = "food_recognizer"
INT32_MAX = 2**31 - 1
# Reconnect quickly after Triton restarts: gRPC's default backoff grows to two minutes.
CHANNEL_ARGS: list[tuple[str, Any]] = [
    ("grpc.max_send_message_length", INT32_MAX),
    ("grpc.max_receive_message_length", INT32_MAX),
    ("grpc.keepalive_time_ms", INT32_MAX),
    ("grpc.keepalive_timeout_ms", 20000),
    ("grpc.keepalive_permit_without_calls", 0),
    ("grpc.http2.max_pings_without_data", 2),
    ("grpc.initial_reconnect_backoff_ms", 250),
    ("grpc.min_reconnect_backoff_ms", 250),
    ("grpc.max_reconnect_backoff_ms", 2000),
]


class TritonError(RuntimeError):
    """Any failure talking to Triton; `status` is the gRPC status name when known."""

    def __init__(self, message: str, status: str = "") -> None:
        super().__init__(message)
        self.status = status


class TritonUnavailable(TritonError):
    """The server or the model cannot be reached or is not ready: wait, then try again."""


class TritonTimeout(TritonError):
    """The request exceeded its deadline."""


class TritonRequestError(TritonError):
    """The server answered with an error for this request."""


class ModelMismatch(TritonError):
    """The served model does not have the inputs/outputs this client needs (a deployment bug)."""


def status_name(exc: InferenceServerException) -> str:
    """'StatusCode.UNAVAILABLE' -> 'UNAVAILABLE' ('' when the exception carries none)."""
    status = exc.status() or ""
    return str(status).rsplit(".", 1)[-1]


def classify_error(exc: InferenceServerException) -> TritonError:
    """Map a tritonclient exception to TritonUnavailable / TritonTimeout / TritonRequestError."""
    status = status_name(exc)
    message = exc.message() or str(exc)
    if status == "UNAVAILABLE":
        return TritonUnavailable(message, status)
    if status == "DEADLINE_EXCEEDED":
        return TritonTimeout(message, status)
    if status in {"NOT_FOUND"} or "is not ready" in message or "unknown model" in message:
        # The model is unloaded or still loading: as good as a server that is down.
        return TritonUnavailable(message, status)
    return TritonRequestError(message, status)


@dataclass(frozen=True)
class ModelInfo:
    """What the model metadata said (checked against this client's expectations)."""

    name: str
    versions: tuple[str, ...]
    platform: str
    inputs: dict[str, tuple[str, tuple[int, ...]]]
    outputs: dict[str, tuple[str, tuple[int, ...]]]

    @property
    def takes_jpeg(self) -> bool:
        """The model takes encoded photo bytes (the ensemble), not float tensors."""
        return JPEG_INPUT_NAME in self.inputs


@dataclass(frozen=True)
class ModelOutput:
    """Both outputs of the model for N images."""

    scores: np.ndarray  # float32 [N, 1000] softmax probabilities
    embedding: np.ndarray  # float32 [N, 1280] pooled image features


def normalise_url(url: str) -> str:
    """'grpc://host:8001' or 'host:8001' -> 'host:8001' (what grpc wants)."""
    for scheme in ("grpc://", "http://"):
        if url.startswith(scheme):
            url = url[len(scheme) :]
    return url.rstrip("/")


def _tensors(items: list[dict[str, Any]]) -> dict[str, tuple[str, tuple[int, ...]]]:
    return {
        item["name"]: (item["datatype"], tuple(int(dim) for dim in item.get("shape", [])))
        for item in items
    }


def check_metadata(metadata: dict[str, Any]) -> ModelInfo:
    """Validate the model's metadata (as_json=True form); raises ModelMismatch when it is wrong."""
    info = ModelInfo(
        name=metadata.get("name", ""),
        versions=tuple(metadata.get("versions", [])),
        platform=metadata.get("platform", ""),
        inputs=_tensors(metadata.get("inputs", [])),
        outputs=_tensors(metadata.get("outputs", [])),
    )
    jpeg = info.inputs.get(JPEG_INPUT_NAME)
    if jpeg is not None:
        if jpeg not in (("BYTES", (-1, 1)), ("UINT8", (-1, -1))):
            raise ModelMismatch(
                f"model {info.name}: input {JPEG_INPUT_NAME} BYTES [-1,1] or UINT8 [-1,-1] "
                f"expected, got {jpeg}"
            )
        embedding = info.outputs.get(EMBEDDING_NAME)
        if embedding is None or embedding[0] != "FP32" or embedding[1][-1:] != (EMBEDDING_SIZE,):
            raise ModelMismatch(
                f"model {info.name}: output {EMBEDDING_NAME} FP32 [-1,1280] expected, "
                f"got {embedding}"
            )
    else:
        image = info.inputs.get(INPUT_NAME)
        if image is None or image[0] != "FP32" or image[1][-3:] != INPUT_SHAPE:
            raise ModelMismatch(
                f"model {info.name}: input {JPEG_INPUT_NAME} BYTES [-1,1] or {INPUT_NAME} FP32 "
                f"[-1,3,224,224] expected, got {info.inputs}"
            )
    scores = info.outputs.get(SCORES_NAME)
    if scores is None or scores[0] != "FP32" or scores[1][-1:] != (NUM_CLASSES,):
        raise ModelMismatch(
            f"model {info.name}: output {SCORES_NAME} FP32 [-1,1000] expected, got {scores}"
        )
    return info


def _output(result: grpcclient.InferResult, name: str, shape: tuple[int, int]) -> np.ndarray:
    """One float32 output of `result`; TritonRequestError when it is missing or misshapen."""
    array = result.as_numpy(name)
    if array is None or array.shape != shape:
        raise TritonRequestError(
            f"unexpected {name} shape {None if array is None else array.shape}"
        )
    return array.astype(np.float32, copy=False)


class FoodModelClient:
    """One gRPC channel to Triton for the food model; use from a single event loop."""

    def __init__(self, url: str, model: str = DEFAULT_MODEL, *, timeout_s: float = 10.0) -> None:
        self.url = normalise_url(url)
        self.model = model
        self.timeout_s = timeout_s
        self.info: ModelInfo | None = None
        self._client: grpcclient.InferenceServerClient | None = None

    def _grpc(self) -> grpcclient.InferenceServerClient:
        if self._client is None:
            self._client = grpcclient.InferenceServerClient(self.url, channel_args=CHANNEL_ARGS)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()

    async def connect(self, *, timeout_s: float = 5.0) -> ModelInfo:
        """Check live, ready, model ready and metadata. TritonUnavailable if any is not yet so;
        ModelMismatch if the model is not the one this client can use."""
        client = self._grpc()
        try:
            if not await client.is_server_live(client_timeout=timeout_s):
                raise TritonUnavailable(f"Triton at {self.url} is not live")
            if not await client.is_server_ready(client_timeout=timeout_s):
                raise TritonUnavailable(f"Triton at {self.url} is not ready")
            if not await client.is_model_ready(self.model, client_timeout=timeout_s):
                raise TritonUnavailable(f"model {self.model} is not ready on {self.url}")
            metadata = await client.get_model_metadata(
                self.model, as_json=True, client_timeout=timeout_s
            )
        except InferenceServerException as exc:
            raise classify_error(exc) from exc
        # tritonclient returns or raises (its raise_error_grpc lacks NoReturn, hence `| None`).
        assert metadata is not None
        self.info = check_metadata(metadata)
        return self.info

    async def is_ready(self, *, timeout_s: float = 2.0) -> bool:
        """Server and model ready (False on any error, never raises)."""
        client = self._grpc()
        try:
            return bool(
                await client.is_server_ready(client_timeout=timeout_s)
                and await client.is_model_ready(self.model, client_timeout=timeout_s)
            )
        except (TimeoutError, InferenceServerException, OSError):
            return False

    async def infer(
        self, images: np.ndarray, *, request_id: str = "", timeout_s: float | None = None
    ) -> np.ndarray:
        """Scores [N, 1000] for images [N, 3, 224, 224] (or one [3, 224, 224] -> [1, 1000])."""
        output = await self.infer_tensor(images, request_id=request_id, timeout_s=timeout_s)
        return output.scores

    async def infer_tensor(
        self, images: np.ndarray, *, request_id: str = "", timeout_s: float | None = None
    ) -> ModelOutput:
        """SCORES [N, 1000] and EMBEDDING [N, 1280] for preprocessed images [N, 3, 224, 224]."""
        batch = np.asarray(images, dtype=np.float32)
        if batch.ndim == 3:
            batch = batch[np.newaxis]
        if batch.ndim != 4 or batch.shape[1:] != INPUT_SHAPE:
            raise ValueError(f"images must be [N, 3, 224, 224], got {batch.shape}")
        batch = np.ascontiguousarray(batch)
        tensor = grpcclient.InferInput(INPUT_NAME, list(batch.shape), "FP32")
        tensor.set_data_from_numpy(batch)
        return await self._infer(tensor, batch.shape[0], request_id, timeout_s)

    async def _infer(
        self,
        tensor: grpcclient.InferInput,
        count: int,
        request_id: str,
        timeout_s: float | None,
    ) -> ModelOutput:
        timeout = self.timeout_s if timeout_s is None else timeout_s
        try:
            result = await self._grpc().infer(
                self.model,
                [tensor],
                outputs=[
                    grpcclient.InferRequestedOutput(SCORES_NAME),
                    grpcclient.InferRequestedOutput(EMBEDDING_NAME),
                ],
                request_id=request_id,
                client_timeout=timeout,
            )
        except InferenceServerException as exc:
            raise classify_error(exc) from exc
        assert result is not None  # returned or raised, as get_model_metadata above
        return ModelOutput(
            scores=_output(result, SCORES_NAME, (count, NUM_CLASSES)),
            embedding=_output(result, EMBEDDING_NAME, (count, EMBEDDING_SIZE)),
        )

    def _jpeg_input(self, photos: Sequence[bytes]) -> grpcclient.InferInput:
        """BYTES [N, 1] (the CPU ensemble), or UINT8 [1, length] where the model takes raw bytes
        (the DALI ensemble on a GPU: one photo per request, Triton batches them ragged)."""
        jpeg = self.info.inputs.get(JPEG_INPUT_NAME) if self.info else None
        if jpeg is not None and jpeg[0] == "UINT8":
            if len(photos) != 1:
                raise ValueError(f"model {self.model} takes one photo per request")
            array = np.frombuffer(photos[0], dtype=np.uint8)[np.newaxis]
            datatype = "UINT8"
        else:
            array = np.empty((len(photos), 1), dtype=np.object_)
            for row, photo in enumerate(photos):
                array[row, 0] = bytes(photo)
            datatype = "BYTES"
        tensor = grpcclient.InferInput(JPEG_INPUT_NAME, list(array.shape), datatype)
        tensor.set_data_from_numpy(array)
        return tensor

    async def infer_jpeg(
        self, photos: Sequence[bytes], *, request_id: str = "", timeout_s: float | None = None
    ) -> ModelOutput:
        """SCORES [N, 1000] and EMBEDDING [N, 1280] for N encoded photos (the ensemble).

        The whole request fails with TritonRequestError when one of its photos does not decode;
        separate requests (the worker sends one photo each) fail or succeed on their own."""
        if not photos:
            raise ValueError("at least one photo is needed")
        return await self._infer(self._jpeg_input(photos), len(photos), request_id, timeout_s)
