"""Triton client pieces that need no server: error mapping, URL and metadata checks, and what
`infer_jpeg` sends and returns (against a fake channel)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from tritonclient.utils import InferenceServerException

from healthapp.inference.triton_client import (
    FoodModelClient,
    ModelMismatch,
    ModelOutput,
    TritonRequestError,
    TritonTimeout,
    TritonUnavailable,
    check_metadata,
    classify_error,
    normalise_url,
)
from tests.aio import run

METADATA = {
    "name": "food_classifier",
    "versions": ["1"],
    "platform": "python",
    "inputs": [{"name": "IMAGE", "datatype": "FP32", "shape": ["-1", "3", "224", "224"]}],
    "outputs": [
        {"name": "SCORES", "datatype": "FP32", "shape": ["-1", "1000"]},
        {"name": "EMBEDDING", "datatype": "FP32", "shape": ["-1", "1280"]},
    ],
}


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        ("StatusCode.UNAVAILABLE", TritonUnavailable),
        ("StatusCode.DEADLINE_EXCEEDED", TritonTimeout),
        ("StatusCode.INTERNAL", TritonRequestError),
        ("StatusCode.INVALID_ARGUMENT", TritonRequestError),
        (None, TritonRequestError),
    ],
)
def test_errors_are_sorted_by_status(status, kind) -> None:
    error = classify_error(InferenceServerException("boom", status=status))
    assert type(error) is kind
    assert str(error) == "boom"


def test_a_model_that_is_not_ready_counts_as_unavailable() -> None:
    exc = InferenceServerException(
        "Request for unknown model: 'food_classifier' is not found", status="StatusCode.NOT_FOUND"
    )
    assert isinstance(classify_error(exc), TritonUnavailable)


def test_urls_are_normalised() -> None:
    assert normalise_url("grpc://127.0.0.1:8001") == "127.0.0.1:8001"
    assert normalise_url("127.0.0.1:8001") == "127.0.0.1:8001"


def test_metadata_is_checked() -> None:
    info = check_metadata(METADATA)
    assert info.inputs["IMAGE"] == ("FP32", (-1, 3, 224, 224))
    assert info.outputs["SCORES"] == ("FP32", (-1, 1000))
    wrong_input = {
        **METADATA,
        "inputs": [{"name": "IMAGE", "datatype": "UINT8", "shape": ["-1", "224", "224", "3"]}],
    }
    with pytest.raises(ModelMismatch, match="IMAGE"):
        check_metadata(wrong_input)
    with pytest.raises(ModelMismatch, match="SCORES"):
        check_metadata({**METADATA, "outputs": []})


ENSEMBLE_METADATA = {
    "name": "food_recognizer",
    "versions": ["1"],
    "platform": "ensemble",
    "inputs": [{"name": "JPEG", "datatype": "BYTES", "shape": ["-1", "1"]}],
    "outputs": METADATA["outputs"],
}


def test_the_ensemble_metadata_is_accepted() -> None:
    info = check_metadata(ENSEMBLE_METADATA)
    assert info.takes_jpeg
    assert not check_metadata(METADATA).takes_jpeg
    assert info.inputs["JPEG"] == ("BYTES", (-1, 1))
    wrong_type = {
        **ENSEMBLE_METADATA,
        "inputs": [{"name": "JPEG", "datatype": "FP32", "shape": ["-1", "1"]}],
    }
    with pytest.raises(ModelMismatch, match="JPEG"):
        check_metadata(wrong_type)
    dali = {
        **ENSEMBLE_METADATA,
        "inputs": [{"name": "JPEG", "datatype": "UINT8", "shape": ["-1", "-1"]}],
    }
    assert check_metadata(dali).takes_jpeg
    no_embedding = {**ENSEMBLE_METADATA, "outputs": METADATA["outputs"][:1]}
    with pytest.raises(ModelMismatch, match="EMBEDDING"):
        check_metadata(no_embedding)
    with pytest.raises(ModelMismatch, match="JPEG BYTES"):
        check_metadata({**METADATA, "inputs": []})


class FakeResult:
    def __init__(self, outputs: dict[str, np.ndarray]) -> None:
        self.outputs = outputs

    def as_numpy(self, name: str) -> np.ndarray | None:
        return self.outputs.get(name)


class FakeGrpc:
    """Records what `infer` was given; answers with `outputs` or raises `error`."""

    def __init__(
        self, outputs: dict[str, np.ndarray] | None = None, error: Exception | None = None
    ) -> None:
        self.outputs = outputs or {}
        self.error = error
        self.calls: list[dict[str, Any]] = []

    async def infer(self, model: str, inputs: list[Any], **kwargs: Any) -> FakeResult:
        self.calls.append({"model": model, "inputs": inputs, **kwargs})
        if self.error is not None:
            raise self.error
        return FakeResult(self.outputs)


def client_with(fake: FakeGrpc) -> FoodModelClient:
    client = FoodModelClient("grpc://127.0.0.1:1", timeout_s=3.0)
    client._client = fake  # type: ignore[assignment]  # the channel, faked
    return client


def test_infer_jpeg_sends_the_bytes_and_returns_both_outputs() -> None:
    scores = np.full((2, 1000), 0.001, dtype=np.float32)
    embedding = np.arange(2 * 1280, dtype=np.float32).reshape(2, 1280)
    fake = FakeGrpc({"SCORES": scores, "EMBEDDING": embedding})
    client = client_with(fake)
    assert client.model == "food_recognizer"

    output = run(client.infer_jpeg([b"\xff\xd8one", b"\xff\xd8two"], request_id="42"))

    assert isinstance(output, ModelOutput)
    np.testing.assert_array_equal(output.scores, scores)
    np.testing.assert_array_equal(output.embedding, embedding)
    assert output.embedding.dtype == np.float32
    (call,) = fake.calls
    assert call["model"] == "food_recognizer"
    assert call["request_id"] == "42"
    assert call["client_timeout"] == 3.0
    (tensor,) = call["inputs"]
    assert tensor.name() == "JPEG"
    assert tensor.datatype() == "BYTES"
    assert tensor.shape() == [2, 1]
    assert sorted(output.name() for output in call["outputs"]) == ["EMBEDDING", "SCORES"]


def test_infer_jpeg_refuses_an_empty_batch_and_a_misshapen_answer() -> None:
    with pytest.raises(ValueError, match="at least one"):
        run(client_with(FakeGrpc()).infer_jpeg([]))
    short = FakeGrpc(
        {"SCORES": np.zeros((1, 1000), np.float32), "EMBEDDING": np.zeros((1, 10), np.float32)}
    )
    with pytest.raises(TritonRequestError, match="EMBEDDING shape"):
        run(client_with(short).infer_jpeg([b"x"]))
    with pytest.raises(TritonRequestError, match="SCORES shape None"):
        run(client_with(FakeGrpc()).infer_jpeg([b"x"]))


def test_infer_jpeg_sorts_server_errors() -> None:
    bad_photo = InferenceServerException(
        "in ensemble 'food_recognizer', JPEG: not a decodable image", status="StatusCode.INTERNAL"
    )
    with pytest.raises(TritonRequestError, match="not a decodable image"):
        run(client_with(FakeGrpc(error=bad_photo)).infer_jpeg([b"x"]))
    down = InferenceServerException("connection refused", status="StatusCode.UNAVAILABLE")
    with pytest.raises(TritonUnavailable):
        run(client_with(FakeGrpc(error=down)).infer_jpeg([b"x"]))


def test_a_model_taking_raw_bytes_gets_one_uint8_row() -> None:
    fake = FakeGrpc(
        {"SCORES": np.zeros((1, 1000), np.float32), "EMBEDDING": np.zeros((1, 1280), np.float32)}
    )
    client = client_with(fake)
    client.info = check_metadata(
        {
            **ENSEMBLE_METADATA,
            "name": "food_recognizer_gpu",
            "inputs": [{"name": "JPEG", "datatype": "UINT8", "shape": ["-1", "-1"]}],
        }
    )
    run(client.infer_jpeg([b"\xff\xd8\xff\xe0 a photo"]))
    (tensor,) = fake.calls[0]["inputs"]
    assert tensor.datatype() == "UINT8"
    assert tensor.shape() == [1, 12]
    with pytest.raises(ValueError, match="one photo per request"):
        run(client.infer_jpeg([b"one", b"two"]))
